import Foundation
import GRDB

/// One API call being carried out inside a write transaction of the sandbox database.
struct WHMCSAction {
    let db: Database
    let params: WHMCSParams
    let now: Date
    let baseURL: String

    /// The currencies the sandbox installation has, by WHMCS currency id.
    static let currencies: [(id: Int, code: String, prefix: String, suffix: String)] = [
        (1, "GBP", "£", " GBP"), (2, "USD", "$", " USD"), (3, "EUR", "€", " EUR"), (4, "JPY", "¥", " JPY"),
        (5, "KWD", "", " KWD"),
    ]
    /// Units per pound (the base currency), as GetCurrencies reports `rate`.
    static let rates = ["GBP": "1.00000", "USD": "1.27000", "EUR": "1.17000", "JPY": "190.50000", "KWD": "0.39000"]

    static let cycles = ["monthly", "quarterly", "semiannually", "annually", "biennially", "triennially"]
    static let setupFeeColumns = ["msetupfee", "qsetupfee", "ssetupfee", "asetupfee", "bsetupfee", "tsetupfee"]
    static let gateways = ["mailin", "banktransfer", "paypal", "stripe"]

    var today: String { Self.format(now, "yyyy-MM-dd") }
    var timestamp: String { Self.format(now, "yyyy-MM-dd HH:mm:ss") }

    /// A `yyyy-MM-dd` date, read in UTC.
    static func date(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.date(from: text)
    }

    static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }

    /// Minor units as WHMCS writes amounts: `"12.50"`.
    static func money(_ minor: Int) -> JSONValue {
        let sign = minor < 0 ? "-" : ""
        let magnitude = abs(minor)
        return .string("\(sign)\(magnitude / 100).\(String(format: "%02d", magnitude % 100))")
    }

    /// `"12.50"` → 1250; nil when not an amount.
    static func minor(_ text: String) -> Int? {
        JSONValue.string(text).minorUnits.map { Int($0) }
    }

    static func id(_ value: Int) -> JSONValue { .string(String(value)) }

    /// `limitstart`/`limitnum` with WHMCS's defaults.
    var paging: (start: Int, size: Int) {
        (max(0, params.int("limitstart") ?? 0), max(1, params.int("limitnum") ?? 25))
    }

    /// How a stock WHMCS writes a list with nothing in it: most actions only add the outer key inside their row
    /// loop, so it is absent; GetInvoices writes `[]`, and GetClientsProducts and GetClientsDomains write `""`.
    enum EmptyList {
        case absent, emptyArray, emptyString
    }

    /// The envelope of a paged list: counters, then `outer.inner[]`, or the action's own empty form.
    static func page(
        _ outer: String, _ inner: String, items: [JSONValue], total: Int, start: Int, empty: EmptyList = .absent
    ) -> JSONValue {
        var body: [String: JSONValue] = [
            "totalresults": .number(Double(total)), "startnumber": .number(Double(start)),
            "numreturned": .number(Double(items.count)),
        ]
        body[outer] = list(inner, items, empty: empty)
        return .object(body)
    }

    /// `{inner: [...]}`, or the empty form (nil when the key is left out).
    static func list(_ inner: String, _ items: [JSONValue], empty: EmptyList = .absent) -> JSONValue? {
        guard items.isEmpty else { return [inner: .array(items)] }
        switch empty {
        case .absent: return nil
        case .emptyArray: return .array([])
        case .emptyString: return .string("")
        }
    }

    /// The `customfields` parameter: base64 of a PHP-serialised array, keyed by field id.
    func customFields(_ key: String = "customfields", from raw: String? = nil) throws -> [String: String] {
        guard let encoded = raw ?? params.nonEmpty(key) else { return [:] }
        guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
            let entries = try? PHPSerialized.flatArray(text)
        else {
            throw WHMCSFailure("Invalid \(key) value: expected base64_encode(serialize(array))")
        }
        var fields: [String: String] = [:]
        for entry in entries { fields[entry.key] = entry.value }
        return fields
    }

    static func encodeJSON(_ value: [String: String]) -> String {
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "{}"
    }

    static func decodeJSON(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    static func randomToken(_ length: Int, alphabet: String = "0123456789abcdef") -> String {
        let characters = Array(alphabet)
        return String((0..<length).map { _ in characters[Int.random(in: 0..<characters.count)] })
    }
}
