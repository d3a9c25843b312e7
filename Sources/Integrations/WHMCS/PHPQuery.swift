import Foundation

/// A form value as PHP sees one: a scalar, a list (`pid[0]=1&pid[1]=3`) or a map (`pricing[1][monthly]=1.00`).
package indirect enum PHPFormValue: Equatable, Sendable {
    case scalar(String)
    case list([PHPFormValue])
    case map([(key: String, value: PHPFormValue)])

    /// A WHMCS flag. WHMCS reads flags with PHP's loose truthiness, so the string `"false"` counts as true: a flag
    /// is always sent as `1` or `0` (CONTRACTS.md, Corrections).
    package static func flag(_ on: Bool) -> PHPFormValue { .scalar(on ? "1" : "0") }

    package static func == (lhs: PHPFormValue, rhs: PHPFormValue) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }
}

/// `application/x-www-form-urlencoded` bodies built and read the way PHP's `http_build_query` and
/// `$_POST` do, brackets and all (CONTRACTS.md §1.1).
package enum PHPQuery {
    /// Encodes ordered fields; nested values become `name[key]=…` pairs, in order.
    package static func encode(_ fields: [(String, PHPFormValue)]) -> String {
        var pairs: [String] = []
        for (name, value) in fields { append(name, value, to: &pairs) }
        return pairs.joined(separator: "&")
    }

    private static func append(_ name: String, _ value: PHPFormValue, to pairs: inout [String]) {
        switch value {
        case .scalar(let text):
            pairs.append("\(escape(name))=\(escape(text))")
        case .list(let items):
            for (index, item) in items.enumerated() { append("\(name)[\(index)]", item, to: &pairs) }
        case .map(let entries):
            for entry in entries { append("\(name)[\(entry.key)]", entry.value, to: &pairs) }
        }
    }

    /// PHP's `urlencode`: letters, digits and `-_.` stay, a space becomes `+`, everything else is `%XX`.
    package static func escape(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                result.unicodeScalars.append(UnicodeScalar(byte))
            case UInt8(ascii: " "):
                result.append("+")
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    /// Parses a body as PHP fills `$_POST`: `a[]=1&a[]=2`, `a[x][y]=1`; a later scalar replaces an earlier one.
    package static func decode(_ body: String) -> [String: PHPFormValue] {
        var root: [(key: String, value: PHPFormValue)] = []
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            guard let (base, path) = splitName(rawName), !base.isEmpty else { continue }
            insert(.scalar(value), at: [base] + path, into: &root)
        }
        var result: [String: PHPFormValue] = [:]
        for entry in root { result[entry.key] = normalize(entry.value) }
        return result
    }

    /// `pricing[1][monthly]` → ("pricing", ["1", "monthly"]); an empty `[]` appends.
    private static func splitName(_ name: String) -> (String, [String])? {
        guard let open = name.firstIndex(of: "[") else { return (name, []) }
        let base = String(name[..<open])
        var path: [String] = []
        var rest = name[open...]
        while rest.first == "[", let close = rest.firstIndex(of: "]") {
            path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return (base, path)
    }

    private static func insert(
        _ value: PHPFormValue, at path: [String], into entries: inout [(key: String, value: PHPFormValue)]
    ) {
        var key = path[0]
        if key.isEmpty {
            let numeric = entries.compactMap { Int($0.key) }
            key = String((numeric.max() ?? -1) + 1)
        }
        let index = entries.firstIndex { $0.key == key }
        if path.count == 1 {
            if let index { entries[index].value = value } else { entries.append((key, value)) }
            return
        }
        var children: [(key: String, value: PHPFormValue)] = []
        if let index, case .map(let existing) = entries[index].value { children = existing }
        insert(value, at: Array(path.dropFirst()), into: &children)
        if let index { entries[index].value = .map(children) } else { entries.append((key, .map(children))) }
    }

    /// Maps whose keys are 0, 1, 2 … in order become lists, as PHP arrays read back in JSON.
    private static func normalize(_ value: PHPFormValue) -> PHPFormValue {
        guard case .map(let entries) = value else { return value }
        let normalized = entries.map { (key: $0.key, value: normalize($0.value)) }
        if normalized.enumerated().allSatisfy({ $0.element.key == String($0.offset) }) {
            return .list(normalized.map(\.value))
        }
        return .map(normalized)
    }

    private static func unescape(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }
}
