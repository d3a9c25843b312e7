import Crypto
import Foundation
import Integrations
import Tenancy

extension TenantArchive {
    // MARK: Pieces

    static let signingPurpose = "portal tenant archive v1"

    func signature(of manifest: Data) -> String {
        Self.hex(HMAC<SHA256>.authenticationCode(for: manifest, using: secrets.derivedKey(for: Self.signingPurpose)))
    }

    /// A consistent copy of a live database (see `DatabaseFiles.snapshot`).
    @discardableResult
    package static func snapshot(databaseAt path: String, into destination: URL) throws -> [String: Int] {
        try DatabaseFiles.snapshot(databaseAt: path, into: destination)
    }

    /// SQLite's own check of every page and index.
    package static func checkIntegrity(of database: URL) throws {
        do {
            try DatabaseFiles.checkIntegrity(of: database.path)
        } catch let failure as DatabaseFiles.IntegrityFailure {
            throw ArchiveError.integrity(failure.description)
        }
    }

    static func files(under folder: URL) throws -> [(relative: String, url: URL)] {
        guard FileManager.default.fileExists(atPath: folder.path),
            let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        var files: [(String, URL)] = []
        let base = folder.standardizedFileURL.path + "/"
        for case let url as URL in enumerator
        where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base) else { continue }
            files.append((String(path.dropFirst(base.count)), url))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    static func sha256(of file: URL) throws -> (UInt64, String) {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: UInt64 = 0
        while let chunk = try handle.read(upToCount: 64 * 1024), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += UInt64(chunk.count)
        }
        return (size, hex(hasher.finalize()))
    }

    static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        for index in stride(from: 0, to: utf8.count, by: 2) {
            guard let byte = UInt8(String(decoding: utf8[index..<(index + 2)], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
