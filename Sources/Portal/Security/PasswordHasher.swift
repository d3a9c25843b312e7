import CArgon2
import Foundation
import Synchronization
import Tenancy

/// Argon2id password hashing through libargon2, stored as PHC strings
/// (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`).
///
/// Hashing runs on `BlockingIO`'s threads, never on an event loop, through a bounded queue shared fairly between
/// brands (`HashQueue`): one brand's flood cannot stall sign-in everywhere, and a full share answers `Busy`.
package struct PasswordHasher: Sendable {
    /// Cost parameters; OWASP's minimum for Argon2id is m=19456 KiB, t=2, p=1.
    package struct Parameters: Sendable, Equatable {
        package var memoryKiB: UInt32
        package var iterations: UInt32
        package var parallelism: UInt32

        package static let minimum = Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1)

        package init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
            self.memoryKiB = memoryKiB
            self.iterations = iterations
            self.parallelism = parallelism
        }

        /// Whether these parameters are at least as strong as `other` in every dimension.
        func covers(_ other: Parameters) -> Bool {
            memoryKiB >= other.memoryKiB && iterations >= other.iterations && parallelism >= other.parallelism
        }
    }

    package enum HashError: Error, CustomStringConvertible {
        case argon2(Int32)

        package var description: String {
            switch self {
            case .argon2(let code): "password hashing failed: \(String(cString: argon2_error_message(code)))"
            }
        }
    }

    package let parameters: Parameters
    /// The queue every hash and verification goes through; its depth is a metric.
    package let queue: HashQueue
    /// Verified against when an account does not exist, so a login takes the same time either way.
    private let decoy: String
    private let verifications = VerificationCounter()

    /// Argon2id verifications run so far: one per sign-in attempt, whether or not the account exists.
    package var verificationsPerformed: Int { verifications.value.withLock { $0 } }

    /// The cost the decoy hash was made with: the same as real hashes, so both paths cost the same.
    package var decoyParameters: Parameters? { Self.parameters(of: decoy) }

    package init(parameters: Parameters = .minimum, queue: HashQueue = HashQueue()) throws {
        self.parameters = parameters
        self.queue = queue
        decoy = try Self.hashNow("decoy password for unknown accounts", parameters: parameters)
    }

    /// Hashes `password`, counted against `brand`'s share of the queue. Throws `HashQueue.Busy` when it is full.
    package func hash(_ password: String, brand: String) async throws -> String {
        let parameters = self.parameters
        return try await queue.run(brand: brand) {
            try await BlockingIO.run { try Self.hashNow(password, parameters: parameters) }
        }
    }

    /// Checks `password` against a stored PHC string; with no stored hash, burns the same time and fails. Throws
    /// `HashQueue.Busy` when `brand`'s share of the queue is full.
    package func verify(_ password: String, against stored: String?, brand: String) async throws -> Bool {
        let encoded = stored ?? decoy
        let matches = try await queue.run(brand: brand) {
            (try? await BlockingIO.run { Self.verifyNow(password, encoded: encoded) }) ?? false
        }
        verifications.value.withLock { $0 += 1 }
        return stored != nil && matches
    }

    /// True when `stored` was made with weaker parameters than the current ones (or is not Argon2id).
    package func needsRehash(_ stored: String) -> Bool {
        guard let used = Self.parameters(of: stored) else { return true }
        return !used.covers(parameters)
    }

    static func parameters(of encoded: String) -> Parameters? {
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: true)
        guard fields.count == 5, fields[0] == "argon2id", fields[1] == "v=19" else { return nil }
        var values: [Substring: UInt32] = [:]
        for pair in fields[2].split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = UInt32(parts[1]) else { return nil }
            values[parts[0]] = value
        }
        guard let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        return Parameters(memoryKiB: m, iterations: t, parallelism: p)
    }

    private static func hashNow(_ password: String, parameters: Parameters) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let hashLength = 32
        let length = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            UInt32(salt.count), UInt32(hashLength), Argon2_id
        )
        var encoded = [CChar](repeating: 0, count: length)
        let password = Array(password.utf8)
        let status = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            password, password.count, salt, salt.count, hashLength, &encoded, length
        )
        guard status == ARGON2_OK.rawValue else { throw HashError.argon2(status) }
        return String(cString: encoded)
    }

    private static func verifyNow(_ password: String, encoded: String) -> Bool {
        let password = Array(password.utf8)
        return argon2id_verify(encoded, password, password.count) == ARGON2_OK.rawValue
    }
}

private final class VerificationCounter: Sendable {
    let value = Mutex(0)
}
