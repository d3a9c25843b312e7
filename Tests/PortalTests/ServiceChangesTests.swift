import Foundation
import Synchronization
import Tenancy
import Testing

@testable import Portal

/// In-memory WHMCS quotes: a fixed price per target plan, and the quotes asked for.
final class InMemoryPlanQuotes: PlanQuotes {
    private let state = Mutex<(price: Int64, asked: [String])>((433, []))

    var asked: [String] { state.withLock { $0.asked } }
    func price(_ price: Int64) { state.withLock { $0.price = price } }

    func quote(serviceID: Int, to entry: CatalogueEntry, cycle: Product.BillingCycle, in tenant: Tenant) async throws
        -> PlanChangeQuote
    {
        state.withLock { state in
            state.asked.append("\(tenant.slug) \(serviceID) \(entry.product.slug) \(cycle.rawValue)")
            return PlanChangeQuote(priceMinor: state.price, daysUntilRenewal: 10, totalDays: 30)
        }
    }
}

/// Plan changes and cancellations become orders once, with the price the customer confirmed; no HTTP, no simulator.
@Suite("Service changes", .englishMessages)
struct ServiceChangesTests {
    static let key = "change-0123456789abcdef"

    /// Two hosting plans (WHMCS products 1 and 2) and the customer's active service 7 on the first, monthly.
    static func seed(
        _ dependencies: PortalDependencies, _ account: Account, tenant: Tenant, status: String = "Active",
        catalogue: Bool = true
    ) async throws {
        try await dependencies.databases.withDatabase(for: tenant) { database in
            for (index, slug) in ["starter", "business"].enumerated() where catalogue {
                let saved = try await database.catalogue.save(
                    CatalogueEntry(
                        product: Product(slug: slug, name: slug.capitalized, summary: "Hosting", kind: .sharedHosting),
                        prices: [
                            ProductPrice(cycle: .monthly, priceMinor: 299 * Int64(index + 1)),
                            ProductPrice(cycle: .annually, priceMinor: 2990 * Int64(index + 1)),
                        ]), actor: nil, via: "test", ip: "")
                try await database.catalogue.recordSync(saved.product.id!, whmcsProductID: index + 1, error: nil)
            }
            try await database.billing.replace(
                account.id, services: [Self.service(of: account, status: status)], invoices: [])
        }
    }

    /// The customer's active (or `status`) monthly Starter service 7 on `ada.example`, as WHMCS lists it.
    static func service(of account: Account, status: String = "Active") -> MirroredService {
        MirroredService(
            whmcsServiceID: 7, accountID: account.id, whmcsOrderID: 1, whmcsProductID: 1, productName: "Starter",
            domain: "ada.example", status: status, billingCycle: "Monthly", recurringMinor: 299,
            nextDueDate: "2030-01-01", username: "adaexamp0001")
    }

    static func changes(_ dependencies: PortalDependencies, _ quotes: InMemoryPlanQuotes) -> ServiceChanges {
        ServiceChanges(
            databases: dependencies.databases, queue: dependencies.orderQueue, mailQueue: dependencies.mailQueue,
            quotes: quotes, now: { Date() })
    }

    static func orders(_ dependencies: PortalDependencies, _ account: Account, _ tenant: Tenant) async throws
        -> [Order]
    {
        try await dependencies.databases.withDatabase(for: tenant) { try await $0.orders.orders(of: account.id) }
    }

    @Test("the preview quotes the plan asked for; the same plan and cycle, another kind or an unknown plan is refused")
    func preview() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let ada = try await makeAccount(dependencies)
            try await Self.seed(dependencies, ada, tenant: acme)
            let quotes = InMemoryPlanQuotes()
            let changes = Self.changes(dependencies, quotes)

