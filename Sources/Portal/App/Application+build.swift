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
        TenantDatabasesCloser(databases: dependencies.databases, storefront: dependencies.storefront),
        MailDelivery(
            queue: dependencies.mailQueue, databases: dependencies.databases, registry: dependencies.registry,
            platform: dependencies.platform, relay: configuration.smtpRelay,
            secrets: dependencies.accountServices.secrets,
            relayEgress: { [upstreams = dependencies.upstreams] in try await upstreams.relayEgress(of: $0) },
            send: configuration.mailSend ?? { try await SMTPSender().send($0, via: $1) },
            policy: configuration.mailRetry, alerts: dependencies.alerts,
            logger: logger
        ),
        OrderPipeline(
            steps: dependencies.orderSteps, queue: dependencies.orderQueue, registry: dependencies.registry,
            databases: dependencies.databases, platform: dependencies.platform, policy: configuration.pipelineRetry,
            lockPath: dependencies.dataDirectory.root.appendingPathComponent("pipeline.lock").path,
            cards: dependencies.cardPayments,
            heartbeat: { [readiness = dependencies.readiness] in readiness.pipelineRoundCompleted() },
            alerts: dependencies.alerts,
            now: dependencies.accountServices.now, logger: logger
        ),
        ReminderScheduler(
            registry: dependencies.registry, databases: dependencies.databases, upstreams: dependencies.upstreams,
            flows: dependencies.accountFlows, realm: { dependencies.tenantRealm($0) }, queue: dependencies.mailQueue,
            refresher: dependencies.billingRefresher, interval: configuration.reminderInterval, logger: logger
        ),
        RenewalScheduler(
            registry: dependencies.registry, databases: dependencies.databases, upstreams: dependencies.upstreams,
            storefront: dependencies.storefront, flows: dependencies.accountFlows,
            realm: { dependencies.tenantRealm($0) },
            orderQueue: dependencies.orderQueue, steps: dependencies.orderSteps,
            interval: configuration.reminderInterval, alerts: dependencies.alerts,
            now: dependencies.accountServices.now,
            logger: logger
        ),
    ]
    if let cluster = dependencies.cluster {
        // The shared registry's connections, this node's copy of it, and its heartbeat; moves away from this node.
        services.append(cluster)
        if let mover = dependencies.mover { services.append(mover) }
        if let routing = dependencies.routing { services.append(routing) }
    }
    if configuration.healthInterval != nil {
        services.append(dependencies.healthCollector)
    }
    if let interval = configuration.alertInterval {
        services.append(
            AlertWatch(
                desk: dependencies.alerts, platform: dependencies.platform, registry: dependencies.registry,
                databases: dependencies.databases, breakers: dependencies.upstreams.breakers,
                readiness: dependencies.readiness, dataDirectory: dependencies.dataDirectory,
                unopenable: dependencies.unopenable, interval: interval, now: dependencies.accountServices.now))
    }
    if let interval = configuration.imageSweepInterval {
        services.append(
            ImageSweeper(
                desk: dependencies.contentDesk, registry: dependencies.registry, interval: interval, logger: logger))
    }
    if let interval = configuration.backupInterval {
        services.append(
            BackupScheduler(
                backups: dependencies.backups, interval: interval, logger: logger,
                holds: { [registry = dependencies.registry] in registry.runsJobs($0) }))
    }
    if let interval = configuration.drillInterval, configuration.backupRemote != nil {
        let drills = RestoreDrills(backups: dependencies.backups, sample: configuration.drillSample, logger: logger)
        services.append(RestoreDrillScheduler(drills: drills, interval: interval))
    }
    return Application(
        router: LanguagePrefixRouter(router: router, codes: dependencies.pages.languages.codes),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            // Links in emails on *.localhost carry the port; with `--port 0` it is known only now.
            dependencies.accountServices.localPort.bound(port)
            await onServerRunning(port)
        },
        logger: logger
    )
}

/// Middleware runs outermost first: count, work out the origin, log, add headers, render errors, gate on tenant.
package func buildRouter(_ dependencies: PortalDependencies, logger: Logger) -> Router<PortalRequestContext> {
    let configuration = dependencies.configuration
    let router = Router(context: PortalRequestContext.self, options: .autoGenerateHeadEndpoints)
    if configuration.requestMetrics {
        // Outermost: a request's time and status class as the client gets them, error pages included.
        PortalMetrics.bootstrap()
        router.addMiddleware { RequestMetricsMiddleware<PortalRequestContext>() }
    }
    router.addMiddleware {
        RequestOriginMiddleware(
            registry: dependencies.registry,
            trustedProxies: configuration.trustedProxies,
            platformHost: configuration.platformHost
        )
        RequestLogMiddleware(logger: logger)
        BrandMiddleware(
            storefront: dependencies.storefront, registry: dependencies.registry,
            platformRealm: dependencies.platformRealm,
            benchRoutes: configuration.benchRoutes, logger: logger
        )
        LanguageMiddleware(languages: dependencies.pages.languages, now: dependencies.accountServices.now)
        SecurityHeadersMiddleware()
        ErrorPageMiddleware(
            pages: dependencies.pages,
            assets: dependencies.assets,
            logger: logger
        )
        TenantGateMiddleware(
            benchRoutes: configuration.benchRoutes, registry: dependencies.registry,
            moving: dependencies.databases.moving)
        PlatformHostMiddleware(responder: buildPlatformRouter(dependencies, logger: logger).buildResponder())
    }
    let areas = TenantAreas(router, dependencies, logger: logger)
    OperationsRoutes.add(to: areas, dependencies, logger: logger)
    StorefrontRoutes.add(to: areas, dependencies, logger: logger)
    CatalogueRoutes.add(to: areas, dependencies, logger: logger)
    SupportRoutes.add(to: areas, dependencies, logger: logger)
    SignInRoutes.add(to: areas, dependencies, logger: logger)
    CheckoutRoutes.add(to: areas, dependencies, logger: logger)
    BillingRoutes.add(to: areas, dependencies, logger: logger)
    ServicesRoutes.add(to: areas, dependencies, logger: logger)
    BackOfficeRoutes.add(to: areas, dependencies, logger: logger)
    BrandRoutes.add(to: areas, dependencies, logger: logger)
    MailRoutes.add(to: areas, dependencies, logger: logger)
    IntegrationsRoutes.add(to: areas, dependencies, logger: logger)
    PaymentRoutes.add(to: areas, dependencies, logger: logger)
    ContentRoutes.add(to: areas, dependencies, logger: logger)
    return router
}

/// The platform console's own route table, answered only on the platform host.
func buildPlatformRouter(_ dependencies: PortalDependencies, logger: Logger) -> Router<PortalRequestContext> {
    let router = Router(context: PortalRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: RegistryCatchUpMiddleware(cluster: dependencies.cluster))
    let areas = PlatformAreas(router, dependencies)
    SignInRoutes.add(to: areas, dependencies, logger: logger)
    PlatformRoutes.add(to: areas, dependencies, logger: logger)
    return router
}

/// Closes every tenant database after the server has stopped taking requests, then records that the storefront
/// snapshots are current for the next start (every commit has removed the snapshots it made stale by then).
struct TenantDatabasesCloser: Service {
    let databases: TenantDatabases
    let storefront: StorefrontService

    func run() async throws {
        try? await gracefulShutdown()
        await databases.closeAll()
        storefront.closeSnapshots()
    }
}
