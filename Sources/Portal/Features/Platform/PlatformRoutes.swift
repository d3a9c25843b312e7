import Logging
import Tenancy

/// The platform console: tenants (suspend, resume, health, export, backup), the audit log and onboarding.
enum PlatformRoutes {
    static func add(to areas: PlatformAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let configuration = dependencies.configuration
        PlatformController(
            flows: dependencies.accountFlows, realm: dependencies.platformRealm, registry: dependencies.registry,
            platform: dependencies.platform,
            operations: TenantOperations(
                platform: dependencies.platform, registry: dependencies.registry,
                writer: dependencies.registryWriter, realm: dependencies.platformRealm,
                health: dependencies.healthCollector, hostingSuspension: dependencies.hostingSuspension,
                archive: dependencies.archive, backups: dependencies.backups,
                exportsFolder: dependencies.dataDirectory.root.appendingPathComponent("exports", isDirectory: true),
                now: dependencies.accountServices.now),
            reports: dependencies.tenantReports,
            forwarder: ConsoleForwarder(cluster: dependencies.cluster, registry: dependencies.registry, logger: logger)
        ).addRoutes(to: areas.user)
        OperationsConsoleController(
            flows: dependencies.accountFlows, platform: dependencies.platform, registry: dependencies.registry,
            backups: dependencies.backups, readiness: dependencies.readiness, dataDirectory: dependencies.dataDirectory,
            reports: dependencies.tenantReports
        ).addRoutes(to: areas.user)
        NodesConsoleController(
            flows: dependencies.accountFlows, realm: dependencies.platformRealm, registry: dependencies.registry,
            cluster: dependencies.cluster, backups: dependencies.backups, dataDirectory: dependencies.dataDirectory
        ).addRoutes(to: areas.user)
        OnboardingController(
            flows: dependencies.accountFlows,
            wizard: OnboardingWizard(
                provisioner: TenantProvisioner(
                    onboarding: TenantOnboarding(
                        platform: dependencies.platform, dataDirectory: dependencies.dataDirectory,
                        baseDomain: configuration.baseDomain
                    ),
                    writer: dependencies.registryWriter, upstreams: dependencies.upstreams,
                    databases: dependencies.databases, sandbox: configuration.sandboxUpstreams, logger: logger
                ),
                drafts: OnboardingDrafts(), registry: dependencies.registry, flows: dependencies.accountFlows,
                platformRealm: dependencies.platformRealm, tenantRealm: { dependencies.tenantRealm($0) }),
            baseDomain: configuration.baseDomain,
            hasSandboxDefaults: configuration.sandboxUpstreams != nil && configuration.allowSandboxUpstreams
        ).addRoutes(to: areas.user)
    }
}
