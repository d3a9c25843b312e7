import Foundation

/// A JSON value from an upstream that types loosely: WHMCS and TheSSLStore put numbers and booleans in
/// strings (`"clientid": "1"`, `"twoFactorEnabled": "false"`), so the accessors accept either form
/// (CONTRACTS.md §0.2).
package enum LenientJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([LenientJSON])
    case object([String: LenientJSON])

    package enum ParseError: Error, Equatable {
        case notJSON
    }

    package init(data: Data) throws(ParseError) {
        do {
            self = try JSONDecoder().decode(LenientJSON.self, from: data)
        } catch {
            throw .notJSON
        }
    }

    package subscript(_ key: String) -> LenientJSON? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// A string, or a number or boolean written out.
    package var string: String? {
        switch self {
        case .string(let text): text
        case .number(let number):
            number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// An integer, from a number or a string such as `"42"`.
    package var int: Int? {
        switch self {
        case .number(let number): number.rounded() == number && abs(number) < 9e15 ? Int(number) : nil
        case .string(let text): Int(text.trimmingCharacters(in: .whitespaces))
        case .bool(let flag): flag ? 1 : 0
        default: nil
        }
    }

    /// A boolean, from `true`, `1`, `"true"`, `"1"`, `"yes"`, `"on"` (and their opposites).
    package var bool: Bool? {
        switch self {
        case .bool(let flag): flag
        case .number(let number): number != 0
        case .string(let text):
            switch text.lowercased() {
            case "true", "1", "yes", "on": true
            case "false", "0", "no", "off", "": false
            default: nil
            }
        default: nil
        }
    }

    /// Money in `currency`'s minor units from `"12.50"` or `12.5`, without going through floating point for strings;
    /// digits beyond the currency's minor unit round (WHMCS writes `"1000.00"` for yen).
    package func minorUnits(in currency: Currency) -> Int64? {
        switch self {
        case .string(let text): currency.minor(fromDecimal: text, precision: .rounded)
        case .number(let number):
            currency.minor(fromDecimal: String(format: "%.\(currency.decimals + 1)f", number), precision: .rounded)
        default: nil
        }
    }

    /// Money as WHMCS formats it for display, with the currency's prefix and suffix and any of its number formats:
    /// `"$-8.67 USD"`, `"£1,234.50 GBP"`, `"1.234,50 €"`, `"-8.67"`, `"KWD 1.250"`. The last `.` or `,` followed by
    /// one to three digits (up to the currency's own count) is the decimal mark; other marks group thousands. Nil
    /// when there are no digits.
    package func formattedMinorUnits(in currency: Currency) -> Int64? {
        guard case .string(let text) = self else { return minorUnits(in: currency) }
        guard let firstDigit = text.firstIndex(where: { $0.isASCII && $0.isNumber }) else { return nil }
        let negative = text[..<firstDigit].contains("-")
        let number = text[firstDigit...].prefix { ($0.isASCII && $0.isNumber) || $0 == "." || $0 == "," }
        var whole = number
        var fraction = Substring("")
        if let mark = number.lastIndex(where: { $0 == "." || $0 == "," }) {
            let after = number[number.index(after: mark)...]
            // Three digits after a mark group thousands unless the currency has thousandths.
            if (1...max(2, currency.decimals)).contains(after.count) {
                whole = number[..<mark]
                fraction = after
            }
        }
        let digits = whole.filter { $0.isNumber }
        guard !digits.isEmpty else { return nil }
        return currency.minor(
            fromDecimal: (negative ? "-" : "") + digits + (fraction.isEmpty ? "" : "." + fraction), precision: .rounded)
    }

    /// The elements of a list that WHMCS may send as an array, as a single object, or as `""` when empty.
    package var elements: [LenientJSON] {
        switch self {
        case .array(let items): items
        case .object: [self]
        default: []
        }
    }
}

extension LenientJSON: Decodable {
    /// Booleans are tried before numbers: JSONDecoder reads only `true`/`false` as Bool, so `1` stays a number.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([LenientJSON].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: LenientJSON].self))
        }
    }
}

extension LenientJSON: Encodable {
    /// Whole numbers are written without a fraction, as PHP's `json_encode` writes integers.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let number):
            if number.rounded() == number, abs(number) < 9e15 {
                try container.encode(Int64(number))
            } else {
                try container.encode(number)
            }
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items)
        case .object(let fields): try container.encode(fields)
        }
    }
}

extension LenientJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByBooleanLiteral
{
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .number(Double(value)) }
    package init(arrayLiteral elements: LenientJSON...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, LenientJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
