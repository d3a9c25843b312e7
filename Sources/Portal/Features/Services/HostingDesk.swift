import Foundation
import Integrations
import Tenancy

/// The WHM call the control panel button needs; `WHMClient` is the live one, tests use an in-memory one.
package protocol ControlPanelSessions: Sendable {
    /// A one-time cPanel session address for `username`, made by the reseller (whose token stays here).
    func controlPanelURL(for username: String) async throws -> String
}

extension WHMClient: ControlPanelSessions {
    package func controlPanelURL(for username: String) async throws -> String {
        try await createUserSession(username: username).url
    }
}

/// A customer's hosting service: its hosting account, the control panel password (shown once the customer types
/// their own password again; wrong ones count towards the sign-in throttle) and single sign-on into cPanel. Both
/// are audited.
package struct HostingDesk: Sendable {
    package enum Reveal: Sendable, Equatable {
        case revealed(String)
        case wrongPassword
        /// Too many wrong passwords: seconds to wait.
        case throttled(Int)
    }

    let databases: TenantDatabases
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    /// Opens a sealed hosting password of the brand.
    let openPassword: @Sendable (Data, Tenant) throws -> String
    let panels: @Sendable (Tenant) async throws -> any ControlPanelSessions
    let now: @Sendable () -> Date

    /// The account's service `id` with its hosting account (when the portal made one); 404 for anyone else's.
    package func service(_ id: Int, of account: Account, in tenant: Tenant) async throws -> (
        MirroredService, HostingAccountRecord?
    ) {
        let found = try await databases.withDatabase(for: tenant) {
            database -> (MirroredService, HostingAccountRecord?)? in
            guard let service = try await database.billing.service(id, of: account.id) else { return nil }
            let accounts = try await database.upstreams.hostingAccounts(of: account.id).filter { !$0.isPending }
            let hosting =
                accounts.first { !service.username.isEmpty && $0.username == service.username }
                ?? accounts.first { $0.domain.lowercased() == service.domain.lowercased() }
            return (service, hosting)
        }
        guard let found else { throw PortalError.notFound }
        return found
    }

    package func revealPassword(
        of id: Int, confirming password: String, by account: Account, in tenant: Tenant, ip: String
    ) async throws -> Reveal {
        let (_, hosting) = try await service(id, of: account, in: tenant)
        let scope = "tenant:\(tenant.id)"
        if let wait = throttle.retryAfter(scope: scope, account: account.email, now: now()) { return .throttled(wait) }
        guard await hasher.verify(password, against: account.passwordHash) else {
            throttle.recordFailure(scope: scope, account: account.email, now: now())
            return .wrongPassword
        }
        throttle.recordSuccess(scope: scope, account: account.email)
        guard let sealed = hosting?.sealedPassword else { throw PortalError.notFound }
        let revealed = try openPassword(sealed, tenant)
        try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.audit(
                "service.password_revealed", actor: account, target: "service \(id)", ip: ip)
        }
        return .revealed(revealed)
    }

    /// The cPanel address for the account's active service `id`; 404 when it has no hosting account here.
    package func controlPanel(of id: Int, by account: Account, in tenant: Tenant, ip: String) async throws -> String {
        let (service, hosting) = try await service(id, of: account, in: tenant)
        guard let hosting, service.isActive else { throw PortalError.notFound }
        let url = try await panels(tenant).controlPanelURL(for: hosting.username)
        try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.audit(
                "service.control_panel", actor: account, target: "service \(service.whmcsServiceID)", ip: ip)
        }
        return url
    }
}
