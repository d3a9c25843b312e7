import Branding
import Hummingbird
import Integrations
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
    var services: [any Service] = [
        RegistryWatcher(
            registry: dependencies.registry,
            interval: configuration.registryPollInterval,
            logger: logger
        ),
        TenantDatabasesCloser(databases: dependencies.databases),
        MailDelivery(
            queue: dependencies.mailQueue, databases: dependencies.databases, registry: dependencies.registry,
            platform: dependencies.platform, relay: configuration.smtpRelay,
            secrets: dependencies.accountServices.secrets,
            send: configuration.mailSend ?? { try await SMTPSender().send($0, via: $1) },
            policy: configuration.mailRetry,
            logger: logger
        ),
        OrderPipeline(
            steps: dependencies.orderSteps, queue: dependencies.orderQueue, registry: dependencies.registry,
            databases: dependencies.databases, platform: dependencies.platform, policy: configuration.pipelineRetry,
            lockPath: dependencies.dataDirectory.root.appendingPathComponent("pipeline.lock").path,
            now: dependencies.accountServices.now, logger: logger
        ),
        ReminderScheduler(
            registry: dependencies.registry, databases: dependencies.databases, upstreams: dependencies.upstreams,
            flows: dependencies.accountFlows, realm: { dependencies.tenantRealm($0) }, queue: dependencies.mailQueue,
            interval: configuration.reminderInterval, logger: logger
        ),
        RenewalScheduler(
            registry: dependencies.registry, databases: dependencies.databases, upstreams: dependencies.upstreams,
            storefront: dependencies.storefront, flows: dependencies.accountFlows,
            realm: { dependencies.tenantRealm($0) },
            orderQueue: dependencies.orderQueue, steps: dependencies.orderSteps,
            interval: configuration.reminderInterval, now: dependencies.accountServices.now, logger: logger
        ),
    ]
    if configuration.healthInterval != nil {
        services.append(dependencies.healthCollector)
    }
    if let interval = configuration.backupInterval {
        services.append(BackupScheduler(backups: dependencies.backups, interval: interval, logger: logger))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// Middleware runs outermost first: work out the origin, log, add headers, render errors, gate on tenant.
package func buildRouter(_ dependencies: PortalDependencies, logger: Logger) -> Router<PortalRequestContext> {
    let configuration = dependencies.configuration
    let router = Router(context: PortalRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.addMiddleware {
        RequestOriginMiddleware(
            registry: dependencies.registry,
            trustedProxies: configuration.trustedProxies,
            platformHost: configuration.platformHost
        )
        BrandMiddleware(storefront: dependencies.storefront, platformRealm: dependencies.platformRealm)
        RequestLogMiddleware(logger: logger)
        SecurityHeadersMiddleware()
        ErrorPageMiddleware(
            pages: dependencies.pages,
            assets: dependencies.assets,
            logger: logger
        )
        TenantGateMiddleware(benchRoutes: configuration.benchRoutes)
        PlatformHostMiddleware(responder: buildPlatformRouter(dependencies, logger: logger).buildResponder())
    }
    HealthController(
        registry: dependencies.registry,
        databases: dependencies.databases,
        version: configuration.version
    ).addRoutes(to: router)
    StaticAssetsController(assets: dependencies.assets).addRoutes(to: router)
    TLSAskController(
        registry: dependencies.registry, baseDomain: configuration.baseDomain, platformHost: configuration.platformHost
    )
    .addRoutes(to: router)
    if configuration.benchRoutes {
        BenchController().addRoutes(to: router)
    }
    let tenantRoutes = router.group(context: TenantRequestContext.self)
    StorefrontController(
        storefront: dependencies.storefront, dataDirectory: dependencies.dataDirectory, pages: dependencies.pages,
        resources: dependencies.catalogueRules.resources, siteURL: { dependencies.siteURL($0) }
    ).addRoutes(to: tenantRoutes)
    DomainSearchController(
        storefront: dependencies.storefront, pages: dependencies.pages, upstreams: dependencies.upstreams,
        limiter: dependencies.accountServices.limiter, now: dependencies.accountServices.now, logger: logger
    ).addRoutes(to: tenantRoutes)
    ProductAPIController(
        databases: dependencies.databases, storefront: dependencies.storefront, rules: dependencies.catalogueRules,
        sync: dependencies.productSync, upstreams: dependencies.upstreams, logger: logger
    ).addRoutes(to: tenantRoutes)
    let knowledgeBase = KnowledgeBaseController(
        flows: dependencies.accountFlows, databases: dependencies.databases, storefront: dependencies.storefront,
        pages: dependencies.pages,
        siteURL: { dependencies.siteURL($0) }
    )
    knowledgeBase.addPublicRoutes(to: tenantRoutes)
    addAccountRoutes(to: tenantRoutes, dependencies, knowledgeBase: knowledgeBase, logger: logger)
    return router
}

/// Sign-in areas: the session and CSRF checks run only here, so storefront pages never read a session.
private func addAccountRoutes(
    to tenantRoutes: RouterGroup<TenantRequestContext>, _ dependencies: PortalDependencies,
    knowledgeBase: KnowledgeBaseController, logger: Logger
) {
    let flows = dependencies.accountFlows
    let realm: @Sendable (TenantRequestContext) -> any AccountRealm = { dependencies.tenantRealm($0.tenant) }
    let accountRoutes = tenantRoutes.group()
        .add(middleware: SessionMiddleware(realm: realm, services: dependencies.accountServices))
        .add(middleware: CSRFMiddleware<TenantRequestContext>())
    AuthController(area: .customer, flows: flows, realm: realm).addRoutes(to: accountRoutes)
    AuthController(area: .staff, flows: flows, realm: realm).addRoutes(to: accountRoutes)
    let checkout = CheckoutController(
        flows: flows, realm: { dependencies.tenantRealm($0) }, databases: dependencies.databases,
        storefront: dependencies.storefront,
        queue: dependencies.orderQueue, upstreams: dependencies.upstreams
    )
    checkout.addPublicRoutes(to: accountRoutes)

    let customerRoutes = accountRoutes.group(context: CustomerRequestContext.self)
    let customerRealm: @Sendable (CustomerRequestContext) -> any AccountRealm = { dependencies.tenantRealm($0.tenant) }
    CustomerBillingController(
        flows: flows, realm: customerRealm, databases: dependencies.databases, storefront: dependencies.storefront,
        upstreams: dependencies.upstreams, refresher: dependencies.billingRefresher,
        logger: logger, dashboards: RenderedPages(capacity: 4_096)
    ).addRoutes(to: customerRoutes)
    HostingServicesController(
        flows: flows, realm: customerRealm, databases: dependencies.databases, storefront: dependencies.storefront,
        upstreams: dependencies.upstreams, refresher: dependencies.billingRefresher, rules: dependencies.catalogueRules,
        throttle: dependencies.loginThrottle, logger: logger
    ).addRoutes(to: customerRoutes)
    ProvisionedController(
        flows: flows, realm: customerRealm, databases: dependencies.databases, storefront: dependencies.storefront,
        upstreams: dependencies.upstreams, steps: dependencies.orderSteps, logger: logger
    ).addRoutes(to: customerRoutes)
    SecurityController(basePath: "/account", flows: flows, realm: customerRealm).addRoutes(to: customerRoutes)
    checkout.addCustomerRoutes(to: customerRoutes)
    let tickets = TicketsController(
        flows: flows, realm: { dependencies.tenantRealm($0) }, databases: dependencies.databases,
        upstreams: dependencies.upstreams,
        logger: logger
    )
    tickets.addCustomerRoutes(to: customerRoutes)
    ServiceChangeController(
        flows: flows, realm: { dependencies.tenantRealm($0) }, databases: dependencies.databases,
        storefront: dependencies.storefront,
        upstreams: dependencies.upstreams, queue: dependencies.orderQueue, sync: dependencies.productSync,
        logger: logger
    ).addRoutes(to: customerRoutes)
    TwoFactorController(basePath: "/account", flows: flows, realm: customerRealm, mayDisable: { _ in true })
        .addRoutes(to: customerRoutes)

    let staffRoutes = accountRoutes.group(context: StaffRequestContext.self)
    let staffRealm: @Sendable (StaffRequestContext) -> any AccountRealm = { dependencies.tenantRealm($0.tenant) }
    StaffController(
        flows: flows, realm: staffRealm, showMailbox: dependencies.configuration.showMailbox,
        databases: dependencies.databases,
        storefront: dependencies.storefront
    )
    .addRoutes(to: staffRoutes)
    SecurityController(basePath: "/admin", flows: flows, realm: staffRealm).addRoutes(to: staffRoutes)
    IntegrationsController(
        flows: flows, realm: staffRealm, upstreams: dependencies.upstreams, databases: dependencies.databases
    ).addRoutes(to: staffRoutes)
    EmailTemplatesController(flows: flows, realm: staffRealm, databases: dependencies.databases).addRoutes(
        to: staffRoutes)
    MailSettingsController(
        flows: flows, realm: staffRealm, secrets: dependencies.accountServices.secrets, sender: SMTPSender(),
        allowLoopbackRelay: dependencies.configuration.allowSandboxUpstreams
    ).addRoutes(to: staffRoutes)
    MailController(
        flows: flows, realm: staffRealm, databases: dependencies.databases, queue: dependencies.mailQueue,
        relayConfigured: dependencies.configuration.smtpRelay != nil
    ).addRoutes(to: staffRoutes)
    CatalogueController(
        flows: flows, realm: staffRealm, databases: dependencies.databases, storefront: dependencies.storefront,
        rules: dependencies.catalogueRules, sync: dependencies.productSync
    ).addRoutes(to: staffRoutes)
    APIKeysController(flows: flows, realm: staffRealm, databases: dependencies.databases).addRoutes(to: staffRoutes)
    DomainsController(
        flows: flows, realm: staffRealm, domains: dependencies.customDomains, registry: dependencies.registry,
        databases: dependencies.databases, dns: dependencies.dnsLookup,
        edge: .init(
            host: dependencies.configuration.edgeHost ?? dependencies.configuration.platformHost,
            ipv4: dependencies.configuration.edgeIPv4, ipv6: dependencies.configuration.edgeIPv6)
    ).addRoutes(to: staffRoutes)
    tickets.addStaffRoutes(to: staffRoutes)
    knowledgeBase.addStaffRoutes(to: staffRoutes)
    AdminOrdersController(
        flows: flows, realm: { dependencies.tenantRealm($0) }, databases: dependencies.databases,
        storefront: dependencies.storefront,
        queue: dependencies.orderQueue, upstreams: dependencies.upstreams
    ).addRoutes(to: staffRoutes)
    ReportsController(flows: flows, realm: { dependencies.tenantRealm($0) }, databases: dependencies.databases)
        .addRoutes(to: staffRoutes)
    AdminCustomersController(
        flows: flows, realm: { dependencies.tenantRealm($0) }, databases: dependencies.databases,
        upstreams: dependencies.upstreams
    ).addRoutes(to: staffRoutes)
    BrandStudioController(
        flows: flows, realm: staffRealm, databases: dependencies.databases, storefront: dependencies.storefront,
        images: ImageStore(dataDirectory: dependencies.dataDirectory),
        scriptURL: dependencies.assets.url(for: "brand-studio.js")
    ).addRoutes(to: staffRoutes)
    // Reachable before two-factor is set up, so staff of a tenant that requires it can enrol.
    let enrollmentRoutes = accountRoutes.group(context: StaffEnrollmentRequestContext.self)
    TwoFactorController(
        basePath: "/admin", flows: flows, realm: { dependencies.tenantRealm($0.tenant) },
        mayDisable: { !$0.twoFactorRequired }
    ).addRoutes(to: enrollmentRoutes)
}

/// The platform console's own route table, answered only on the platform host.
func buildPlatformRouter(_ dependencies: PortalDependencies, logger: Logger) -> Router<PortalRequestContext> {
    let router = Router(context: PortalRequestContext.self, options: .autoGenerateHeadEndpoints)
    let flows = dependencies.accountFlows
    let platformRealm = dependencies.platformRealm
    let area = router.group(context: PlatformRequestContext.self)
        .add(middleware: SessionMiddleware(realm: { _ in platformRealm }, services: dependencies.accountServices))
        .add(middleware: CSRFMiddleware<PlatformRequestContext>())
    AuthController(area: .platform, flows: flows, realm: { _ in platformRealm }).addRoutes(to: area)

    let enrollment = area.group(context: PlatformEnrollmentContext.self)
    TwoFactorController(basePath: "", flows: flows, realm: { _ in platformRealm }, mayDisable: { _ in false })
        .addRoutes(to: enrollment)

    let users = area.group(context: PlatformUserContext.self)
    PlatformController(
        flows: flows, realm: platformRealm, registry: dependencies.registry, platform: dependencies.platform,
        health: dependencies.healthCollector,
        hostingSuspension: dependencies.hostingSuspension,
        archive: dependencies.archive, backups: dependencies.backups,
        exportsFolder: dependencies.dataDirectory.root.appendingPathComponent("exports", isDirectory: true),
        logger: logger
    ).addRoutes(to: users)
    let configuration = dependencies.configuration
    OnboardingController(
        flows: flows, realm: platformRealm, registry: dependencies.registry,
        provisioner: TenantProvisioner(
            onboarding: TenantOnboarding(
                platform: dependencies.platform, dataDirectory: dependencies.dataDirectory,
                baseDomain: configuration.baseDomain),
            upstreams: dependencies.upstreams, databases: dependencies.databases,
            sandbox: configuration.sandboxUpstreams,
            logger: logger
        ),
        drafts: OnboardingDrafts(), tenantRealm: { dependencies.tenantRealm($0) }, baseDomain: configuration.baseDomain,
        hasSandboxDefaults: configuration.sandboxUpstreams != nil && configuration.allowSandboxUpstreams
    ).addRoutes(to: users)
    SecurityController(basePath: "", flows: flows, realm: { _ in platformRealm }).addRoutes(to: users)
    return router
}

/// Closes every tenant database after the server has stopped taking requests.
struct TenantDatabasesCloser: Service {
    let databases: TenantDatabases

    func run() async throws {
        try? await gracefulShutdown()
        await databases.closeAll()
    }
}
