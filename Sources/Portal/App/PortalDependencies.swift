import Branding
import Cluster
import Foundation
import Integrations
import Logging
import Tenancy

/// The long-lived parts of a running portal, built once per process and shared by every request.
package struct PortalDependencies: Sendable {
    package let configuration: PortalConfiguration
    package let dataDirectory: DataDirectory
    package let platform: PlatformDatabase
    package let registry: TenantRegistry
    package let databases: TenantDatabases
    package let assets: StaticAssets
    package let pages: PageRenderer
    /// Draws PDF invoices with WeasyPrint, a few at a time.
    package let pdfRenderer: PDFRenderer
    package let storefront: StorefrontService
    package let accountServices: AccountServices
    package let loginThrottle: LoginThrottle
    package let accountFlows: AccountFlows
    package let platformRealm: PlatformRealm
    /// Each tenant's WHMCS and WHM clients, built from its own settings.
    package let upstreams: TenantUpstreams
    /// Which outboxes have mail to deliver.
    package let mailQueue: MailQueue
    /// The resource map and the platform's costs that products are checked against.
    package let catalogueRules: CatalogueRules
    /// Which tenants have order jobs.
    package let orderQueue: OrderQueue
    /// Keeps customers' local copies of their WHMCS services and invoices fresh.
    package let billingRefresher: BillingRefresher
    /// The brands' own domains in the registry.
    package let customDomains: CustomDomains
    /// The resolver custom domains are verified through.
    package let dnsLookup: DNSLookup
    /// Signed tenant archives (export and import).
    package let archive: TenantArchive
    /// Backups of every tenant under `<data>/backups`.
    package let backups: TenantBackups
    /// Measures tenants' health for the platform console.
    package let healthCollector: HealthCollector
    /// Pushes a tenant's products to its WHMCS product group.
    package let productSync: ProductSync
    /// The pipeline's steps, wired to this server's upstreams, mail and clock.
    package let orderSteps: OrderSteps
    /// Suspends and restores a brand's hosting accounts with the brand.
    package let hostingSuspension: HostingSuspension
    /// Card payments on each brand's own Stripe account.
    package let cardPayments: CardPayments
    /// Draining and the pipeline's heartbeat, for `/internal/ready`.
    package let readiness: Readiness
    /// Brand databases the health pass could not open (a platform alert).
    package let unopenable: UnopenableDatabases
    /// This node's part in a cluster; nil on a single node.
    package let cluster: ClusterMembership?
    /// Moves tenants away from this node when the cluster's registry asks; nil on a single node.
    package let mover: TenantMover?
    /// Keeps HAProxy's host → node map current; nil without `--haproxy-runtime`.
    package let routing: ProxyRouting?
    /// Where changes to tenants are written: the cluster's registry, or `platform.sqlite`.
    package let registryWriter: any RegistryWriter
    package let logger: Logger

    /// The brand's pages, news, site settings and images.
    var contentDesk: ContentDesk {
        ContentDesk(
            databases: databases, storefront: storefront, dataDirectory: dataDirectory,
            imageQuota: configuration.imageQuota, now: accountServices.now)
    }

    /// Raises and clears the alerts of brands and of the platform (email and console entry, once per incident).
    package var alerts: AlertDesk {
        AlertDesk(
            platform: platform, databases: databases, registry: registry, flows: accountFlows,
            tenantRealm: { [self] in tenantRealm($0) }, platformRealm: platformRealm, logger: logger)
    }

    /// Where the canonical links of a tenant's pages point: its stored primary domain.
    package func siteURL(_ tenant: Tenant) -> String {
        Self.siteURL(of: tenant, registry: registry, services: accountServices)
    }

    private static func siteURL(of tenant: Tenant, registry: TenantRegistry, services: AccountServices) -> String {
        services.link(primaryHost: registry.linkHost(of: tenant), path: "")
    }

    /// The realm of one tenant's customers and staff.
    package func tenantRealm(_ tenant: Tenant) -> TenantRealm {
        TenantRealm(tenant: tenant, databases: databases, storefront: storefront, registry: registry)
    }

    /// Opens the registry and loads assets and templates; fails early with a clear message.
    /// `now` is the clock sign-in flows use for expiry; tests move it.
    package static func make(
        _ configuration: PortalConfiguration,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> PortalDependencies {
        let descriptorLimit = FileDescriptors.raiseLimit()
        let maximumOpen = FileDescriptors.poolBound(requested: configuration.maxOpenTenants, limit: descriptorLimit)
        if maximumOpen < configuration.maxOpenTenants {
            logger.warning(
                "open tenant databases bounded by the descriptor limit",
                metadata: [
                    "requested": "\(configuration.maxOpenTenants)", "bound": "\(maximumOpen)",
                    "nofile": "\(descriptorLimit)",
                ]
            )
        }
        let dataDirectory = DataDirectory(path: configuration.dataDirectory)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        let registry = try TenantRegistry(
            database: platform, baseDomain: configuration.baseDomain, node: configuration.cluster?.node)
        let databases = TenantDatabases(dataDirectory: dataDirectory, maximumOpen: maximumOpen, logger: logger)
        let masterKeyFile = configuration.masterKeyFile ?? dataDirectory.root.appendingPathComponent("master.key").path
        let secrets = try SecretBox.loadOrCreate(path: masterKeyFile)
        let cluster = configuration.cluster.map { settings in
            ClusterMembership(
                settings: settings, platform: platform, tenants: registry, keyID: secrets.keyID,
                openTenants: { databases.openCount }, logger: logger)
        }
        databases.setHeldElsewhere(registry.heldElsewhere(in: registry.snapshot))
        let unopenable = UnopenableDatabases()
        let assets = try StaticAssets(directory: configuration.assetsDirectory + "/static")
        let languages = try Languages.load(directory: configuration.assetsDirectory + "/locales")
        let pages = try await PageRenderer(
            directory: configuration.assetsDirectory + "/templates", languages: languages,
            eager: configuration.compileEveryLanguage)
        let accountServices = AccountServices(
            hasher: try PasswordHasher(parameters: configuration.passwordParameters, queue: configuration.hashQueue),
            policy: try PasswordPolicy(assetsDirectory: configuration.assetsDirectory),
            secrets: secrets,
            timeouts: configuration.sessionTimeouts,
            localPort: configuration.port,
            now: now
        )
        let storefront = StorefrontService(
            databases: databases,
            pages: pages,
            assets: assets,
            capacity: configuration.pageCacheEntries,
            snapshots: try StorefrontSnapshots.open(
                dataDirectory: dataDirectory, assetsDirectory: configuration.assetsDirectory,
                stylesheetURL: assets.url(for: "base.css"),
                siteURL: { [registry] in siteURL(of: $0, registry: registry, services: accountServices) }),
            logger: logger
        )
        let throttle = LoginThrottle()
        let mailQueue = MailQueue(platform: platform)
        let emails: EmailDefaults
        do {
            emails = try EmailDefaults(directory: configuration.assetsDirectory + "/email", languages: languages)
        } catch let error as EmailDefaults.LoadError {
            throw PortalError.invalidEmailDefaults(error.description)
        }
        registry.onChange { old, new in
            databases.setMaintenance(Set(new.tenantsByID.values.filter { $0.maintenanceSince != nil }.map(\.id)))
            databases.setHeldElsewhere(registry.heldElsewhere(in: new))
            // A tenant that moved between nodes: whatever this node kept of it is dropped.
            for (id, node) in old.assignments where new.assignments[id] != node {
                if let tenant = old.tenantsByID[id] ?? new.tenantsByID[id] { storefront.invalidate(tenant) }
            }
            // A new primary domain changes the canonical links of the pages rendered for it.
            for id in new.primaryHostChanges(since: old) {
                if let tenant = new.tenantsByID[id] ?? old.tenantsByID[id] { storefront.invalidate(tenant) }
            }
            for (id, tenant) in old.tenantsByID where new.tenantsByID[id] != tenant {
                storefront.invalidate(tenant)
                // Removed, or coming out of maintenance (a restore replaced its data): reopen fresh.
                if let current = new.tenantsByID[id], current.maintenanceSince == tenant.maintenanceSince { continue }
                databases.forget(id)
            }
        }
        let upstreams = TenantUpstreams(
            databases: databases, secrets: secrets,
            transport: configuration.upstreamTransport ?? UpstreamHTTP.transport,
            timeouts: UpstreamTimeouts(total: configuration.upstreamTimeout), logger: logger,
            allowSandbox: configuration.allowSandboxUpstreams, registry: cluster?.registry ?? platform
        )
        let accountFlows = AccountFlows(
            pages: pages, services: accountServices, throttle: throttle, emails: emails, mailQueue: mailQueue
        )
        let realm: @Sendable (Tenant) -> any AccountRealm = {
            TenantRealm(tenant: $0, databases: databases, storefront: storefront, registry: registry)
        }
        let billingRefresher = BillingRefresher(
            databases: databases, upstreams: upstreams,
            notices: BillingNotices(flows: accountFlows, realm: realm, queue: mailQueue, now: accountServices.now),
            logger: logger)
        let productSync = ProductSync(upstreams: upstreams, databases: databases, logger: logger)
        let orderQueue = OrderQueue(platform: platform)
        let archive = TenantArchive(platform: platform, dataDirectory: dataDirectory, secrets: secrets)
        let routing = cluster.flatMap { cluster in
            cluster.settings.proxy.map { proxy in
                ProxyRouting(
                    settings: proxy, tenants: registry, platformHost: configuration.platformHost, membership: cluster,
                    logger: logger)
            }
        }
        // A tenant that arrives here brings its queued orders and mail. Its jobs run once this node both holds it in
        // its copy of the registry and holds its lease; whichever of the two comes second wakes the queues (the
        // first finds the jobs still gated).
        cluster?.onLeasesAcquired { ids in
            for id in ids {
                orderQueue.notify(id)
                mailQueue.notify(.tenant(id))
            }
        }
        if let node = cluster?.settings.node {
            registry.onChange { old, new in
                for (id, holder) in new.assignments where holder == node && old.assignments[id] != node {
                    orderQueue.notify(id)
                    mailQueue.notify(.tenant(id))
                }
            }
        }
        let dependencies = PortalDependencies(
            configuration: configuration,
            dataDirectory: dataDirectory,
            platform: platform,
            registry: registry,
            databases: databases,
            assets: assets,
            pages: pages,
            pdfRenderer: PDFRenderer(executable: configuration.pdfTool),
            storefront: storefront,
            accountServices: accountServices,
            loginThrottle: throttle,
            accountFlows: accountFlows,
            platformRealm: PlatformRealm(
                platform: platform, host: configuration.platformHost, stylesheetURL: assets.url(for: "base.css")
            ),
            upstreams: upstreams,
            mailQueue: mailQueue,
            catalogueRules: try CatalogueRules(directory: configuration.assetsDirectory),
            orderQueue: orderQueue,
            billingRefresher: billingRefresher,
            customDomains: CustomDomains(
                platform: platform, baseDomain: configuration.baseDomain,
                writer: cluster ?? LocalRegistryWriter(platform: platform, registry: registry)),
            // Validated when the configuration was read; the system's resolver is an address by construction.
            dnsLookup: (try? DNSLookup(resolver: configuration.dnsResolver ?? DNSLookup.systemResolver())) ?? .loopback,
            archive: archive,
            backups: TenantBackups(
                platform: platform, dataDirectory: dataDirectory, secrets: secrets,
                retention: configuration.backupRetention, remote: configuration.backupRemote
            ),
            healthCollector: HealthCollector(
                platform: platform, registry: registry, dataDirectory: dataDirectory,
                interval: configuration.healthInterval ?? .seconds(600), unopenable: unopenable,
                claims: cluster?.registry, logger: logger
            ),
            productSync: productSync,
            orderSteps: OrderSteps(
                databases: databases, upstreams: upstreams, sync: productSync, flows: accountFlows, realm: realm,
                policy: configuration.pipelineRetry, now: accountServices.now, crashAfter: configuration.crashAfterStep,
                refresher: billingRefresher
            ),
            hostingSuspension: HostingSuspension(
                control: { try await upstreams.whm(for: $0) }, databases: databases, logger: logger
            ),
            cardPayments: CardPayments(
                databases: databases, upstreams: upstreams, queue: orderQueue, flows: accountFlows, realm: realm,
                refresh: { try await billingRefresher.refresh($0, in: $1) }, now: accountServices.now,
                crashAfter: configuration.crashAfterStep, logger: logger),
            readiness: Readiness(thresholds: configuration.readiness),
            unopenable: unopenable,
            cluster: cluster,
            mover: cluster.map { cluster in
                TenantMover(
                    membership: cluster, databases: databases, tenants: registry, archive: archive,
                    dataDirectory: dataDirectory, handoff: configuration.moveHandoff, grace: configuration.moveGrace,
                    afterFlip: { _ in _ = try? await routing?.sync() }, logger: logger)
            },
            routing: routing,
            registryWriter: cluster ?? LocalRegistryWriter(platform: platform, registry: registry),
            logger: logger
        )
        // In a cluster the console reads every brand's health and backups from the registry: this node sends its own.
        let reports = dependencies.tenantReports
        cluster?.reportBrands { try await BlockingIO.run { try reports.local() } }
        return dependencies
    }

    /// Every brand's health and backups, as the console shows them.
    package var tenantReports: TenantReports {
        TenantReports(platform: platform, backups: backups, registry: registry, cluster: cluster)
    }
}
