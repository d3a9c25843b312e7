import ArgumentParser
import Foundation
import Integrations
import Logging
import Sandbox
import ServiceLifecycle
import Synchronization

/// `portal sandbox`: the WHMCS and WHM simulators, standalone.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Run the WHMCS, WHM, 20i, TheSSLStore and Stripe simulators on loopback and print the credentials to use.",
        discussion: """
            The simulators speak the real wire formats (WHMCS /includes/api.php, WHM /json-api/…) and keep
            their state in DIR/sandbox.sqlite, so data survives restarts. Credentials are generated on first
            start and kept, unless given. Faults can be injected with the flags below, or at run time:
              curl -d mode=timeout -d count=1 http://127.0.0.1:9001/__sandbox/faults
            (modes: none, http500, reset, timeout, commit-then-timeout; also latency_ms, after)

            Example:
              portal sandbox --whmcs-port 9001 --whm-port 9002 --twentyi-port 9003 --sslstore-port 9004 --stripe-port 9005 --data-dir ./sandbox --brand acme
            """
    )

    @Option(help: "Address to listen on; loopback only.") var host = "127.0.0.1"
    @Option(name: .customLong("whmcs-port"), help: "WHMCS simulator port.") var whmcsPort = 9001
    @Option(name: .customLong("whm-port"), help: "WHM simulator port.") var whmPort = 9002
    @Option(name: .customLong("twentyi-port"), help: "20i simulator port.") var twentyIPort = 9003
    @Option(name: .customLong("sslstore-port"), help: "TheSSLStore simulator port.") var sslStorePort = 9004
    @Option(name: .customLong("stripe-port"), help: "Stripe simulator port.") var stripePort = 9005
    @Option(
        name: .customLong("stripe-webhook"),
        help:
            "Where each --brand's Stripe events go, with {brand} for its slug (e.g. http://{brand}.localhost:8080/webhooks/stripe)."
    )
    var stripeWebhook: String?
    @Option(name: .customLong("data-dir"), help: "Folder for sandbox.sqlite.") var dataDir = "./sandbox"
    @Option(
        name: .customLong("whmcs-identifier"), help: "Accept this WHMCS API identifier instead of the generated one.")
    var whmcsIdentifier: String?
    @Option(name: .customLong("whmcs-secret"), help: "Accept this WHMCS API secret (sandbox only).") var whmcsSecret:
        String?
    @Option(name: .customLong("whm-user"), help: "A reseller to create, with --whm-token.") var whmUser: String?
    @Option(name: .customLong("whm-token"), help: "That reseller's API token (sandbox only).") var whmToken: String?
    @Option(
        name: .customLong("brand"), help: "Create a client group and a reseller for this tenant slug; repeat for more.")
    var brands: [String] = []
    @Option(
        name: .customLong("whmcs-fault"),
        help: "Start WHMCS with a fault: http500, reset, timeout, commit-then-timeout.")
    var whmcsFault: String?
    @Option(name: .customLong("whm-fault"), help: "Start WHM with a fault.") var whmFault: String?
    @Option(name: .customLong("latency-ms"), help: "Added latency for every call to both simulators.")
    var latencyMilliseconds = 0

    func validate() throws {
        guard host == "127.0.0.1" || host == "::1" || host == "localhost" else {
            throw ValidationError("--host must be a loopback address: the simulators accept test credentials")
        }
        for (flag, value) in [("--whmcs-fault", whmcsFault), ("--whm-fault", whmFault)] {
            if let value, FaultMode(rawValue: value) == nil {
                throw ValidationError(
                    "\(flag) must be one of: \(FaultMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        guard (0...600_000).contains(latencyMilliseconds) else {
            throw ValidationError("--latency-ms must be 0 to 600000")
        }
        guard (whmUser == nil) == (whmToken == nil) else {
            throw ValidationError("give --whm-user and --whm-token together")
        }
    }

    func run() async throws {
        var configuration = SandboxConfiguration(directory: dataDir)
        configuration.host = host
        configuration.whmcsPort = whmcsPort
        configuration.whmPort = whmPort
        configuration.twentyIPort = twentyIPort
        configuration.sslStorePort = sslStorePort
        configuration.stripePort = stripePort
        // The 20i simulator builds cloud servers to the portal's resource map.
        let assets = Environment.value("PORTAL_ASSETS_DIR") ?? "assets"
        if let sizes = try? CloudSizes.load(path: assets + "/catalogue/resource-map.json") {
            configuration.cloudSizes = sizes
        }
        configuration.whmcsIdentifier = whmcsIdentifier
        configuration.whmcsSecret = whmcsSecret
        configuration.whmUser = whmUser
        configuration.whmToken = whmToken
        configuration.whmcsFaults = FaultSettings(
            mode: whmcsFault.flatMap(FaultMode.init) ?? .none, latencyMilliseconds: latencyMilliseconds)
        configuration.whmFaults = FaultSettings(
            mode: whmFault.flatMap(FaultMode.init) ?? .none, latencyMilliseconds: latencyMilliseconds)
        let sandbox: Sandbox
        do {
            sandbox = try await Sandbox(configuration)
        } catch let error as SandboxError {
            throw CommandError(error.description)
        }
        var brandSetups: [(String, SandboxTenant)] = []
        var stripeAccounts: [(String, StripeSimulator.Account)] = []
        for brand in brands {
            brandSetups.append((brand, try await sandbox.provisionTenant(slug: brand, name: brand)))
            let webhook = stripeWebhook?.replacingOccurrences(of: "{brand}", with: brand) ?? ""
            stripeAccounts.append((brand, try await sandbox.stripe.ensureAccount(brand, webhookURL: webhook)))
        }
        let stripeKeys = stripeAccounts
        let provisioned = brandSetups
        let logger = Bootstrap.logger(level: .notice)
        let credentials = sandbox.credentials
        let hostForURL = host.contains(":") ? "[\(host)]" : host
        let announced = Mutex(0)
        let announce: @Sendable (String, Int) -> Void = { name, port in
            let label =
                ["whmcs": "WHMCS", "whm": "WHM  ", "20i": "20i  ", "sslstore": "TheSSLStore", "stripe": "Stripe"][name]
                ?? name
            Console.line("\(label) simulator  http://\(hostForURL):\(port)")
            guard
                announced.withLock({
                    $0 += 1; return $0
                }) == Sandbox.simulatorCount
            else { return }
            Console.line("")
            Console.line("WHMCS API identifier  \(credentials.whmcsIdentifier)")
            Console.line("WHMCS API secret      \(credentials.whmcsSecret)")
            Console.line("WHM reseller          \(credentials.whmUser)")
            Console.line("WHM API token         \(credentials.whmToken)")
            Console.line("WHM root token        \(credentials.whmRootToken)  (sets up new resellers)")
            Console.line("20i general API key   \(credentials.twentyIKey)")
            Console.line("TheSSLStore partner   \(credentials.sslStorePartnerCode)")
            Console.line("TheSSLStore token     \(credentials.sslStoreAuthToken)")
            for (brand, tenant) in provisioned {
                Console.line(
                    "Brand \(brand): client group \(tenant.clientGroupID), reseller \(tenant.reseller), token \(tenant.resellerToken)"
                )
            }
            for (brand, keys) in stripeKeys {
                Console.line(
                    "Brand \(brand) Stripe: secret \(keys.secretKey), publishable \(keys.publishableKey), "
                        + "webhook secret \(keys.webhookSecret)")
            }
            Console.line("State is kept in \(dataDir)/sandbox.sqlite. Press Ctrl-C to stop.")
        }
        let group = ServiceGroup(
            services: sandbox.services(logger: logger) { name, port in announce(name, port) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}
