import ArgumentParser
import Foundation
import Integrations
import Logging
import Sandbox
import ServiceLifecycle
import Synchronization
import Tenancy

/// `portal demo`: creates the two demo brands if they are missing, then serves.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create the demo tenants (Acme Hosting, Globex Web) if missing, then serve.",
        discussion: """
            Accepts the same options as `serve`. Existing tenants are left as they are. The WHMCS and WHM
            simulators start in the same process (state in <data dir>/_sandbox) and the demo brands are pointed
            at them, each with its own client group and reseller, unless an owner switched a brand to live.

            Example:
              portal demo --port 8080 --data-dir ./tenants
            """
    )

    @OptionGroup var server: ServerOptions
    @Option(
        name: .customLong("sandbox-whmcs-port"), help: "Port of the in-process WHMCS simulator (0 picks a free one).")
    var sandboxWHMCSPort = 0
    @Option(name: .customLong("sandbox-whm-port"), help: "Port of the in-process WHM simulator (0 picks a free one).")
    var sandboxWHMPort = 0

    func run() async throws {
        let configuration = try {
            var configuration = try server.configuration()
            configuration.showMailbox = true
            configuration.allowSandboxUpstreams = true
            return configuration
        }()
        let logger = Bootstrap.logger(level: try server.resolvedLogLevel(), format: try server.resolvedLogFormat())
        let dataDirectory = DataDirectory(path: configuration.dataDirectory)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        let onboarding = TenantOnboarding(
            platform: platform,
            dataDirectory: dataDirectory,
            baseDomain: configuration.baseDomain
        )
        let demo = try DemoTenants(assetsDirectory: configuration.assetsDirectory, dataDirectory: dataDirectory)
        let hasher = try PasswordHasher(parameters: configuration.passwordParameters)
        for created in try await demo.createMissing(using: onboarding, hasher: hasher) {
            Console.line("created demo tenant \(created.slug) (\(created.name))")
        }
        if try await DemoTenants.createPlatformUser(in: platform, hasher: hasher) {
            Console.line("created demo platform user \(DemoTenants.platformLogin.email)")
        }
        try platform.close()

        var sandboxConfiguration = SandboxConfiguration(
            directory: dataDirectory.root.appendingPathComponent("_sandbox").path)
        sandboxConfiguration.whmcsPort = sandboxWHMCSPort
        sandboxConfiguration.whmPort = sandboxWHMPort
        sandboxConfiguration.twentyIPort = 0
        sandboxConfiguration.sslStorePort = 0
        sandboxConfiguration.stripePort = 0
        sandboxConfiguration.cloudSizes = try CloudSizes.load(
            path: configuration.assetsDirectory + "/catalogue/resource-map.json")
        let sandbox = try await Sandbox(sandboxConfiguration)
        let ports = Mutex<[String: Int]>([:])
        let (bound, bindings) = AsyncStream.makeStream(of: Void.self)
        let sandboxGroup = ServiceGroup(
            services: sandbox.services(logger: logger) { name, port in
                if ports.withLock({
                    $0[name] = port; return $0.count
                }) == Sandbox.simulatorCount {
                    bindings.finish()
                }
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                // Ends the wait below even when a simulator cannot bind, so the error surfaces instead of a hang.
                defer { bindings.finish() }
                try await sandboxGroup.run()
            }
            for await _ in bound {}
            guard ports.withLock({ $0.count }) == Sandbox.simulatorCount else {
                try await tasks.waitForAll()
                throw CommandError("the sandbox simulators did not start; see the log above")
            }
            let urls = ports.withLock { ports in
                (
                    whmcs: "http://127.0.0.1:\(ports["whmcs"] ?? 0)", whm: "http://127.0.0.1:\(ports["whm"] ?? 0)",
                    twentyI: "http://127.0.0.1:\(ports["20i"] ?? 0)",
                    sslStore: "http://127.0.0.1:\(ports["sslstore"] ?? 0)",
                    stripe: "http://127.0.0.1:\(ports["stripe"] ?? 0)"
                )
            }
            try await connectDemoTenants(to: sandbox, urls: urls, configuration: configuration)
            var configuration = configuration
            // A client group no brand uses yet, for a new brand onboarded in the console.
            _ = try await sandbox.whmcs.ensureClientGroup(slug: "new-brand", name: "New brand (sandbox)")
            // The console's onboarding wizard fills these in for sandbox brands.
            configuration.sandboxUpstreams = SandboxUpstreams(
                whmcsURL: urls.whmcs, whmcsIdentifier: sandbox.credentials.whmcsIdentifier,
                whmcsSecret: sandbox.credentials.whmcsSecret,
                whmURL: urls.whm, whmRootToken: sandbox.credentials.whmRootToken
            )
            try await serve(configuration, logger: logger, sandboxURLs: urls, sandbox: sandbox)
            await sandboxGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Points each demo brand still in sandbox mode at the simulators, with its own group and reseller.
    private func connectDemoTenants(
        to sandbox: Sandbox,
        urls: (whmcs: String, whm: String, twentyI: String, sslStore: String, stripe: String),
        configuration: PortalConfiguration
    ) async throws {
        let dataDirectory = DataDirectory(path: configuration.dataDirectory)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        let databases = TenantDatabases(dataDirectory: dataDirectory, maximumOpen: 4, logger: Logger(label: "demo"))
        let keyFile = configuration.masterKeyFile ?? dataDirectory.root.appendingPathComponent("master.key").path
        let upstreams = TenantUpstreams(
            databases: databases, secrets: try SecretBox.loadOrCreate(path: keyFile), logger: Logger(label: "demo"),
            allowSandbox: true, registry: platform
        )
        for definition in DemoTenants.definitions {
            guard let tenant = try platform.tenant(slug: TenantSlug(validating: definition.slug)),
                try await upstreams.settings(of: tenant).mode == .sandbox
            else { continue }
            let setup = try await sandbox.provisionTenant(slug: definition.slug, name: tenant.name)
            var input = IntegrationSettingsInput()
            input.mode = "sandbox"
            input.whmcsURL = urls.whmcs
            input.whmcsIdentifier = sandbox.credentials.whmcsIdentifier
            input.whmcsSecret = sandbox.credentials.whmcsSecret
            input.whmcsGroup = String(setup.clientGroupID)
            input.whmURL = urls.whm
            input.whmUser = setup.reseller
            input.whmToken = setup.resellerToken
            input.twentyIURL = urls.twentyI
            input.twentyIKey = sandbox.credentials.twentyIKey
            input.sslStoreURL = urls.sslStore
            input.sslStorePartner = sandbox.credentials.sslStorePartnerCode
            input.sslStoreToken = sandbox.credentials.sslStoreAuthToken
            let errors = try await upstreams.update(tenant, with: input, actor: nil, ip: "demo")
            if !errors.isEmpty {
                throw CommandError("demo tenant \(definition.slug): \(errors.values.sorted().joined(separator: "; "))")
            }
            try await databases.withDatabase(for: tenant) { database in
                try await database.accounts.setSettings(
                    [(ProductSync.productGroupKey, String(setup.productGroupID))], audit: "catalogue.settings_updated",
                    actor: nil,
                    detail: "sandbox product group \(setup.productGroupID)", ip: "demo"
                )
            }
        }
        await databases.closeAll()
        try platform.close()
    }

    /// Gives each demo brand in sandbox mode its own account on the Stripe simulator, whose events go to the
    /// brand's own host on the port the portal bound. A brand connected before keeps its keys.
    private func connectStripe(
        _ sandbox: Sandbox, stripeURL: String, port: Int, configuration: PortalConfiguration,
        dependencies: PortalDependencies
    ) async {
        for definition in DemoTenants.definitions {
            do {
                guard
                    let tenant = dependencies.registry.snapshot.tenantsByID.values.first(where: {
                        $0.slug.rawValue == definition.slug
                    }), try await dependencies.upstreams.settings(of: tenant).mode == .sandbox
                else { continue }
                let host = "\(definition.slug).\(configuration.baseDomain)"
                let account = try await sandbox.stripe.ensureAccount(
                    definition.slug, webhookURL: "http://\(host):\(port)/webhooks/stripe")
                try await DemoTenants.connectStripe(
                    tenant, account: account, baseURL: stripeURL, dependencies: dependencies)
            } catch {
                Console.line("could not connect demo tenant \(definition.slug) to the Stripe simulator: \(error)")
            }
        }
    }

    private func serve(
        _ configuration: PortalConfiguration, logger: Logger,
        sandboxURLs: (whmcs: String, whm: String, twentyI: String, sslStore: String, stripe: String),
        sandbox: Sandbox
    ) async throws {
        try await Bootstrap.serve(configuration, logger: logger) { port, dependencies in
            await connectStripe(
                sandbox, stripeURL: sandboxURLs.stripe, port: port, configuration: configuration,
                dependencies: dependencies)
            let snapshot = dependencies.registry.snapshot
            Console.line("")
            Console.line("Portal demo is running. Open:")
            for tenant in snapshot.tenantsByID.values.sorted(by: { $0.slug.rawValue < $1.slug.rawValue }) {
                let host = "\(tenant.slug).\(configuration.baseDomain)"
                let note = tenant.status == .active ? "" : "  (\(tenant.status.rawValue))"
                Console.line(
                    "  \(tenant.name.padding(toLength: 16, withPad: " ", startingAt: 0))  http://\(host):\(port)/\(note)"
                )
            }
            Console.line(
                "  \("Platform console".padding(toLength: 16, withPad: " ", startingAt: 0))  "
                    + "http://\(configuration.platformHost):\(port)/")
            Console.line("  Health            http://\(configuration.host):\(port)/health")
            Console.line("")
            Console.line("Demo sign-ins (as created; change them on the Security page):")
            for definition in DemoTenants.definitions {
                for login in DemoTenants.logins(for: definition.slug) {
                    let url = "http://\(definition.slug).\(configuration.baseDomain):\(port)\(login.path)"
                    Console.line(
                        "  \(login.role.padding(toLength: 8, withPad: " ", startingAt: 0))  \(login.email)  "
                            + "\(login.password)  \(url)")
                }
            }
            let console = DemoTenants.platformLogin
            Console.line(
                "  \("platform".padding(toLength: 8, withPad: " ", startingAt: 0))  \(console.email)  "
                    + "\(console.password)  http://\(configuration.platformHost):\(port)\(console.path)"
                    + "  (onboard a new brand there)")
            Console.line("Staff can read every email the demo would send at /admin/mailbox.")
            Console.line(
                "Sandbox upstreams: WHMCS \(sandboxURLs.whmcs)  WHM \(sandboxURLs.whm)  20i \(sandboxURLs.twentyI)  "
                    + "TheSSLStore \(sandboxURLs.sslStore)  Stripe \(sandboxURLs.stripe)")
            Console.line(
                "  Pay demo invoices with test card 4242 4242 4242 4242 (any future expiry, any CVC); "
                    + "4000 0000 0000 0002 is declined.")
            Console.line("  (each brand's connection is on /admin/integrations; owners can test it there)")
            Console.line("Press Ctrl-C to stop.")
            Console.line("")
        }
    }
}
