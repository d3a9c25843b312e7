import Foundation
import GRDB
import HummingbirdTesting
import Sandbox
import Tenancy
import Testing

@testable import Portal

/// Each fault at each upstream call the pipeline makes: the order still ends active with exactly one WHMCS client,
/// one WHMCS order, one WHM account and one activation email.
@Suite("Order pipeline under upstream faults")
struct PipelineFaultTests {
    /// A new customer's hosting order, counted in requests as the simulators see them (the client, the order and its
    /// baseline, the invoice (paid by WHMCS's stored-card capture), acceptance, the billing copy's refresh; WHM's packages, nameservers,
    /// account look-up and creation). `cleanOrder` checks these against a clean run, so a change in the pipeline's
    /// calls fails there, never by a fault quietly missing its call (the old matrix covered only 8 and 4 of them).
    static let whmcsCalls = 11
    static let whmCalls = 5

    static func configure(_ configuration: inout PortalConfiguration) {
        OrderPipelineTests.fast(&configuration)
        // Short enough that a timeout fault costs little, long enough for a loaded two-core machine's good answers.
        configuration.upstreamTimeout = .seconds(3)
    }

    /// The sandbox and portal with acme connected and its products in WHMCS, breakers closed.
    static func withShop(
        _ body: @escaping @Sendable (Sandbox, any TestClientProtocol, PortalDependencies, Tenant) async throws -> Void
    ) async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.configure) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let tenant = try dependencies.registryTenant("acme")
                let entries = try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.catalogue.entries()
                }
                let sync = await dependencies.productSync.run(
                    .upsert, entries, tenant: tenant, via: "test", blockType: "")
                try #require(sync.success, "the catalogue could not be pushed to WHMCS: \(sync)")
                dependencies.upstreams.resetBreakers(tenant)
                try await body(sandbox, client, dependencies, tenant)
            }
        }
    }

    /// How many activation emails the brand queued for one customer.
    static func activationMails(to email: String, _ dependencies: PortalDependencies, _ tenant: Tenant) async throws
        -> Int
    {
        try await dependencies.databases.withDatabase(for: tenant) { database in
            try await database.pool.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM mail_outbox WHERE to_address = ? AND kind = 'service_activated'",
                    arguments: [email]
                ) ?? 0
            }
        }
    }

    @Test("a clean order makes exactly the calls the fault matrix covers, and one activation email")
    func cleanOrder() async throws {
        try await Self.withShop { sandbox, client, dependencies, tenant in
            let (browser, _) = try await Commerce.customer(client, dependencies, email: "clean@example.com")
            let (whmcsBefore, whmBefore) = (sandbox.whmcsFaults.requests, sandbox.whmFaults.requests)
            let id = try await Commerce.order(browser, domain: "clean.example")
            try await Commerce.wait(for: id, dependencies, until: .active, seconds: 60)
            #expect(sandbox.whmcsFaults.requests - whmcsBefore == Self.whmcsCalls)
            #expect(sandbox.whmFaults.requests - whmBefore == Self.whmCalls)
            #expect(try await Self.activationMails(to: "clean@example.com", dependencies, tenant) == 1)
        }
    }

    enum Target: String, CaseIterable, Sendable {
        case whmcs, whm
    }

    @Test(
        "a fault at every WHMCS and WHM call of the pipeline is survived exactly once",
        arguments: [FaultMode.http500, .reset, .timeout, .commitThenTimeout], Target.allCases
    )
    func faultAtEachCall(mode: FaultMode, target: Target) async throws {
        try await Self.withShop { sandbox, client, dependencies, tenant in
            let injector = target == .whmcs ? sandbox.whmcsFaults : sandbox.whmFaults
            for position in 0..<(target == .whmcs ? Self.whmcsCalls : Self.whmCalls) {
                let label = "\(mode) at \(target) call \(position)"
                let email = "\(target)-\(position)-\(mode.rawValue)@example.com"
                let domain = "\(target)\(position)-\(mode.rawValue).example"
                let (browser, _) = try await Commerce.customer(client, dependencies, email: email)
                injector.set(mode, count: 1, after: position)
                let id = try await Commerce.order(browser, domain: domain)
                let order = try await Commerce.wait(for: id, dependencies, until: .active, seconds: 60)
                #expect(injector.settings.mode == FaultMode.none, "\(label): the fault never fired")
                injector.clear()
                dependencies.upstreams.resetBreakers(tenant)
                let upstream = try await Commerce.upstream(sandbox, email: email, domain: domain)
                #expect(
                    upstream.clients == 1 && upstream.orders == 1 && upstream.accounts == 1,
                    "\(label): \(upstream), order \(order.status)"
                )
                #expect(try await Self.activationMails(to: email, dependencies, tenant) == 1, "\(label)")
            }
        }
    }

    @Test("slow upstreams (latency on every call) still complete the order once")
    func latency() async throws {
        try await Self.withShop { sandbox, client, dependencies, _ in
            sandbox.whmcsFaults.set(.none, latencyMilliseconds: 150)
            sandbox.whmFaults.set(.none, latencyMilliseconds: 150)
            let (browser, _) = try await Commerce.customer(client, dependencies, email: "slow@example.com")
            let id = try await Commerce.order(browser, domain: "slow.example")
            try await Commerce.wait(for: id, dependencies, until: .active, seconds: 60)
            #expect(
                try await Commerce.upstream(sandbox, email: "slow@example.com", domain: "slow.example")
                    == .init(
                        clients: 1,
                        clientGroup: try await sandbox.provisionTenant(slug: "acme", name: "Acme Hosting")
                            .clientGroupID,
                        orders: 1, accounts: 1, accountOwner: "racme", nameservers: "ns1.acme.example,ns2.acme.example"
                    )
            )
        }
    }
}
