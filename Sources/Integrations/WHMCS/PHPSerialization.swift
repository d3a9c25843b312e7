import Foundation

/// PHP's `serialize` format, for the `customfields`, `configoptions` and `domainfields` parameters,
/// which WHMCS takes as `base64_encode(serialize($array))` (CONTRACTS.md §1.1).
package indirect enum PHPValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// An ordered PHP array; keys are ints or strings.
    case array([(key: Key, value: PHPValue)])

    package enum Key: Equatable, Hashable, Sendable {
        case int(Int)
        case string(String)
    }

    package static func == (lhs: PHPValue, rhs: PHPValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }
}

package enum PHPSerialization {
    package enum DecodingError: Error, Equatable {
        case malformed(offset: Int)
        case tooDeep
    }

    /// `serialize($value)`. String lengths count UTF-8 bytes, as PHP does.
    package static func serialize(_ value: PHPValue) -> String {
        switch value {
        case .null: return "N;"
        case .bool(let flag): return "b:\(flag ? 1 : 0);"
        case .int(let number): return "i:\(number);"
        case .double(let number): return "d:\(number);"
        case .string(let text): return "s:\(text.utf8.count):\"\(text)\";"
        case .array(let entries):
            let body = entries.map { entry -> String in
                let key: String =
                    switch entry.key {
                    case .int(let number): "i:\(number);"
                    case .string(let text): "s:\(text.utf8.count):\"\(text)\";"
                    }
                return key + serialize(entry.value)
            }.joined()
            return "a:\(entries.count):{\(body)}"
        }
    }

    /// `base64_encode(serialize($array))` of a map such as custom field id → value.
    package static func base64(_ fields: [(key: PHPValue.Key, value: String)]) -> String {
        Data(serialize(.array(fields.map { ($0.key, .string($0.value)) })).utf8).base64EncodedString()
    }

    /// `unserialize`, for scalars and arrays only (objects are refused: they are never legitimate input here).
    package static func unserialize(_ text: String) throws(DecodingError) -> PHPValue {
        var reader = Reader(bytes: Array(text.utf8))
        let value = try reader.value(depth: 0)
        guard reader.offset == reader.bytes.count else { throw .malformed(offset: reader.offset) }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func value(depth: Int) throws(DecodingError) -> PHPValue {
            guard depth < 32 else { throw .tooDeep }
            guard offset < bytes.count else { throw .malformed(offset: offset) }
            let tag = bytes[offset]
            switch tag {
            case UInt8(ascii: "N"):
                try expect("N;")
                return .null
            case UInt8(ascii: "b"):
                try expect("b:")
                let number = try integer(until: ";")
                guard number == 0 || number == 1 else { throw .malformed(offset: offset) }
                return .bool(number == 1)
            case UInt8(ascii: "i"):
                try expect("i:")
                return .int(try integer(until: ";"))
            case UInt8(ascii: "d"):
                try expect("d:")
                let text = try token(until: ";")
                guard let number = Double(text) else { throw .malformed(offset: offset) }
                return .double(number)
            case UInt8(ascii: "s"):
                return .string(try string())
            case UInt8(ascii: "a"):
                try expect("a:")
                let count = try integer(until: ":")
                guard count >= 0, count <= 10_000 else { throw .malformed(offset: offset) }
                try expect("{")
                var entries: [(key: PHPValue.Key, value: PHPValue)] = []
                for _ in 0..<count {
                    let key: PHPValue.Key
                    switch bytes.indices.contains(offset) ? bytes[offset] : 0 {
                    case UInt8(ascii: "i"):
                        try expect("i:")
                        key = .int(try integer(until: ";"))
                    case UInt8(ascii: "s"):
                        key = .string(try string())
                    default:
                        throw .malformed(offset: offset)
                    }
                    entries.append((key, try value(depth: depth + 1)))
                }
                try expect("}")
                return .array(entries)
            default:
                throw .malformed(offset: offset)
            }
        }

        mutating func string() throws(DecodingError) -> String {
            try expect("s:")
            let length = try integer(until: ":")
            try expect("\"")
            guard length >= 0, offset + length <= bytes.count else { throw .malformed(offset: offset) }
            let text = String(decoding: bytes[offset..<offset + length], as: UTF8.self)
            offset += length
            try expect("\";")
            return text
        }

        mutating func expect(_ literal: String) throws(DecodingError) {
            for byte in literal.utf8 {
                guard offset < bytes.count, bytes[offset] == byte else { throw .malformed(offset: offset) }
                offset += 1
            }
        }

        mutating func token(until terminator: Character) throws(DecodingError) -> String {
            let end = terminator.asciiValue!
            guard let stop = bytes[offset...].firstIndex(of: end) else { throw .malformed(offset: offset) }
            let text = String(decoding: bytes[offset..<stop], as: UTF8.self)
            offset = stop + 1
            return text
        }

        mutating func integer(until terminator: Character) throws(DecodingError) -> Int {
            let text = try token(until: terminator)
            guard let number = Int(text) else { throw .malformed(offset: offset) }
            return number
        }
    }
}
