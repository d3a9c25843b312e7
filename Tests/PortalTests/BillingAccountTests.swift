import Foundation
import Integrations
import Synchronization
import Tenancy
import Testing

@testable import Portal

/// In-memory WHMCS client records: the updates it took, and whether it refuses.
final class InMemoryBillingRecords: BillingRecords {
    private let state = Mutex<(updates: [Int], refusing: Bool)>(([], false))
    var updates: [Int] { state.withLock { $0.updates } }
    func refuse() { state.withLock { $0.refusing = true } }

    func invoice(id: Int) async throws -> WHMCSInvoice? { nil }

    func updateClient(id: Int, _ update: WHMCSClientUpdate) async throws {
        try state.withLock { state in
            if state.refusing { throw UpstreamError.badStatus(.whmcs, action: "UpdateClient", status: 503) }
            state.updates.append(id)
        }
    }
}

/// Billing details kept the same here and in WHMCS, through `BillingAccount`; no HTTP.
@Suite("Billing account")
struct BillingAccountTests {
    @Test("details go to WHMCS first for a WHMCS client; when WHMCS refuses nothing is saved here either")
    func saveProfile() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let ada = try await makeAccount(dependencies)
            let records = InMemoryBillingRecords()
            let account = BillingAccount(databases: dependencies.databases, records: { _ in records }, now: { Date() })

            // Not a WHMCS client yet: saved here only.
            try await account.saveProfile(CheckoutDeskTests.profile, of: ada, in: acme, ip: "")
            #expect(records.updates.isEmpty)
            #expect(try await account.profile(of: ada, in: acme)?.city == "London")

            try await dependencies.databases.withDatabase(for: acme) {
                _ = try await $0.upstreams.linkBillingClient(
                    BillingClientLink(accountID: ada.id, clientID: 42, groupID: 1))
            }
            var moved = CheckoutDeskTests.profile
            moved.city = "Leeds"
            try await account.saveProfile(moved, of: ada, in: acme, ip: "")
            #expect(records.updates == [42])
            #expect(try await account.profile(of: ada, in: acme)?.city == "Leeds")

            records.refuse()
            moved.city = "York"
            await #expect(throws: UpstreamError.self) {
                try await account.saveProfile(moved, of: ada, in: acme, ip: "")
            }
            #expect(try await account.profile(of: ada, in: acme)?.city == "Leeds")
            let globexAda = try await makeAccount(dependencies, tenant: "globex")
            #expect(try await account.profile(of: globexAda, in: try dependencies.registryTenant("globex")) == nil)
        }
    }

    @Test("another customer's invoice, or one WHMCS no longer has, is a 404")
    func invoices() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let ada = try await makeAccount(dependencies)
            let account = BillingAccount(
                databases: dependencies.databases, records: { _ in InMemoryBillingRecords() }, now: { Date() })
            await #expect(throws: PortalError.notFound) { try await account.mirroredInvoice(5, of: ada, in: acme) }
        }
    }
}
