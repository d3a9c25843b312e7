import Foundation
import Synchronization
import Tenancy
import Testing

@testable import Portal

/// An in-memory DNS: TXT records by name, or a resolver that does not answer.
final class InMemoryTXT: TXTLookup {
    private let state = Mutex<(records: [String: [String]], down: Bool)>(([:], false))
    func publish(_ value: String, at name: String) { state.withLock { $0.records[name, default: []].append(value) } }
    func goDown() { state.withLock { $0.down = true } }

    func txtRecords(at name: String) async throws -> [String] {
        try state.withLock { state in
            if state.down { throw DNSLookup.LookupError.timeout("127.0.0.1:53") }
            return state.records[name] ?? []
        }
    }
}

/// Custom domains through `BrandAddresses`, on the real registry and an in-memory DNS; no HTTP.
@Suite("Brand addresses")
struct BrandAddressesTests {
    @Test("a custom domain routes only after its TXT proof is found; each step is audited")
    func verifyFlow() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let owner = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let dns = InMemoryTXT()
            let addresses = BrandAddresses(
                domains: dependencies.customDomains, registry: dependencies.registry,
                databases: dependencies.databases, dns: dns)

            #expect(try await addresses.add("Shop.Acme.Example", by: owner, to: acme, ip: "") == .done)
            #expect(try await addresses.add("shop.acme.example", by: owner, to: acme, ip: "") != .done)
            let pending = try await addresses.domain("shop.acme.example", of: acme)
            #expect(pending.status == .pending)
            #expect(dependencies.registry.tenant(forHost: "shop.acme.example") == nil)

            let name = "_portal-verify.shop.acme.example"
            let expected = "portal-verify=\(pending.verificationToken ?? "")"
            dns.publish("portal-verify=someone-else", at: name)
            #expect(
                try await addresses.verify(pending, by: owner, of: acme, ip: "")
                    == .notYet(name: name, expected: expected, found: ["portal-verify=someone-else"]))
            dns.publish(expected, at: name)
            #expect(try await addresses.verify(pending, by: owner, of: acme, ip: "") == .verified)
            #expect(dependencies.registry.tenant(forHost: "shop.acme.example")?.id == acme.id)
            #expect(try await addresses.makePrimary(pending, by: owner, of: acme, ip: "") == .done)

            let audit = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.accounts.auditEntries().filter { $0.action.hasPrefix("domain.") }.map(\.action)
            }
            #expect(audit == ["domain.made_primary", "domain.verified", "domain.added"])
        }
    }

    @Test("a resolver that does not answer changes nothing; another brand's domain is not found")
    func failuresAndIsolation() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let owner = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example")
            let dns = InMemoryTXT()
            let addresses = BrandAddresses(
                domains: dependencies.customDomains, registry: dependencies.registry,
                databases: dependencies.databases, dns: dns)
            _ = try await addresses.add("shop.acme.example", by: owner, to: acme, ip: "")
            let pending = try await addresses.domain("shop.acme.example", of: acme)

            dns.goDown()
            guard case .lookupFailed = try await addresses.verify(pending, by: owner, of: acme, ip: "") else {
                Issue.record("verified without an answer")
                return
            }
            #expect(try await addresses.domain("shop.acme.example", of: acme).status == .pending)
            await #expect(throws: PortalError.notFound) { try await addresses.domain("shop.acme.example", of: globex) }
            #expect(try await addresses.all(of: globex).allSatisfy { $0.hostname != "shop.acme.example" })
        }
    }
}
