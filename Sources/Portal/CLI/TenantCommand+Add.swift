import ArgumentParser
import Cluster
import Foundation
import Logging
import Synchronization
import Tenancy

extension TenantCommand {
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Create a tenant: registry rows, folder and database, all or nothing; optionally mapped to WHMCS and WHM.",
            discussion: """
                The tenant answers on <slug>.<base domain> and on every --domain given; the first
                --domain is its primary domain (used in email links), else <slug>.<base domain> is.

                With --mode, the tenant is also mapped to its upstreams, exactly as the console's onboarding
                wizard does it, each step checked against WHMCS and WHM (the simulators in sandbox mode):
                --whmcs-group must be one of WHMCS's client groups; --reseller is an existing reseller with its
                own token, or with --new-reseller a reseller set up now with root's token (createacct,
                setupreseller, setresellernameservers with --nameserver). A failure at any step undoes the
                steps before it. Secrets are read from files and stored encrypted.

                Examples:
                  portal tenant add --slug acme --name "Acme Hosting" --domain portal.acme.example
                  portal tenant add --slug acme --name "Acme Hosting" --owner-email owner@acme.example \\
                    --mode live --whmcs-url https://billing.example.com --whmcs-identifier D4f… \\
                    --whmcs-secret-file whmcs.secret --whmcs-group 3 --whm-url https://server.example.com:2087 \\
                    --reseller acmeres --new-reseller --whm-token-file root.token \\
                    --nameserver ns1.acme.example --nameserver ns2.acme.example
                """
        )

        @OptionGroup var slug: SlugOption
        @Option(help: "The brand's display name, e.g. \"Acme Hosting\".") var name: String
        @Option(name: .customLong("domain"), help: "A custom domain for this tenant; repeat for more.")
        var domains: [String] = []
        @Option(name: .customLong("owner-email"), help: "Create the tenant's owner and print a one-time setup link.")
        var ownerEmail: String?
        @Option(help: "Map the tenant to its upstreams: sandbox (the loopback simulators) or live.") var mode: String?
        @Option(name: .customLong("whmcs-url"), help: "WHMCS root address.") var whmcsURL: String?
        @Option(name: .customLong("whmcs-identifier"), help: "WHMCS API credential identifier.") var whmcsIdentifier:
            String?
        @Option(name: .customLong("whmcs-secret-file"), help: "File holding the WHMCS API secret.") var whmcsSecretFile:
            String?
        @Option(
            name: .customLong("whmcs-group"), help: "The tenant's WHMCS client group id (checked with GetClientGroups)."
        )
        var whmcsGroup: Int?
        @Option(name: .customLong("whm-url"), help: "WHM address, e.g. https://server.example.com:2087.") var whmURL:
            String?
        @Option(help: "The tenant's WHM reseller user.") var reseller: String?
        @Flag(
            name: .customLong("new-reseller"),
            help: "Set the reseller up now with root's token instead of using an existing one.")
        var newReseller = false
        @Option(
            name: .customLong("reseller-domain"),
            help: "The new reseller's own account domain (default: the first --domain, else the platform address).")
        var resellerDomain: String?
        @Option(
            name: .customLong("whm-token-file"),
            help: "File holding the reseller's API token, or root's with --new-reseller.")
        var whmTokenFile: String?
        @Option(
            name: .customLong("nameserver"), help: "A nameserver of the brand; repeat (two or more for --new-reseller)."
        )
        var nameservers: [String] = []
        @Option(
            name: .customLong("master-key-file"),
            help: "The master key file (env: PORTAL_MASTER_KEY_FILE, default: <data dir>/master.key).")
        var masterKeyFile: String?
        @Option(help: "The brand's currency (ISO 4217, such as GBP, USD, JPY), checked against WHMCS's currencies.")
        var currency: String?
        @OptionGroup var data: DataOptions
        @OptionGroup var domain: DomainOptions
        @OptionGroup var registry: RegistryOptions
        @Option(
            name: .customLong("node"),
            help:
                "With --registry: the node whose data folder this is, which the new tenant is assigned to. (env: PORTAL_NODE)"
        )
        var node: String?

        func run() async throws {
            if let url = try registry.resolvedRegistry() { return try await addToCluster(url) }
            if mode != nil { return try await addMapped() }
            let upstreamFlags: [(String, Bool)] = [
                ("--whmcs-url", whmcsURL != nil), ("--whmcs-identifier", whmcsIdentifier != nil),
                ("--whmcs-secret-file", whmcsSecretFile != nil),
                ("--whmcs-group", whmcsGroup != nil), ("--whm-url", whmURL != nil), ("--reseller", reseller != nil),
                ("--new-reseller", newReseller),
                ("--reseller-domain", resellerDomain != nil), ("--whm-token-file", whmTokenFile != nil),
                ("--nameserver", !nameservers.isEmpty), ("--currency", currency != nil),
            ]
            if let flag = upstreamFlags.first(where: \.1) {
                throw ValidationError(
                    "\(flag.0) maps the tenant to its upstreams: give --mode sandbox or --mode live with it")
            }
            let onboarding = try TenantCLI.onboarding(data: data, domain: domain)
            defer { try? onboarding.platform.close() }
            try TenantCLI.refuseLocalChange(onboarding.platform)
            var setupToken: String?
            let tenant = try onboarding.addTenant(.init(slug: slug.slug, name: name, customDomains: domains)) {
                database, _ in
                if let ownerEmail {
                    setupToken = try database.pool.write { db in
                        try OwnerInvitation.create(in: db, kind: .staff, email: ownerEmail)
                    }
                }
            }
            try printCreated(tenant, platform: onboarding.platform, setupToken: setupToken)
        }

        /// The wizard's path: every step checked against the upstreams, rolled back on failure.
        /// The tenant is registered in the cluster's registry, assigned to `--node`, its folder made in this data
        /// folder; the node's server serves it as soon as its copy of the registry has it (a notification away).
        func addToCluster(_ url: RegistryURL) async throws {
            guard mode == nil else {
                throw ValidationError("--mode is not available with --registry yet; map the upstreams from the console")
            }
            guard let raw = node ?? Environment.value("PORTAL_NODE") else {
                throw ValidationError("--registry needs --node: the node whose data folder this is")
            }
            let nodeName: String
            do { nodeName = try ClusterNode.validateName(raw) } catch { throw CommandError(error.description) }
            let onboarding = try TenantCLI.onboarding(data: data, domain: domain)
            defer { try? onboarding.platform.close() }
            let logger = Logger(label: "portal") { _ in SwiftLogNoOpLogHandler() }
            let shared = PostgresRegistry(url: url, node: nodeName, logger: logger)
            let (ownerEmail, templates, slug) = (
                self.ownerEmail, onboarding.dataDirectory.templatesFolder, self.slug.slug
            )
            let setupToken = Mutex<String?>(nil)
            let tenant = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await shared.run() }
                defer { group.cancelAll() }
                do {
                    try await shared.migrate()
                    guard try await shared.nodes().contains(where: { $0.name == nodeName }) else {
                        throw TenancyError.unknownNode(nodeName)
                    }
                    return try await onboarding.register(
                        .init(slug: slug, name: name, customDomains: domains), writer: shared
                    ) { staging in
                        let database = try TenantDatabase.create(
                            path: staging.appendingPathComponent("tenant.sqlite").path,
                            slug: try TenantSlug(validating: slug), templates: templates)
                        defer { try? database.close() }
                        if let ownerEmail {
                            let token = try database.pool.write { db in
                                try OwnerInvitation.create(in: db, kind: .staff, email: ownerEmail)
                            }
                            setupToken.withLock { $0 = token }
                        }
                    }
                } catch let error as ClusterError {
                    throw CommandError(error.description)
                }
            }
            Console.line("Created tenant \(tenant.slug) (\(tenant.name)) on node \(nodeName) of \(url).")
            let host = tenant.slug.rawValue + "." + (try domain.resolvedBaseDomain())
            let primary = domains.first.flatMap { try? HostName.validateDomain($0) } ?? host
            Console.line("  primary  \(primary)")
            if let token = setupToken.withLock({ $0 }) {
                Console.line("Owner \(ownerEmail ?? ""): set a password within 30 minutes at")
                Console.line(
                    "  \(OwnerInvitation.link(host: primary, path: SignInPaths.staff.acceptInvite.link(), token: token))"
                )
            }
        }

        func addMapped() async throws {
            guard let mode = mode.flatMap(IntegrationSettings.Mode.init(rawValue:)) else {
                throw ValidationError("--mode is sandbox or live")
            }
            guard let ownerEmail else {
                throw ValidationError("--owner-email is required with --mode: the owner is invited")
            }
            var plan = OnboardingPlan()
            plan.slug = slug.slug
            plan.name = name
            plan.domains = domains
            plan.activateDomains = true
            plan.ownerEmail = ownerEmail
            plan.mode = mode
            plan.whmcsURL = whmcsURL ?? ""
            plan.whmcsIdentifier = whmcsIdentifier ?? ""
            plan.whmcsSecret = try UpstreamCLI.secret(fromFile: whmcsSecretFile, flag: "--whmcs-secret-file") ?? ""
            plan.whmcsGroupID = whmcsGroup
            plan.whmURL = whmURL ?? ""
            plan.reseller = newReseller ? .new : .existing
            plan.resellerUser = reseller ?? ""
            plan.resellerDomain = resellerDomain ?? ""
            plan.whmToken = try UpstreamCLI.secret(fromFile: whmTokenFile, flag: "--whm-token-file") ?? ""
            plan.nameservers = nameservers
            plan.currency = currency ?? "GBP"

            let logger = Logger(label: "portal") { _ in SwiftLogNoOpLogHandler() }
            let cli = try UpstreamCLI(data: data, masterKeyFile: masterKeyFile, logger: logger)
            let provisioner = TenantProvisioner(
                onboarding: TenantOnboarding(
                    platform: cli.platform, dataDirectory: DataDirectory(path: data.resolvedDataDir),
                    baseDomain: try domain.resolvedBaseDomain()
                ),
                upstreams: cli.upstreams, databases: cli.databases, sandbox: nil, logger: logger
            )
            let setupToken = Mutex<String?>(nil)
            let databases = cli.databases
            let outcome: Result<TenantProvisioner.Created, OnboardingFailure>
            do {
                outcome = .success(
                    try await provisioner.create(plan) { tenant, email in
                        let token = try await databases.withDatabase(for: tenant) { database in
                            try await database.pool.write { db in
                                try OwnerInvitation.create(in: db, kind: .staff, email: email)
                            }
                        }
                        setupToken.withLock { $0 = token }
                    }
                )
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let created):
                for step in created.steps { Console.line("  done: \(step)") }
                let printed = Result {
                    try printCreated(created.tenant, platform: cli.platform, setupToken: setupToken.withLock { $0 })
                }
                await cli.close()
                try printed.get()
            case .failure(let failure):
                await cli.close()
                throw CommandError(failure.description)
            }
        }

        func printCreated(_ tenant: Tenant, platform: PlatformDatabase, setupToken: String?) throws {
            Console.line("Created tenant \(tenant.slug) (\(tenant.name)).")
            let domains = try platform.domains(of: tenant.id)
            for domain in domains {
                Console.line("  \(domain.isPrimary ? "primary " : "        ") \(domain.hostname)")
            }
            if let setupToken, let primary = domains.first(where: \.isPrimary) {
                Console.line("Owner \(ownerEmail ?? ""): set a password within 30 minutes at")
                Console.line(
                    "  \(OwnerInvitation.link(host: primary.hostname, path: SignInPaths.staff.acceptInvite.link(), token: setupToken))"
                )
            }
        }
    }
}
