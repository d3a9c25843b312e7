/// The platform console, on the platform host.
package enum ConsolePaths {
    package static let home = RoutePath("/")
    package static let audit = RoutePath("/audit")
    package static let onboarding = RoutePath("/onboarding")
    /// Alerts, backups, restore drills and readiness.
    package static let operations = RoutePath("/operations")
    /// The cluster's nodes, moves and recoveries.
    package static let nodes = RoutePath("/nodes")
    package static let nodesMove = RoutePath("/nodes/move")
    package static let nodesRecover = RoutePath("/nodes/recover")
    package static let onboardingCreate = RoutePath("/onboarding/{draft}/create")
    package static let onboardingStep = RoutePath("/onboarding/{draft}/{step}")
    package static let tenant = RoutePath("/tenants/{slug}")
    package static let tenantBackup = RoutePath("/tenants/{slug}/backup")
    package static let tenantExport = RoutePath("/tenants/{slug}/export")
    package static let tenantExportFile = RoutePath("/tenants/{slug}/exports/{file}")
    package static let tenantHealth = RoutePath("/tenants/{slug}/health")
    package static let tenantResume = RoutePath("/tenants/{slug}/resume")
    package static let tenantSuspend = RoutePath("/tenants/{slug}/suspend")
}
