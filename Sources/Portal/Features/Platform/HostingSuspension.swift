import Foundation
import Integrations
import Logging
import Tenancy

/// The WHM calls that suspending a brand's hosting needs; `WHMClient` is the live one, tests use an in-memory one.
package protocol HostingAccountControl: Sendable {
    /// Whether the account is suspended now; nil when WHM does not know it.
    func isSuspended(username: String) async throws -> Bool?
    func suspend(username: String, reason: String) async throws
    func unsuspend(username: String) async throws
}

extension WHMClient: HostingAccountControl {
    package func isSuspended(username: String) async throws -> Bool? {
        try await account(username: username)?.suspended
    }
}

/// Suspends and restores every hosting account of a brand when the platform suspends or resumes it.
///
/// Which accounts the platform suspended is remembered in the brand's database, so resuming restores exactly those:
/// an account that was already suspended (unpaid, abuse) stays suspended.
package struct HostingSuspension: Sendable {
    /// The tenant setting listing the accounts the platform suspended, comma-separated.
    package static let ledgerKey = "platform.suspended_hosting"

    let control: @Sendable (Tenant) async throws -> any HostingAccountControl
    let databases: TenantDatabases
    let logger: Logger

    package init(
        control: @escaping @Sendable (Tenant) async throws -> any HostingAccountControl, databases: TenantDatabases,
        logger: Logger
    ) {
        self.control = control
        self.databases = databases
        self.logger = logger
    }

    /// Suspends each account not already suspended; returns a line for the platform audit log.
    package func suspend(tenant: Tenant) async -> String {
        do {
            let whm = try await control(tenant)
            let accounts = try await databases.withDatabase(for: tenant) { try await $0.upstreams.allHostingAccounts() }
            var suspended: [String] = []
            var failed: [String] = []
            var already: [String] = []
            for account in accounts {
                do {
                    if try await whm.isSuspended(username: account.username) == true {
                        already.append(account.username)
                        continue
                    }
                    try await whm.suspend(
                        username: account.username, reason: "Suspended by the platform with the brand \(tenant.name)"
                    )
                    suspended.append(account.username)
                } catch {
                    failed.append("\(account.username) (\(error))")
                }
            }
            try await databases.withDatabase(for: tenant) { database in
                let earlier = Self.usernames(try await database.accounts.setting(Self.ledgerKey))
                let all = Array(Set(earlier + suspended)).sorted()
                try await database.accounts.setSetting(Self.ledgerKey, to: all.joined(separator: ","))
            }
            return "suspended \(suspended.count) of \(accounts.count) accounts"
                + (already.isEmpty ? "" : "; already suspended, left alone: \(already.joined(separator: ", "))")
                + (failed.isEmpty ? "" : "; failed: \(failed.joined(separator: ", "))")
        } catch {
            logger.error("hosting suspension failed", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            return "not suspended (\(error))"
        }
    }

    /// Restores the accounts `suspend` suspended; those WHM refuses stay listed for the next try.
    package func unsuspend(tenant: Tenant) async -> String {
        do {
            let usernames = try await databases.withDatabase(for: tenant) { database in
                Self.usernames(try await database.accounts.setting(Self.ledgerKey))
            }
            guard !usernames.isEmpty else { return "" }
            let whm = try await control(tenant)
            var remaining: [String] = []
            for username in usernames {
                do {
                    try await whm.unsuspend(username: username)
                } catch {
                    remaining.append(username)
                }
            }
            try await databases.withDatabase(for: tenant) { database in
                try await database.accounts.setSetting(Self.ledgerKey, to: remaining.joined(separator: ","))
            }
            return "restored \(usernames.count - remaining.count) of \(usernames.count) accounts"
                + (remaining.isEmpty ? "" : "; still suspended: \(remaining.joined(separator: ", "))")
        } catch {
            logger.error("hosting restore failed", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            return "not restored (\(error))"
        }
    }

    private static func usernames(_ setting: String?) -> [String] {
        (setting ?? "").split(separator: ",").map(String.init)
    }
}
