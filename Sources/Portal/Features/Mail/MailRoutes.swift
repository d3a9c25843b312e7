import Logging

/// The brand's outbox (read, retry, cancel) and its own mail relay settings.
enum MailRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let realm: @Sendable (StaffRequestContext) -> any AccountRealm = { dependencies.tenantRealm($0.tenant) }
        MailSettingsController(
            flows: dependencies.accountFlows, realm: realm, secrets: dependencies.accountServices.secrets,
            sender: SMTPSender(), upstreams: dependencies.upstreams
        ).addRoutes(to: areas.staff)
        MailController(
            flows: dependencies.accountFlows, realm: realm, databases: dependencies.databases,
            queue: dependencies.mailQueue, relayConfigured: dependencies.configuration.smtpRelay != nil
        ).addRoutes(to: areas.staff)
    }
}
