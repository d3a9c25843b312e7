import Foundation

/// A JSON document as the simulators read requests and write answers.
///
/// The simulators' own reading of JSON, through Foundation's `JSONSerialization`, never the portal's client decoder:
/// a simulator that shared the client's codecs could only agree with the client, never catch its mistakes.
/// Loose accessors (`string`, `int`, `bool`) read values the way PHP would, as the vendors' servers do.
package enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Not a JSON document.
    package struct NotJSON: Error {}

    /// Reads a document (fragments such as a bare string are allowed, as PHP's `json_decode` allows them).
    package init(data: Data) throws {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw NotJSON()
        }
        self = Self(foundation: object)
    }

    private init(foundation value: Any) {
        switch value {
        case let number as NSNumber:
            // NSNumber carries booleans too: JSON's true and false are stored as C chars ("c"), numbers never are.
            if String(cString: number.objCType) == "c" {
                self = .bool(number.boolValue)
            } else {
                self = .number(number.doubleValue)
            }
        case let text as String: self = .string(text)
        case let items as [Any]: self = .array(items.map(Self.init(foundation:)))
        case let fields as [String: Any]: self = .object(fields.mapValues(Self.init(foundation:)))
        default: self = .null
        }
    }

    package subscript(_ key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields[key]
    }

    /// Scalars as PHP prints them; nil for null, arrays and objects.
    package var string: String? {
        switch self {
        case .string(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        case .null, .array, .object: return nil
        }
    }

    /// Whole numbers, and strings that hold one.
    package var int: Int? {
        switch self {
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? Int(number) : nil
        case .string(let text): return Int(text.trimmingCharacters(in: .whitespaces))
        case .bool(let flag): return flag ? 1 : 0
        case .null, .array, .object: return nil
        }
    }

    /// PHP truthiness for flags sent as JSON.
    package var bool: Bool? {
        switch self {
        case .bool(let flag): return flag
        case .number(let number): return number != 0
        case .string(let text):
            let lowered = text.lowercased()
            if ["1", "true", "yes", "on"].contains(lowered) { return true }
            if ["0", "false", "no", "off", ""].contains(lowered) { return false }
            return nil
        case .null, .array, .object: return nil
        }
    }

    /// An array's items; a single object as a one-item list (vendors send either for one record).
    package var elements: [JSONValue] {
        switch self {
        case .array(let items): return items
        case .object: return [self]
        default: return []
        }
    }

    /// A money amount (`"12.50"` or `12.5`) in hundredths, read as a decimal so no binary rounding creeps in.
    package var minorUnits: Int64? {
        let text: String
        switch self {
        case .string(let value): text = value.trimmingCharacters(in: .whitespaces)
        case .number(let value): text = String(format: "%.2f", value)
        default: return nil
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }),
            let amount = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        var scaled = amount * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == amount * 100 else { return nil }
        return Int64(exactly: NSDecimalNumber(decimal: rounded).int64Value)
    }
}

extension JSONValue: Encodable {
    /// Whole numbers are written without a fraction, as PHP's `json_encode` writes integers.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 {
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

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    package init(nilLiteral: ()) { self = .null }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .number(Double(value)) }
    package init(floatLiteral value: Double) { self = .number(value) }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue {
    /// A field by name whatever its case: TheSSLStore's documentation and SDKs disagree (`isError` / `IsError`),
    /// and its server accepts either.
    package func field(_ name: String) -> JSONValue? {
        if let exact = self[name] { return exact }
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
