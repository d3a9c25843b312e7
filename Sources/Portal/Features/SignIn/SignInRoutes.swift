import Logging

/// Signing in, up and out, password resets, security settings and two-factor, for customers, staff and the console.
enum SignInRoutes {
    static func add(to areas: TenantAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let flows = dependencies.accountFlows
        let realm: @Sendable (TenantRequestContext) -> any AccountRealm = { dependencies.tenantRealm($0.tenant) }
        AuthController(area: .customer, flows: flows, realm: realm).addRoutes(to: areas.visitor)
        AuthController(area: .staff, flows: flows, realm: realm).addRoutes(to: areas.visitor)
        SecurityController(paths: .customer, flows: flows, realm: { dependencies.tenantRealm($0.tenant) })
            .addRoutes(to: areas.customer)
        TwoFactorController(
            paths: .customer, flows: flows, realm: { dependencies.tenantRealm($0.tenant) },
            mayDisable: { _ in true }
        ).addRoutes(to: areas.customer)
        SecurityController(paths: .staff, flows: flows, realm: { dependencies.tenantRealm($0.tenant) })
            .addRoutes(to: areas.staff)
        TwoFactorController(
            paths: .staff, flows: flows, realm: { dependencies.tenantRealm($0.tenant) },
            mayDisable: { !$0.twoFactorRequired }
        ).addRoutes(to: areas.staffEnrollment)
    }

    /// The console's own sign-in; two-factor is always required there.
    static func add(to areas: PlatformAreas, _ dependencies: PortalDependencies, logger: Logger) {
        let flows = dependencies.accountFlows
        let realm = dependencies.platformRealm
        AuthController(area: .platform, flows: flows, realm: { _ in realm }).addRoutes(to: areas.visitor)
        TwoFactorController(paths: .platform, flows: flows, realm: { _ in realm }, mayDisable: { _ in false })
            .addRoutes(to: areas.enrollment)
        SecurityController(paths: .platform, flows: flows, realm: { _ in realm }).addRoutes(to: areas.user)
    }
}
