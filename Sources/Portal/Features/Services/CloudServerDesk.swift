import Foundation
import Integrations
import Tenancy

/// The 20i calls a customer's cloud servers need; `TwentyIClient` is the live one, tests use an in-memory one.
package protocol CloudHost: Sendable {
    func cloudServer(id: String) async throws -> TwentyICloudServer?
    func singleSignOn(stackUser: String) async throws -> String
}

extension TwentyIClient: CloudHost {}

/// A customer's cloud servers: the status read live (and kept), and single sign-on to StackCP.
package struct CloudServerDesk: Sendable {
    /// A server as the customer sees it now.
    package struct Shown: Sendable, Equatable {
        package var server: CloudServer
        /// 20i did not answer: the server is shown as last known.
        package var isStale: Bool
    }

    let databases: TenantDatabases
    let host: @Sendable (Tenant) async throws -> any CloudHost
    let now: @Sendable () -> Date

    package func servers(of account: Account, in tenant: Tenant) async throws -> [CloudServer] {
        try await databases.withDatabase(for: tenant) { try await $0.provisioned.cloudServers(of: account.id) }
    }

    /// The account's server `id` with its live status, which is stored when it changed; 404 for anyone else's.
    package func server(_ id: Int64, of account: Account, in tenant: Tenant) async throws -> Shown {
        guard
            var server = try await databases.withDatabase(
                for: tenant, { try await $0.provisioned.cloudServer(.init(id), of: account.id) })
        else { throw PortalError.notFound }
        let live: TwentyICloudServer?
        do {
            live = try await host(tenant).cloudServer(id: server.upstreamID)
        } catch {
            return Shown(server: server, isStale: true)
        }
        guard let live else { return Shown(server: server, isStale: false) }
        if live.status != server.status || live.ipAddress != server.ipAddress || live.hostname != server.hostname {
            let stored = server
            try await databases.withDatabase(for: tenant) { database in
                try await database.provisioned.refresh(
                    stored.id!, status: live.status, ipAddress: live.ipAddress, hostname: live.hostname, now: now())
            }
        }
        (server.status, server.ipAddress, server.hostname) = (live.status, live.ipAddress, live.hostname)
        return Shown(server: server, isStale: false)
    }

    /// A one-time StackCP address for the account's stack user (the reseller's key stays here), audited.
    package func controlPanel(_ id: Int64, of account: Account, in tenant: Tenant, ip: String) async throws -> String {
        let (server, stackUser) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.provisioned.cloudServer(.init(id), of: account.id),
                try await database.provisioned.stackUser(of: account.id)
            )
        }
        guard let server, let user = stackUser else { throw PortalError.notFound }
        let url = try await host(tenant).singleSignOn(stackUser: user)
        try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.audit(
                "cloud.control_panel", actor: account, target: "cloud server \(server.id!.rawValue)", ip: ip)
        }
        return url
    }
}
