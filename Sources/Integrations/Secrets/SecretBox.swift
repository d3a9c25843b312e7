import Crypto
import Foundation

/// Seals secrets at rest (AES-GCM) under the master key, which lives in a file and never in a database.
package struct SecretBox: Sendable {
    package enum SecretError: Error, CustomStringConvertible {
        case unreadableKey(String)
        case unsealFailed

        package var description: String {
            switch self {
            case .unreadableKey(let path): "the master key file \(path) must hold exactly 32 bytes"
            case .unsealFailed: "a stored secret could not be decrypted with the master key"
            }
        }
    }

    /// Raw key bytes: `SymmetricKey` is not `Sendable`, so one is made per use.
    private let keyBytes: [UInt8]

    package init(keyBytes: [UInt8]) {
        precondition(keyBytes.count == 32, "the master key is 256 bits")
        self.keyBytes = keyBytes
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// Reads the master key file, creating it with mode 0600 when absent.
    package static func loadOrCreate(path: String) throws -> SecretBox {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: path) {
            let key = SymmetricKey(size: .bits256)
            let bytes = key.withUnsafeBytes { Data($0) }
            try fileManager.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true
            )
            guard fileManager.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
                throw SecretError.unreadableKey(path)
            }
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        guard bytes.count == 32 else { throw SecretError.unreadableKey(path) }
        return SecretBox(keyBytes: Array(bytes))
    }

    /// A key for one purpose (signing archives, say), derived from the master key so it never leaves this process.
    package func derivedKey(for purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array(purpose.utf8), outputByteCount: 32)
    }

    /// A short public name for the master key, to tell which key sealed something without revealing it.
    package var keyID: String {
        let digest = SHA256.hash(data: derivedKey(for: "portal key id").withUnsafeBytes { Data($0) })
        return digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    package func seal(_ plaintext: [UInt8]) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else { throw SecretError.unsealFailed }
        return combined
    }

    package func open(_ sealed: Data) throws -> [UInt8] {
        do {
            return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key))
        } catch {
            throw SecretError.unsealFailed
        }
    }

    /// Raw bytes (a TOTP key) sealed and bound to `context`, as `seal(_:context:)` binds a string.
    package func seal(bytes: [UInt8], context: String) throws -> Data {
        guard let combined = try AES.GCM.seal(bytes, using: key, authenticating: Array(context.utf8)).combined else {
            throw SecretError.unsealFailed
        }
        return combined
    }

    package func openBytes(_ sealed: Data, context: String) throws -> [UInt8] {
        do {
            return Array(
                try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Array(context.utf8)))
        } catch {
            throw SecretError.unsealFailed
        }
    }

    /// Seals a secret bound to where it is stored (`"<tenant>/whmcs.secret"`): the context is authenticated,
    /// so a sealed value copied into another tenant's row or another field fails to open.
    package func seal(_ secret: String, context: String) throws -> Data {
        guard
            let combined = try AES.GCM.seal(Array(secret.utf8), using: key, authenticating: Array(context.utf8))
                .combined
        else { throw SecretError.unsealFailed }
        return combined
    }

    package func open(_ sealed: Data, context: String) throws -> String {
        do {
            let bytes = try AES.GCM.open(
                AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Array(context.utf8)
            )
            return String(decoding: bytes, as: UTF8.self)
        } catch {
            throw SecretError.unsealFailed
        }
    }
}
