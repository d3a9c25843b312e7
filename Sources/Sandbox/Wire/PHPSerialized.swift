/// Reads PHP's `serialize()` output as WHMCS does for its `customfields` parameters: an array of scalars.
///
/// The simulators' own reading, from PHP's documented format (`a:2:{i:1;s:3:"abc";s:1:"x";i:5;}`), never the portal's.
package enum PHPSerialized {
    package struct Malformed: Error {}

    /// PHP refuses nothing this deep in practice; the limits keep a hostile body from exhausting the stack or memory.
    static let maximumDepth = 32
    static let maximumEntries = 10_000

    /// The array's entries with keys and scalar values as strings (`true` → "1", null → ""); a nested array reads
    /// as "".
    package static func flatArray(_ text: String) throws -> [(key: String, value: String)] {
        var reader = Reader(bytes: Array(text.utf8))
        guard case .array(let entries) = try reader.value(depth: 0), reader.atEnd else { throw Malformed() }
        return entries.map { entry in
            if case .scalar(let text) = entry.value { return (entry.key, text) }
            return (entry.key, "")
        }
    }

    private indirect enum Value {
        case scalar(String)
        case array([(key: String, value: Value)])
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var atEnd: Bool { offset == bytes.count }

        mutating func value(depth: Int) throws -> Value {
            guard offset < bytes.count, depth <= PHPSerialized.maximumDepth else { throw Malformed() }
            let type = bytes[offset]
            offset += 1
            if type == UInt8(ascii: "N") {
                try expect(";")
                return .scalar("")
            }
            try expect(":")
            switch type {
            case UInt8(ascii: "i"):
                let number = try until(";")
                guard Int(number) != nil else { throw Malformed() }
                return .scalar(number)
            case UInt8(ascii: "d"):
                let number = try until(";")
                guard Double(number) != nil else { throw Malformed() }
                return .scalar(number)
            case UInt8(ascii: "b"):
                let flag = try until(";")
                guard flag == "0" || flag == "1" else { throw Malformed() }
                return .scalar(flag)
            case UInt8(ascii: "s"):
                guard let length = Int(try until(":")), length >= 0 else { throw Malformed() }
                try expect("\"")
                guard offset + length <= bytes.count else { throw Malformed() }
                let text = String(decoding: bytes[offset..<offset + length], as: UTF8.self)
                offset += length
                try expect("\"")
                try expect(";")
                return .scalar(text)
            case UInt8(ascii: "a"):
                guard let count = Int(try until(":")), (0...PHPSerialized.maximumEntries).contains(count) else {
                    throw Malformed()
                }
                try expect("{")
                var entries: [(key: String, value: Value)] = []
                for _ in 0..<count {
                    // Only integers and strings are keys, as PHP's unserialize allows.
                    guard offset < bytes.count,
                        bytes[offset] == UInt8(ascii: "i") || bytes[offset] == UInt8(ascii: "s"),
                        case .scalar(let key) = try value(depth: depth + 1)
                    else { throw Malformed() }
                    entries.append((key, try value(depth: depth + 1)))
                }
                try expect("}")
                return .array(entries)
            default:
                throw Malformed()
            }
        }

        private mutating func expect(_ character: Character) throws {
            guard offset < bytes.count, bytes[offset] == character.asciiValue else { throw Malformed() }
            offset += 1
        }

        private mutating func until(_ character: Character) throws -> String {
            guard let end = bytes[offset...].firstIndex(of: character.asciiValue ?? 0) else { throw Malformed() }
            let text = String(decoding: bytes[offset..<end], as: UTF8.self)
            offset = end + 1
            return text
        }
    }
}
