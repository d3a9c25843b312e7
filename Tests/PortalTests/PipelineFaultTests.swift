import Foundation
import Sandbox
import Tenancy
import Testing

@testable import Portal

/// Each fault at each upstream call the pipeline makes: the order still ends active with exactly one WHMCS client,
/// one WHMCS order and one WHM account.
@Suite("Order pipeline under upstream faults")
struct PipelineFaultTests {
    static func configure(_ configuration: inout PortalConfiguration) {
        OrderPipelineTests.fast(&configuration)
        configuration.upstreamTimeout = .seconds(1)
    }

    @Test("a fault at every WHMCS and WHM call of the pipeline", arguments: [FaultMode.http500, .reset, .timeout, .commitThenTimeout])
    func faultAtEachCall(mode: FaultMode) async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.configure) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let tenant = try dependencies.registryTenant("acme")
                let entries = try await dependencies.databases.withDatabase(for: tenant) { try await $0.catalogue.entries() }
                #expect(await dependencies.productSync(logger: .init(label: "test")).run(.upsert, entries, tenant: tenant, via: "test", blockType: "").success)
                // A new customer's order makes 8 WHMCS calls (AddClient, baseline, AddOrder, GetInvoice, AddInvoicePayment,
                // GetOrders, AcceptOrder, …) and 4 WHM calls (listpkgs, setresellernameservers, listaccts, createacct).
                let cases = (0..<8).map { (sandbox.whmcsFaults, "whmcs", $0) } + (0..<4).map { (sandbox.whmFaults, "whm", $0) }
                for (injector, name, position) in cases {
                    let email = "\(name)-\(position)-\(mode.rawValue)@example.com"
                    let domain = "\(name)\(position)-\(mode.rawValue).example"
                    let (browser, _) = try await Commerce.customer(client, dependencies, email: email)
                    injector.set(mode, count: 1, after: position)
                    let id = try await Commerce.order(browser, domain: domain)
                    let order = try await Commerce.wait(for: id, dependencies, until: .active, seconds: 40)
                    injector.clear()
                    dependencies.upstreams.resetBreakers(tenant)
                    let upstream = try await Commerce.upstream(sandbox, email: email, domain: domain)
                    #expect(upstream.clients == 1 && upstream.orders == 1 && upstream.accounts == 1,
                            "\(mode) at \(name) call \(position): \(upstream), order \(order.status)")
                }
            }
        }
    }

    @Test("slow upstreams (latency on every call) still complete the order once")
    func latency() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.configure) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                sandbox.whmcsFaults.set(.none, latencyMilliseconds: 150)
                sandbox.whmFaults.set(.none, latencyMilliseconds: 150)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "slow@example.com")
                let id = try await Commerce.order(browser, domain: "slow.example")
                try await Commerce.wait(for: id, dependencies, until: .active, seconds: 30)
                #expect(try await Commerce.upstream(sandbox, email: "slow@example.com", domain: "slow.example")
                    == .init(clients: 1, clientGroup: try await sandbox.provisionTenant(slug: "acme", name: "Acme Hosting").clientGroupID,
                             orders: 1, accounts: 1, accountOwner: "racme", nameservers: "ns1.acme.example,ns2.acme.example"))
            }
        }
    }
}
