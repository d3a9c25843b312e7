import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Where the simulators listen and which credentials they accept.
package struct SandboxConfiguration: Sendable {
    package var host = "127.0.0.1"
    /// 0 picks a free port (tests).
    package var whmcsPort = 9001
    package var whmPort = 9002
    package var twentyIPort = 9003
    package var sslStorePort = 9004
    package var stripePort = 9005
    package var directory: String
    /// Credentials to accept; generated once and stored when not given.
    package var whmcsIdentifier: String?
    package var whmcsSecret: String?
    package var whmUser: String?
    package var whmToken: String?
    package var whmcsFaults = FaultSettings()
    package var whmFaults = FaultSettings()
    package var twentyIFaults = FaultSettings()
    package var sslStoreFaults = FaultSettings()
    package var stripeFaults = FaultSettings()
    /// Webhook delivery attempts per Stripe event and the first gap between them.
    package var stripeDeliveryAttempts = 6
    package var stripeRetryDelay: Duration = .seconds(2)
    /// What each cloud server size has at each provider: the 20i simulator builds servers to it.
    package var cloudSizes = CloudSizes.none

    /// Whether WHMCS charges a stored card the moment an invoice is made (as its cron does for clients with a card
    /// on file), so invoices are paid without anyone paying by hand. Off in the demo, where customers pay.
    package var autoCapture = false
    /// A tax rule for WHMCS invoices: the rate in percent (`"20.00"`) and whether prices include it; nil for none.
    package var tax: (rate: String, inclusive: Bool)?

    package init(directory: String) {
        self.directory = directory
    }
}

/// The credentials a portal (or a person) uses against the simulators.
package struct SandboxCredentials: Sendable, Equatable {
    package var whmcsIdentifier: String
    package var whmcsSecret: String
    /// A reseller and its token; every tenant provisioned through `provisionTenant` gets its own instead.
    package var whmUser: String
    package var whmToken: String
    /// Root's token: sets up new resellers (the onboarding wizard).
    package var whmRootToken: String
    /// The 20i General API key the simulator accepts.
    package var twentyIKey: String
    /// TheSSLStore partner code and auth token.
    package var sslStorePartnerCode: String
    package var sslStoreAuthToken: String
}

/// What `provisionTenant` set up for one brand: its WHMCS client group and its own WHM reseller.
package struct SandboxTenant: Sendable, Equatable {
    package var clientGroupID: Int
    /// The WHMCS product group the brand's catalogue is synced into.
    package var productGroupID: Int
    package var reseller: String
    package var resellerToken: String
}

