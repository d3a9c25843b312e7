import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension ProvisionedController {
    // MARK: Cloud servers

    @Sendable func cloudServers(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        let list = try await databases.withDatabase(for: context.tenant) {
            try await $0.provisioned.cloudServers(of: context.account.id)
        }
        let rows = list.map {
            CloudServersPage.Row(
                id: $0.id!.rawValue, name: $0.name, hostname: $0.hostname, status: $0.status,
                size: "\($0.cpu) vCPU · \($0.ramGB) GB RAM · \($0.storageGB) GB")
        }
        return try flows.page(
            CloudServersPage(chrome: context.chrome, csrf: context.csrfToken, rows: rows, hasRows: !rows.isEmpty),
            "account/cloud-servers")
    }

    @Sendable func cloudServer(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            var server = try await databases.withDatabase(
                for: context.tenant, { try await $0.provisioned.cloudServer(.init(id), of: context.account.id) })
        else { throw PortalError.notFound }
        var stale = false
        // The status is read live; the last one known is shown when 20i does not answer.
        do {
            if let live = try await upstreams.twentyI(for: context.tenant).cloudServer(id: server.upstreamID) {
                if live.status != server.status || live.ipAddress != server.ipAddress
                    || live.hostname != server.hostname
                {
                    let current = server
                    try await databases.withDatabase(for: context.tenant) { database in
                        try await database.provisioned.refresh(
                            current.id!, status: live.status, ipAddress: live.ipAddress, hostname: live.hostname,
                            now: flows.services.now())
                    }
                }
                (server.status, server.ipAddress, server.hostname) = (live.status, live.ipAddress, live.hostname)
            }
        } catch {
            stale = true
        }
        let page = CloudServerPage(
            chrome: context.chrome, csrf: context.csrfToken, id: id, name: server.name, provider: server.provider,
            size: server.size,
            cpu: server.cpu, ramGB: server.ramGB, storageGB: server.storageGB, status: server.status,
            ipAddress: server.ipAddress,
            hostname: server.hostname, isStale: stale,
            created: ReminderScheduler.long(server.createdAt, try await zone(context))
        )
        return try flows.page(page, "account/cloud-server")
    }

    /// StackCP single sign-on for the customer's stack user; the reseller's key stays here.
    @Sendable func controlPanel(_ request: Request, context: CustomerRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw PortalError.notFound }
        let (server, stackUser) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.provisioned.cloudServer(.init(id), of: context.account.id),
                try await database.provisioned.stackUser(of: context.account.id)
            )
        }
        guard let server, let user = stackUser else { throw PortalError.notFound }
        let url = try await upstreams.twentyI(for: context.tenant).singleSignOn(stackUser: user)
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.audit(
                "cloud.control_panel", actor: context.account, target: "cloud server \(server.id!.rawValue)",
                ip: context.origin.clientAddress ?? "")
        }
        return flows.redirect(to: url)
    }
}
