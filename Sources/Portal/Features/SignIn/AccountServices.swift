import Foundation
import Integrations
import Synchronization
import Tenancy

/// What the sign-in flows need besides a database: hashing, policy, secrets, limits, time and link building.
package struct AccountServices: Sendable {
    package struct Timeouts: Sendable {
        package var idle: TimeInterval = 30 * 60
        package var absolute: TimeInterval = 12 * 60 * 60
        package var linkLifetime: TimeInterval = 30 * 60

        package init() {}
    }

    package let hasher: PasswordHasher
    package let policy: PasswordPolicy
    package let secrets: SecretBox
    package let limiter: RateLimiter
    package let timeouts: Timeouts
    /// The clock; tests move it to check expiry.
    package let now: @Sendable () -> Date
    /// Port added to `http://*.localhost` links in demo set-ups; real domains get `https://` and no port. Set again
    /// to the port the server bound once it listens, so `--port 0` links point at the real port.
    package let localPort: LocalPort

    package init(
        hasher: PasswordHasher, policy: PasswordPolicy, secrets: SecretBox, limiter: RateLimiter = RateLimiter(),
        timeouts: Timeouts = Timeouts(), localPort: Int, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.hasher = hasher
        self.policy = policy
        self.secrets = secrets
        self.limiter = limiter
        self.timeouts = timeouts
        self.localPort = LocalPort(localPort)
        self.now = now
    }

    /// An absolute link on the tenant's stored primary domain, never the request's Host.
    package func link(primaryHost: String, path: String) -> String {
        if Egress.isLocalhost(primaryHost) {
            return "http://\(primaryHost):\(localPort.value)\(path)"
        }
        return "https://\(primaryHost)\(path)"
    }
}

/// The port this process serves on, known once the server has bound it.
package final class LocalPort: Sendable {
    private let port: Atomic<Int>

    init(_ port: Int) {
        self.port = Atomic(port)
    }

    package var value: Int { port.load(ordering: .relaxed) }

    package func bound(_ port: Int) {
        self.port.store(port, ordering: .relaxed)
    }
}

/// Rate-limit rules from the original platform's specification.
package enum AuthLimits {
    /// Failed sign-ins per account: 5 per 15 minutes, then each further attempt waits longer.
    package static let failedLogins = RateLimiter.Rule(limit: 5, window: 15 * 60)
    /// Sign-in, sign-up and reset requests per client address.
    package static let authRequestsPerIP = RateLimiter.Rule(limit: 100, window: 15 * 60)
    /// Password-reset emails per address.
    package static let resetsPerAddress = RateLimiter.Rule(limit: 3, window: 60 * 60)
}
