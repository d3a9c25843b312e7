import Foundation

/// A POSIX ustar stream of regular files, written through gzip: just what tenant archives need.
package struct TarWriter {
    private let gzip: GzipFileWriter

    package init(gzip: GzipFileWriter) {
        self.gzip = gzip
    }

    /// Adds the file at `source` as `name`, streamed in 64 KiB pieces.
    package func addFile(named name: String, from source: URL) throws {
        let handle = try FileHandle(forReadingFrom: source)
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 0)
        try gzip.write(try Self.header(name: name, size: size))
        var written: UInt64 = 0
        while let chunk = try handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
            try gzip.write(chunk)
            written += UInt64(chunk.count)
        }
        guard written == size else { throw TarError.changedWhileReading(name) }
        try gzip.write(Self.padding(for: size))
    }

    package func addFile(named name: String, contents: Data) throws {
        try gzip.write(try Self.header(name: name, size: UInt64(contents.count)))
        try gzip.write(contents)
        try gzip.write(Self.padding(for: UInt64(contents.count)))
    }

    /// Two empty blocks end the archive.
    package func finish() throws {
        try gzip.write([UInt8](repeating: 0, count: 1024))
        try gzip.finish()
    }

    private static func padding(for size: UInt64) -> [UInt8] {
        [UInt8](repeating: 0, count: Int((512 - size % 512) % 512))
    }

    static func header(name: String, size: UInt64) throws -> [UInt8] {
        try TarPath.validate(name)
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: UInt64, at offset: Int, width: Int) {
            put(
                String(String(value, radix: 8).reversed().prefix(width - 1).reversed()).tarPadded(to: width - 1),
                at: offset, width: width - 1)
        }
        let bytes = Array(name.utf8)
        if bytes.count <= 100 {
            put(name, at: 0, width: 100)
        } else {
            // Split at a slash: up to 155 bytes of prefix, up to 100 of name.
            guard
                let cut = bytes.indices.last(where: {
                    bytes[$0] == UInt8(ascii: "/") && $0 <= 155 && bytes.count - $0 - 1 <= 100
                })
            else { throw TarError.nameTooLong(name) }
            put(String(decoding: bytes[(cut + 1)...], as: UTF8.self), at: 0, width: 100)
            put(String(decoding: bytes[..<cut], as: UTF8.self), at: 345, width: 155)
        }
        octal(0o644, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        if size < 0o77777777777 {
            octal(size, at: 124, width: 12)
        } else {
            // GNU base-256 for files of 8 GiB and more: the high bit marks it, the value fills the other 11 bytes.
            block[124] = 0x80
            for index in 0..<8 { block[135 - index] = UInt8(truncatingIfNeeded: size >> (8 * UInt64(index))) }
        }
        octal(0, at: 136, width: 12)
        block[156] = UInt8(ascii: "0")
        put("ustar\0", at: 257, width: 6)
        put("00", at: 263, width: 2)
        for index in 148..<156 { block[index] = UInt8(ascii: " ") }
        let checksum = block.reduce(0) { $0 + UInt64($1) }
        put(String(String(checksum, radix: 8)).tarPadded(to: 6), at: 148, width: 6)
        block[154] = 0
        block[155] = UInt8(ascii: " ")
        return block
    }
}

/// Reads the files of a ustar stream one by one; anything but plain files with safe relative names is refused.
package struct TarReader {
    private let gzip: GzipFileReader
    private var seen = Set<String>()

    package init(gzip: GzipFileReader) {
        self.gzip = gzip
    }

    /// The next file's name and size, or nil at the end; its contents must then be read with `copyContents`.
    package mutating func nextEntry() throws -> (name: String, size: UInt64)? {
        let block = try gzip.read(512)
        guard block.count == 512 else { throw TarError.truncated }
        if block.allSatisfy({ $0 == 0 }) {
            let second = try gzip.read(512)
            guard second.count == 512, second.allSatisfy({ $0 == 0 }) else { throw TarError.truncated }
            // Anything after the end marker (other than tar's own zero padding) is refused.
            while true {
                let rest = try gzip.read(64 * 1024)
                if rest.isEmpty { break }
                guard rest.allSatisfy({ $0 == 0 }) else {
                    throw TarError.malformed("data after the end of the archive")
                }
            }
            return nil
        }
        var sum: UInt64 = 0
        for (index, byte) in block.enumerated() { sum += (148..<156).contains(index) ? 32 : UInt64(byte) }
        guard let stored = Self.octal(block[148..<156]), stored == sum else {
            throw TarError.malformed("a header checksum does not match")
        }
        guard block[156] == UInt8(ascii: "0") || block[156] == 0 else {
            throw TarError.malformed("it holds something other than plain files")
        }
        let name = Self.text(block[0..<100])
        let prefix = Self.text(block[345..<500])
        let path = prefix.isEmpty ? name : "\(prefix)/\(name)"
        try TarPath.validate(path)
        guard seen.insert(path).inserted else { throw TarError.malformed("\(path) appears twice") }
        guard let size = Self.size(inHeader: block) else { throw TarError.malformed("a size is not a number") }
        return (path, size)
    }

    /// Streams the current entry's `size` bytes to `body`, then skips its padding.
    package func copyContents(size: UInt64, to body: ([UInt8]) throws -> Void) throws {
        var remaining = size
        while remaining > 0 {
            let chunk = try gzip.read(Int(min(remaining, 64 * 1024)))
            guard !chunk.isEmpty else { throw TarError.truncated }
            try body(chunk)
            remaining -= UInt64(chunk.count)
        }
        let padding = Int((512 - size % 512) % 512)
        if padding > 0 {
            guard try gzip.read(padding).count == padding else { throw TarError.truncated }
        }
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The size field of a header: octal, or GNU base-256 for 8 GiB and more.
    static func size(inHeader block: [UInt8]) -> UInt64? {
        block[124] & 0x80 != 0 ? base256(block[125..<136]) : octal(block[124..<136])
    }

    private static func base256(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        // Sizes above 2^63 do not exist; the leading bytes must be zero.
        guard bytes.dropLast(8).allSatisfy({ $0 == 0 }) else { return nil }
        return bytes.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private static func octal(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        let digits = text(bytes).trimmingCharacters(in: CharacterSet(charactersIn: " "))
        return digits.isEmpty ? nil : UInt64(digits, radix: 8)
    }
}

package enum TarError: Error, Equatable, CustomStringConvertible {
    case truncated
    case malformed(String)
    case unsafePath(String)
    case nameTooLong(String)
    case changedWhileReading(String)

    package var description: String {
        switch self {
        case .truncated: "the archive is damaged (it ends in the middle of a file)"
        case .malformed(let detail): "the archive is damaged (\(detail))"
        case .unsafePath(let path): "the archive names an unsafe path: \(path)"
        case .nameTooLong(let name): "the file name is too long for the archive: \(name)"
        case .changedWhileReading(let name): "\(name) changed while it was being archived"
        }
    }
}

/// Names inside archives: relative, no `..`, no empty parts, a plain alphabet.
enum TarPath {
    private static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/".utf8)

    static func validate(_ path: String) throws(TarError) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, path.utf8.count <= 255, path.utf8.allSatisfy(allowed.contains),
            parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else { throw .unsafePath(path) }
    }
}

extension String {
    fileprivate func tarPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
