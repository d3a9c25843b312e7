import Hummingbird
import Logging
import ServiceLifecycle
import Tenancy

/// Builds the whole HTTP application; `portal serve`, `portal demo` and the tests all call this.
package func buildApplication(
    _ dependencies: PortalDependencies,
    logger: Logger,
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let configuration = dependencies.configuration
    let router = buildRouter(dependencies, logger: logger)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: [
            RegistryWatcher(
                registry: dependencies.registry,
                interval: configuration.registryPollInterval,
                logger: logger
            ),
            TenantDatabasesCloser(databases: dependencies.databases),
        ],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Middleware runs outermost first: work out the origin, log, add headers, render errors, gate on tenant.
package func buildRouter(_ dependencies: PortalDependencies, logger: Logger) -> Router<PortalRequestContext> {
    let configuration = dependencies.configuration
    let router = Router(context: PortalRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.addMiddleware {
        RequestOriginMiddleware(registry: dependencies.registry, trustedProxies: configuration.trustedProxies)
        RequestLogMiddleware(logger: logger)
        SecurityHeadersMiddleware()
        ErrorPageMiddleware(
            pages: dependencies.pages,
            storefront: dependencies.storefront,
            assets: dependencies.assets,
            logger: logger
        )
        TenantGateMiddleware(benchRoutes: configuration.benchRoutes)
    }
    HealthController(
        registry: dependencies.registry,
        databases: dependencies.databases,
        version: configuration.version
    ).addRoutes(to: router)
    StaticAssetsController(assets: dependencies.assets).addRoutes(to: router)
    if configuration.benchRoutes {
        BenchController().addRoutes(to: router)
    }
    let tenantRoutes = router.group(context: TenantRequestContext.self)
    StorefrontController(storefront: dependencies.storefront, dataDirectory: dependencies.dataDirectory)
        .addRoutes(to: tenantRoutes)
    addAccountRoutes(to: tenantRoutes, dependencies)
    return router
}

/// Sign-in areas: the session and CSRF checks run only here, so storefront pages never read a session.
private func addAccountRoutes(to tenantRoutes: RouterGroup<TenantRequestContext>, _ dependencies: PortalDependencies) {
    let flows = AccountFlows(
        databases: dependencies.databases,
        storefront: dependencies.storefront,
        pages: dependencies.pages,
        registry: dependencies.registry,
        services: dependencies.accountServices,
        throttle: dependencies.loginThrottle
    )
    let accountRoutes = tenantRoutes.group()
        .add(middleware: SessionMiddleware(databases: dependencies.databases, services: dependencies.accountServices))
        .add(middleware: CSRFMiddleware())
    AuthController(area: .customer, flows: flows).addRoutes(to: accountRoutes)
    AuthController(area: .staff, flows: flows).addRoutes(to: accountRoutes)

    let customerRoutes = accountRoutes.group(context: CustomerRequestContext.self)
    AccountController(flows: flows).addRoutes(to: customerRoutes)
    SecurityController<CustomerRequestContext>(basePath: "/account", flows: flows).addRoutes(to: customerRoutes)
    TwoFactorController<CustomerRequestContext>(basePath: "/account", flows: flows, mayDisable: { _ in true })
        .addRoutes(to: customerRoutes)

    let staffRoutes = accountRoutes.group(context: StaffRequestContext.self)
    StaffController(flows: flows, showMailbox: dependencies.configuration.showMailbox).addRoutes(to: staffRoutes)
    SecurityController<StaffRequestContext>(basePath: "/admin", flows: flows).addRoutes(to: staffRoutes)
    // Reachable before two-factor is set up, so staff of a tenant that requires it can enrol.
    let enrollmentRoutes = accountRoutes.group(context: StaffEnrollmentRequestContext.self)
    TwoFactorController<StaffEnrollmentRequestContext>(
        basePath: "/admin", flows: flows, mayDisable: { !$0.twoFactorRequired }
    ).addRoutes(to: enrollmentRoutes)
}

/// Closes every tenant database after the server has stopped taking requests.
struct TenantDatabasesCloser: Service {
    let databases: TenantDatabases

    func run() async throws {
        try? await gracefulShutdown()
        await databases.closeAll()
    }
}
