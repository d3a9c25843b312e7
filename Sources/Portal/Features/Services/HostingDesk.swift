import Foundation
import Integrations
import Tenancy

/// Where a control panel button lands: cPanel's home, webmail, or one of cPanel's own applications, by the names
/// WHM's `create_user_session` documents for its `app` parameter.
package enum ControlPanelShortcut: String, Sendable, CaseIterable {
    case home, webmail, files, email, databases, backups

    /// The words on the button.
    package var label: String {
        switch self {
        case .home: tr("services.control-panel.home")
        case .webmail: tr("services.control-panel.webmail")
        case .files: tr("services.control-panel.files")
        case .email: tr("services.control-panel.email")
        case .databases: tr("services.control-panel.databases")
        case .backups: tr("services.control-panel.backups")
        }
    }

    /// The WHM session service (`cpaneld` or `webmaild`) and the cPanel application, if any.
    package var session: (service: String, app: String?) {
        switch self {
        case .home: ("cpaneld", nil)
        case .webmail: ("webmaild", nil)
        case .files: ("cpaneld", "FileManager_Home")
        case .email: ("cpaneld", "Email_Accounts")
        case .databases: ("cpaneld", "Database_phpMyAdmin")
        case .backups: ("cpaneld", "Backups_Home")
        }
    }
}

/// The WHM call the control panel buttons need; `WHMClient` is the live one, tests use an in-memory one.
package protocol ControlPanelSessions: Sendable {
    /// A one-time session address for `username` that opens `page`, made by the reseller (whose token stays here).
    func controlPanelURL(for username: String, page: ControlPanelShortcut) async throws -> String
    /// What the account uses of its disk and bandwidth; nil when the server does not know it.
    func usage(for username: String) async throws -> WHMUsage?
}

extension WHMClient: ControlPanelSessions {
    package func controlPanelURL(for username: String, page: ControlPanelShortcut) async throws -> String {
        let (service, app) = page.session
        return try await createUserSession(username: username, service: service, app: app).url
    }

    package func usage(for username: String) async throws -> WHMUsage? {
        try await usage(username: username)
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
        let attempt = LoginThrottle.Attempt(
            scope: "tenant:\(tenant.id)", account: "reveal:\(account.email)", address: ClientKey.forAddress(ip))
        if let wait = throttle.retryAfter(attempt, now: now()) { return .throttled(wait) }
        let verified: Bool
        do {
            verified = try await hasher.verify(password, against: account.passwordHash, brand: attempt.scope)
        } catch let busy as HashQueue.Busy {
            return .throttled(busy.retryAfter)
        }
        guard verified else {
            throttle.recordFailure(attempt, now: now())
            return .wrongPassword
        }
        throttle.recordSuccess(attempt)
        guard let sealed = hosting?.sealedPassword else { throw PortalError.notFound }
        let revealed = try openPassword(sealed, tenant)
        try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.audit(
                "service.password_revealed", actor: account, target: "service \(id)", ip: ip)
        }
        return .revealed(revealed)
    }

    /// What the hosting account of the customer's active service `id` uses, as the hosting server reports it; nil
    /// when there is no hosting account here.
    package func usage(of id: Int, by account: Account, in tenant: Tenant) async throws -> WHMUsage? {
        let (service, hosting) = try await service(id, of: account, in: tenant)
        guard let hosting, service.isActive else { return nil }
        return try await panels(tenant).usage(for: hosting.username)
    }

    /// The one-time address that opens `page` of the control panel of the account's active service `id`; 404 when
    /// it has no hosting account here.
    package func controlPanel(
        of id: Int, page: ControlPanelShortcut = .home, by account: Account, in tenant: Tenant, ip: String
    ) async throws -> String {
        let (service, hosting) = try await service(id, of: account, in: tenant)
        guard let hosting, service.isActive else { throw PortalError.notFound }
        let url = try await panels(tenant).controlPanelURL(for: hosting.username, page: page)
        try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.audit(
                "service.control_panel", actor: account,
                target: "service \(service.whmcsServiceID)" + (page == .home ? "" : " (\(page.rawValue))"), ip: ip)
        }
        return url
    }
}