            let preview = try await changes.preview(7, to: "business", cycle: "annually", of: ada, in: acme).get()
            #expect(preview.entry.product.slug == "business" && preview.cycle == .annually)
            #expect(preview.quote == PlanChangeQuote(priceMinor: 433, daysUntilRenewal: 10, totalDays: 30))
            // The same plan in another cycle is a change too; in its own cycle it is not.
            #expect((try? await changes.preview(7, to: "starter", cycle: "annually", of: ada, in: acme).get()) != nil)
            for (slug, cycle) in [("starter", "monthly"), ("nothing", "monthly"), ("business", "weekly")] {
                let refused = try await changes.preview(7, to: slug, cycle: cycle, of: ada, in: acme)
                #expect(throws: ServiceChanges.Blocked(ServiceChanges.chooseAnother)) { try refused.get() }
            }
            #expect(quotes.asked == ["acme 7 business annually", "acme 7 starter annually"])
        }
    }

    @Test("a change at the confirmed price places one order however often it is posted; another price asks again")
    func change() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let ada = try await makeAccount(dependencies)
            try await Self.seed(dependencies, ada, tenant: acme)
            let quotes = InMemoryPlanQuotes()
            let changes = Self.changes(dependencies, quotes)
            func post(quoted: String, key: String = Self.key) async throws -> ServiceChanges.Outcome {
                try await changes.change(
                    7, to: "business", cycle: "monthly", quoted: quoted, key: key, currency: "GBP", by: ada, in: acme,
                    ip: "192.0.2.1")
            }

            guard case .priceChanged(let preview) = try await post(quoted: "100") else {
                Issue.record("a stale price was accepted")
                return
            }
            #expect(preview.quote.priceMinor == 433)
            #expect(try await Self.orders(dependencies, ada, acme).isEmpty)

            guard case .order(let id) = try await post(quoted: "433") else {
                Issue.record("not placed")
                return
            }
            guard case .order(let again) = try await post(quoted: "433") else {
                Issue.record("the replay was not recognised")
                return
            }
            #expect(again == id)
            let orders = try await Self.orders(dependencies, ada, acme)
            #expect(orders.count == 1)
            #expect(orders.first?.change == .upgrade && orders.first?.targetServiceID == 7)
            #expect(orders.first?.priceMinor == 433 && orders.first?.productName == "Change to Business")

            // While that change is under way, another one (under a new form key) is refused.
            guard case .blocked(let message) = try await post(quoted: "433", key: "change-another-key-0123") else {
                Issue.record("a second change was placed")
                return
            }
            #expect(message == "A change of this service (order \(orders[0].number)) is still under way.")
        }
    }

    @Test("a cancellation needs a time and the confirmation box; a suspended service cannot change; others see a 404")
    func cancel() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let ada = try await makeAccount(dependencies)
            try await Self.seed(dependencies, ada, tenant: acme)
            let changes = Self.changes(dependencies, InMemoryPlanQuotes())
            func cancel(_ cancellation: ServiceChanges.Cancellation, by account: Account = ada, in tenant: Tenant)
                async throws -> ServiceChanges.Outcome
            {
                try await changes.cancel(
                    7, cancellation, key: Self.key, currency: "GBP", by: account, in: tenant, ip: "")
            }

            let unconfirmed = try await cancel(.init(immediately: true, confirmed: false, reason: ""), in: acme)
            guard case .blocked(let message) = unconfirmed else { Issue.record("placed unconfirmed"); return }
            #expect(message == "Choose when the service should end and tick the confirmation box.")
            let long = try await cancel(
                .init(immediately: false, confirmed: true, reason: String(repeating: "x", count: 2_001)), in: acme)
            guard case .blocked = long else { Issue.record("placed with an overlong reason"); return }
            #expect(try await Self.orders(dependencies, ada, acme).isEmpty)

            let bob = try await makeAccount(dependencies, email: "bob@example.com")
            await #expect(throws: PortalError.notFound) {
                try await cancel(.init(immediately: true, confirmed: true, reason: ""), by: bob, in: acme)
            }
            let globexAda = try await makeAccount(dependencies, tenant: "globex")
            await #expect(throws: PortalError.notFound) {
                try await cancel(.init(immediately: true, confirmed: true, reason: ""), by: globexAda, in: globex)
            }

            guard
                case .order = try await cancel(
                    .init(immediately: false, confirmed: true, reason: "  Moving on  "), in: acme)
            else { Issue.record("not placed"); return }
            let order = try #require(try await Self.orders(dependencies, ada, acme).first)
            #expect(order.change == .cancel && order.cancelImmediately == false && order.changeReason == "Moving on")

            try await Self.seed(dependencies, ada, tenant: acme, status: "Suspended", catalogue: false)
            let suspended = try await changes.preview(7, to: "business", cycle: "monthly", of: ada, in: acme)
            #expect(throws: ServiceChanges.Blocked("Only an active service can change plan.")) { try suspended.get() }
        }
    }
}
