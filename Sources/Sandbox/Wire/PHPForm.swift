import Foundation

/// One field of a form as PHP reads it: a string, or a list or map built from bracketed names.
package indirect enum FormValue: Sendable, Equatable {
    case scalar(String)
    case list([FormValue])
    case map([(key: String, value: FormValue)])

    package static func == (lhs: FormValue, rhs: FormValue) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): a == b
        case (.list(let a), .list(let b)): a == b
        case (.map(let a), .map(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }
}

/// Reads `application/x-www-form-urlencoded` bodies the way the vendors' PHP servers do: `urldecode` on names and
/// values, and `$_POST`'s bracket rules (`a[]=1&a[]=2`, `a[x][y]=1`, a later value replacing an earlier one).
///
/// The simulators' own reading, written from PHP's documented behaviour, never the portal's client encoder.
package enum PHPForm {
    /// PHP's `urldecode`: `+` is a space and `%XX` a byte; a malformed escape is kept as it is.
    package static func urldecode(_ text: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2, iterator.prefix(2).allSatisfy(isHexDigit),
                let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// `name=value` pairs with no bracket rules (WHM and 20i forms); the last value of a repeated name wins.
    package static func flat(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in pairs(body) { fields[name] = value }
        return fields
    }

    /// `name=value` pairs in order, decoded.
    package static func pairs(_ body: String) -> [(String, String)] {
        body.split(separator: "&").map { pair in
            let equals = pair.firstIndex(of: "=")
            let name = urldecode(equals.map { pair[..<$0] } ?? pair[...])
            let value = equals.map { urldecode(pair[pair.index(after: $0)...]) } ?? ""
            return (name, value)
        }
    }

    /// The fields of a body as `$_POST` holds them.
    package static func fields(_ body: String) -> [String: FormValue] {
        let root = Node()
        for (name, value) in pairs(body) {
            let (base, keys) = path(of: name)
            guard !base.isEmpty else { continue }
            root.set(value, at: [base] + keys)
        }
        var fields: [String: FormValue] = [:]
        for (key, child) in root.children { fields[key] = child.value }
        return fields
    }

    /// `pricing[1][monthly]` → ("pricing", ["1", "monthly"]); `a[]` → ("a", [""]); text after an unclosed bracket
    /// is dropped, as PHP drops it.
    private static func path(of name: String) -> (String, [String]) {
        guard let open = name.firstIndex(of: "[") else { return (name, []) }
        var keys: [String] = []
        var rest = name[open...]
        while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            keys.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return (String(name[..<open]), keys)
    }

    /// An ordered PHP array under construction.
    private final class Node {
        var scalar: String?
        var children: [(String, Node)] = []

        func set(_ text: String, at keys: [String]) {
            var key = keys[0]
            if key.isEmpty {
                // `[]` appends at the next integer key, as PHP's array append does.
                key = String((children.compactMap { Int($0.0) }.max() ?? -1) + 1)
            }
            let child: Node
            if let existing = children.first(where: { $0.0 == key })?.1 {
                child = existing
            } else {
                child = Node()
                children.append((key, child))
            }
            if keys.count == 1 {
                child.scalar = text
                child.children = []
            } else {
                child.scalar = nil
                child.set(text, at: Array(keys.dropFirst()))
            }
        }

        /// A scalar; a list when the keys are 0, 1, 2 … in order (as `json_encode` prints such an array); else a map.
        var value: FormValue {
            if let scalar { return .scalar(scalar) }
            let values = children.map { (key: $0.0, value: $0.1.value) }
            if values.indices.allSatisfy({ values[$0].key == String($0) }) { return .list(values.map(\.value)) }
            return .map(values)
        }
    }
}
