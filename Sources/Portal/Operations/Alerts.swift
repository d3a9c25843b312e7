import Branding
import Foundation
import Integrations
import Logging
import Tenancy

/// Raises and clears alerts: each is an email and a console entry, sent once per incident and cleared when
/// resolved. A brand's alerts live in its own database (its staff dashboard shows them) and go to its owners and
/// admins; the platform's live in platform.sqlite (the console's Operations page) and go to the platform users.
package struct AlertDesk: Sendable {
    let platform: PlatformDatabase
    let databases: TenantDatabases
    let registry: TenantRegistry
    let flows: AccountFlows
    let tenantRealm: @Sendable (Tenant) -> TenantRealm
    let platformRealm: PlatformRealm
    let logger: Logger

    package init(
        platform: PlatformDatabase, databases: TenantDatabases, registry: TenantRegistry, flows: AccountFlows,
        tenantRealm: @escaping @Sendable (Tenant) -> TenantRealm, platformRealm: PlatformRealm, logger: Logger
    ) {
        self.platform = platform
        self.databases = databases
        self.registry = registry
        self.flows = flows
        self.tenantRealm = tenantRealm
        self.platformRealm = platformRealm
        self.logger = logger
    }

    var now: Date { flows.services.now() }

    // MARK: A brand's

    /// Raises a brand alert; when the incident is new, emails every owner and admin (through the platform's relay
    /// when `viaPlatformRelay`, as for an alert about the brand's own relay) and logs it. Returns whether it was new.
    @discardableResult
    package func raise(
        _ tenant: Tenant, incident: String, kind: String, title: String, detail: String, actionPath: String,
        viaPlatformRelay: Bool = false
    ) async -> Bool {
        let alert = Alert(incident: incident, kind: kind, title: title, detail: detail, raisedAt: now)
        do {
            guard try await databases.withDatabase(for: tenant, { try await $0.alerts.raise(alert) }) else {
                return false
            }
            let platform = self.platform
            try await BlockingIO.run {
                try platform.indexBrandAlert(tenant.id, incident: incident, kind: kind, at: alert.raisedAt)
            }
            logger.warning(
                "alert raised",
                metadata: ["tenant": "\(tenant.slug)", "incident": "\(incident)", "title": "\(title)"])
            try await email(tenant, alert: alert, actionPath: actionPath, viaPlatformRelay: viaPlatformRelay)
            return true
        } catch {
            logger.error(
                "alert could not be raised",
                metadata: ["tenant": "\(tenant.slug)", "incident": "\(incident)", "error": "\(error)"])
            return false
        }
    }

    /// Clears a brand alert if it is open.
    package func clear(_ tenant: Tenant, incident: String) async {
        do {
            let cleared = try await databases.withDatabase(for: tenant) { [now] in
                try await $0.alerts.clear(incident, at: now)
            }
            let platform = self.platform
            try await BlockingIO.run { try platform.unindexBrandAlert(tenant.id, incident: incident) }
            if cleared {
                logger.info("alert cleared", metadata: ["tenant": "\(tenant.slug)", "incident": "\(incident)"])
            }
        } catch {
            logger.error(
                "alert could not be cleared",
                metadata: ["tenant": "\(tenant.slug)", "incident": "\(incident)", "error": "\(error)"])
        }
    }

    private func email(_ tenant: Tenant, alert: Alert, actionPath: String, viaPlatformRelay: Bool) async throws {
        let realm = tenantRealm(tenant)
        var look = try await realm.emailLook(siteURL: flows.services.link(primaryHost: realm.linkHost, path: ""))
        if viaPlatformRelay, look.relay != "platform" {
            // The brand's relay is what fails: this one goes through the platform's, from an address it allows.
            let sender = MailAddress(
                name: look.sender.name,
                address: TenantRealm.senderAddress(
                    "", ownRelay: false, linkHost: realm.linkHost, owner: { registry.tenant(forHost: $0)?.id },
                    tenant: tenant.id))
            look = EmailLook(
                facts: look.facts, overrides: look.overrides, sender: sender, replyTo: look.replyTo,
                messageDomain: look.messageDomain)
            look.relay = "platform"
        }
        try await send(alert, look: look, actionPath: actionPath, realm: realm, tag: "staff_alert") { store in
            try await store.staff().filter { $0.role == .owner || $0.role == .admin }
        }
    }

    /// Renders the `staff_alert` email for each recipient and queues it in the realm's outbox.
    private func send(
        _ alert: Alert, look: EmailLook, actionPath: String, realm: any AccountRealm, tag: String,
        recipients: @escaping @Sendable (AccountStore) async throws -> [Account]
    ) async throws {
        let link = flows.services.link(primaryHost: realm.linkHost, path: actionPath)
        try await realm.withAccounts { store in
            for person in try await recipients(store) {
                let recipient = MailAddress(name: person.name, address: person.email)
                let rendered = try flows.render(
                    .staffAlert, look: look, to: recipient,
                    variables: ["alert.title": alert.title, "alert.detail": alert.detail, "link": link])
                try await flows.queue(rendered, look: look, to: recipient, kind: tag, realm: realm, store: store)
            }
        }
    }

    // MARK: The platform's

    /// Raises a platform alert; when the incident is new, emails every platform user and logs it.
    @discardableResult
    package func raisePlatform(incident: String, kind: String, title: String, detail: String) async -> Bool {
        let alert = Alert(incident: incident, kind: kind, title: title, detail: detail, raisedAt: now)
        do {
            let platform = self.platform
            guard try await BlockingIO.run({ try platform.raisePlatformAlert(alert) }) else { return false }
            logger.error("platform alert raised", metadata: ["incident": "\(incident)", "title": "\(title)"])
            let realm = platformRealm
            let look = try await realm.emailLook(siteURL: flows.services.link(primaryHost: realm.linkHost, path: ""))
            try await send(
                alert, look: look, actionPath: ConsolePaths.operations.link(), realm: realm, tag: "platform_alert"
            ) { try await $0.platformUsers() }
            return true
        } catch {
            logger.error(
                "platform alert could not be raised", metadata: ["incident": "\(incident)", "error": "\(error)"])
            return false
        }
    }

    /// Clears the platform alerts of `kind` whose incident no longer holds.
    package func resolvePlatform(kind: String, stillFailing current: Set<String>) async {
        do {
            let (platform, now) = (self.platform, self.now)
            let cleared = try await BlockingIO.run {
                try platform.clearPlatformAlerts(kind: kind, except: current, at: now)
            }
            for alert in cleared {
                logger.info("platform alert cleared", metadata: ["incident": "\(alert.incident)"])
            }
        } catch {
            logger.error("platform alerts could not be cleared", metadata: ["kind": "\(kind)", "error": "\(error)"])
        }
    }
}
