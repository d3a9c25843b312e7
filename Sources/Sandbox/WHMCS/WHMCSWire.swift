/// The request fields of one call, read the way WHMCS's PHP reads `$_REQUEST`.
struct WHMCSParams: Sendable {
    let fields: [String: FormValue]

    func string(_ key: String) -> String? {
        if case .scalar(let value) = fields[key] { return value }
        return nil
    }

    /// A trimmed value, nil when absent or blank.
    func nonEmpty(_ key: String) -> String? {
        guard let value = string(key)?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    func int(_ key: String) -> Int? {
        string(key).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// A flag as WHMCS's PHP reads it, with loose truthiness: absent, empty and `0` are false, and every other
    /// string is true, `"false"` and `"no"` included (CONTRACTS.md, Corrections).
    func flag(_ key: String) -> Bool {
        guard let value = string(key) else { return false }
        return !value.isEmpty && value != "0"
    }

    /// A scalar as a one-item list, a list, or a map's values in order.
    func list(_ key: String) -> [String]? {
        switch fields[key] {
        case .scalar(let value): [value]
        case .list(let items): items.map { if case .scalar(let value) = $0 { value } else { "" } }
        case .map(let entries): entries.map { if case .scalar(let value) = $0.value { value } else { "" } }
        case nil: nil
        }
    }

    func value(_ key: String) -> FormValue? { fields[key] }
}

/// Answers rendered without `responsetype=json`, as WHMCS 7.8 does.
enum WHMCSWire {
    /// NVP: `key=value;` for the top-level scalar fields.
    static func nvp(_ body: JSONValue) -> String {
        guard case .object(let fields) = body else { return "" }
        return fields.keys.sorted().compactMap { key in fields[key]?.string.map { "\(key)=\($0);" } }.joined()
    }

    /// XML with one element per key and repeated elements for list items. Keys that are not safe element names
    /// (they can come from request data, such as custom field ids) are left out.
    static func xml(_ value: JSONValue) -> String {
        switch value {
        case .object(let fields):
            return fields.keys.sorted().filter(isElementName).map { key -> String in
                let child = fields[key] ?? .null
                if case .array(let items) = child {
                    return items.map { "<\(key)>\(xml($0))</\(key)>" }.joined()
                }
                return "<\(key)>\(xml(child))</\(key)>"
            }.joined()
        case .array(let items):
            return items.map(xml).joined()
        default:
            return escapeHTML(value.string ?? "")
        }
    }

    private static func isElementName(_ key: String) -> Bool {
        guard let first = key.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