/// The WHMCS and WHM simulators with their shared database and fault injectors.
package final class Sandbox: Sendable {
    package let configuration: SandboxConfiguration
    package let store: SandboxStore
    package let whmcs: WHMCSSimulator
    package let whm: WHMSimulator
    package let twentyI: TwentyISimulator
    package let sslStore: SSLStoreSimulator
    package let stripe: StripeSimulator
    package let whmcsFaults: FaultInjector
    package let whmFaults: FaultInjector
    package let twentyIFaults: FaultInjector
    package let sslStoreFaults: FaultInjector
    package let stripeFaults: FaultInjector
    package let credentials: SandboxCredentials

    package init(_ configuration: SandboxConfiguration, now: @escaping @Sendable () -> Date = { Date() }) async throws {
        self.configuration = configuration
        store = try SandboxStore(directory: configuration.directory)
        whmcs = WHMCSSimulator(store: store, now: now)
        whm = WHMSimulator(store: store, now: now)
        twentyI = TwentyISimulator(store: store, cloudSizes: configuration.cloudSizes, now: now)
        sslStore = try SSLStoreSimulator(store: store, now: now)
        stripe = StripeSimulator(
            store: store, deliveryAttempts: configuration.stripeDeliveryAttempts,
            retryDelay: configuration.stripeRetryDelay, now: now)
        whmcsFaults = FaultInjector(configuration.whmcsFaults)
        whmFaults = FaultInjector(configuration.whmFaults)
        twentyIFaults = FaultInjector(configuration.twentyIFaults)
        sslStoreFaults = FaultInjector(configuration.sslStoreFaults)
        stripeFaults = FaultInjector(configuration.stripeFaults)
        let identifier =
            try configuration.whmcsIdentifier ?? store.setting("whmcs.identifier", default: WHMCSAction.randomToken(32))
        let secret =
            try configuration.whmcsSecret ?? store.setting("whmcs.secret", default: WHMCSAction.randomToken(32))
        let user = try configuration.whmUser ?? store.setting("whm.user", default: "reseller")
        let token =
            try configuration.whmToken
            ?? store.setting(
                "whm.token", default: WHMCSAction.randomToken(32, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            )
        if let problem = CPanelUsername.refusal(user) { throw SandboxError.invalidUser(user, problem) }
        let rootToken = try store.setting(
            "whm.root-token", default: WHMCSAction.randomToken(32, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
        let twentyIKey = try store.setting(
            "twentyi.key", default: WHMCSAction.randomToken(24, alphabet: "abcdef0123456789"))
        let partnerCode = try store.setting(
            "sslstore.partner", default: "SB" + WHMCSAction.randomToken(8, alphabet: "0123456789"))
        let partnerToken = try store.setting(
            "sslstore.token", default: WHMCSAction.randomToken(32, alphabet: "abcdef0123456789"))
        credentials = SandboxCredentials(
            whmcsIdentifier: identifier, whmcsSecret: secret, whmUser: user, whmToken: token, whmRootToken: rootToken,
            twentyIKey: twentyIKey,
            sslStorePartnerCode: partnerCode, sslStoreAuthToken: partnerToken
        )
        try store.setSetting("whmcs.autocapture", to: configuration.autoCapture ? "1" : "0")
        try store.setSetting("whmcs.tax.rate", to: configuration.tax?.rate ?? "")
        try store.setSetting("whmcs.tax.inclusive", to: configuration.tax?.inclusive == true ? "1" : "0")
        try await twentyI.addKey(twentyIKey)
        try await sslStore.addPartner(code: partnerCode, token: partnerToken)
        try await whmcs.addCredential(identifier: identifier, secret: secret)
        try await whm.ensureReseller(user)
        try await whm.addToken(user: user, token: token)
        try await whm.addToken(user: "root", token: rootToken)
    }

    /// Turns WHMCS's stored-card charging of new invoices on or off (see `SandboxConfiguration.autoCapture`).
    package func setAutoCapture(_ on: Bool) throws {
        try store.setSetting("whmcs.autocapture", to: on ? "1" : "0")
    }

    /// Sets WHMCS's one tax rule: `rate` percent, included in prices or added; nil removes it.
    package func setTax(rate: String?, inclusive: Bool = false) throws {
        try store.setSetting("whmcs.tax.rate", to: rate ?? "")
        try store.setSetting("whmcs.tax.inclusive", to: inclusive ? "1" : "0")
    }

    /// A client group and a reseller (with its own token) for one brand; calling it again returns the same.
    package func provisionTenant(slug: String, name: String) async throws -> SandboxTenant {
        let group = try await whmcs.ensureClientGroup(slug: slug, name: name)
        let productGroup = try await whmcs.ensureProductGroup(slug: slug, name: "\(name) products")
        let reseller = Self.resellerName(for: slug)
        try await whm.ensureReseller(reseller)
        let token = try store.setting(
            "whm.token.\(reseller)",
            default: WHMCSAction.randomToken(32, alphabet: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
        try await whm.addToken(user: reseller, token: token)
        return SandboxTenant(
            clientGroupID: group, productGroupID: productGroup, reseller: reseller, resellerToken: token)
    }

    /// `r` + the slug when it is a valid cPanel name as is; otherwise (hyphens, too long) a shortened form with a
    /// stable hash of the whole slug, so `acme-hosting` and `acmehosting` never share a reseller.
    static func resellerName(for slug: String) -> String {
        let letters = slug.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        if letters == slug, letters.count <= 15 { return "r" + letters }
        var hash: UInt32 = 2_166_136_261
        for byte in slug.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return "r" + letters.prefix(9) + String(hash % 1_000_000, radix: 10).leftPadded(to: 6)
    }

    /// How many simulators `services` runs: WHMCS, WHM, 20i, TheSSLStore and Stripe.
    package static let simulatorCount = 5

    /// Every simulator's HTTP server as a Service; `onRunning` learns each one's name (`whmcs`, `whm`, `20i`,
    /// `sslstore`, `stripe`) and bound port (useful with port 0).
    package func services(
        logger: Logger, onRunning: @escaping @Sendable (_ simulator: String, _ port: Int) async -> Void = { _, _ in }
    ) -> [any Service] {
        func server(
            _ name: String, port: Int, faults: FaultInjector, address: SimulatorAddress,
            routes: @escaping (Router<SandboxRequestContext>) -> Void
        ) -> any Service {
            SimulatorServer.application(
                host: configuration.host, port: port, injector: faults, logger: logger, routes: routes,
                onServerRunning: { [configuration] port in
                    address.set(host: configuration.host, port: port)
                    await onRunning(name, port)
                }
            )
        }
        return [
            server("whmcs", port: configuration.whmcsPort, faults: whmcsFaults, address: whmcs.address) { [whmcs] in
                whmcs.addRoutes(to: $0)
            },
            server("whm", port: configuration.whmPort, faults: whmFaults, address: whm.address) { [whm] in
                whm.addRoutes(to: $0)
            },
            server("20i", port: configuration.twentyIPort, faults: twentyIFaults, address: twentyI.address) {
                [twentyI] in twentyI.addRoutes(to: $0)
            },
            server("sslstore", port: configuration.sslStorePort, faults: sslStoreFaults, address: sslStore.address) {
                [sslStore] in sslStore.addRoutes(to: $0)
            },
            server("stripe", port: configuration.stripePort, faults: stripeFaults, address: stripe.address) {
                [stripe] in stripe.addRoutes(to: $0)
            },
        ]
    }
}

package enum SandboxError: Error, CustomStringConvertible {
    case invalidUser(String, String)

    package var description: String {
        switch self {
        case .invalidUser(let user, let problem): "the WHM user name \"\(user)\" \(problem)"
        }
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
