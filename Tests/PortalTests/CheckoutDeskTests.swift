import Foundation
import Tenancy
import Testing

@testable import Portal

/// Placing orders: the catalogue's price now, one order and one confirmation per form key, nothing stored when the
/// price moved or details are missing; on the brand's own database, without HTTP or upstreams.
@Suite("Checkout desk", .englishMessages)
struct CheckoutDeskTests {
    static func desk(_ dependencies: PortalDependencies) -> CheckoutDesk {
        CheckoutDesk(
            databases: dependencies.databases, queue: dependencies.orderQueue, mailQueue: dependencies.mailQueue,
            flows: dependencies.accountFlows, realm: { dependencies.tenantRealm($0) },
            upstreams: dependencies.upstreams)
    }

    /// A monthly hosting plan and .com names, in `tenant`.
    static func seed(_ dependencies: PortalDependencies, _ tenant: Tenant) async throws -> (
        CatalogueEntry, CatalogueEntry
    ) {
        try await dependencies.databases.withDatabase(for: tenant) { database in
            let hosting = try await database.catalogue.save(
                CatalogueEntry(
                    product: Product(slug: "starter", name: "Starter", summary: "Hosting", kind: .sharedHosting),
                    prices: [ProductPrice(cycle: .monthly, priceMinor: 299)]), actor: nil, via: "test", ip: "")
            let domains = try await database.catalogue.save(
                CatalogueEntry(
                    product: Product(slug: "domains", name: "Domain names", summary: "Names", kind: .domain),
                    domainPrices: [DomainPrice(tld: "com", registerMinor: 1199, transferMinor: 1099, renewMinor: 1399)]
                ), actor: nil, via: "test", ip: "")
            return (hosting, domains)
        }
    }

    static var profile: ProfileForm {
        var profile = ProfileForm()
        (profile.firstName, profile.lastName, profile.address1, profile.city) = ("Ada", "Lovelace", "1 Road", "London")
        (profile.state, profile.postcode, profile.country, profile.phone) = ("London", "N1 1AA", "GB", "+44.2000000000")
        return profile
    }

    static func submission(
        _ choice: OrderChoice, total: Int64, key: String = "order-0123456789abcdef", transferCode: String = ""
    ) -> CheckoutSubmission {
        CheckoutSubmission(
            slug: "starter", choice: choice, idempotencyKey: key, quotedTotal: String(total), profile: profile,
            transferCode: transferCode)
    }

    @Test("an order posted twice is placed once, with one confirmation email and the billing details kept")
    func placesOnce() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let ada = try await makeAccount(dependencies)
            let (hosting, domains) = try await Self.seed(dependencies, acme)
            let choice = OrderChoice(cycle: "monthly", domain: "ada-new.com", domainAction: "register")
            let quote = try OrderQuote.make(entry: hosting, choice: choice, domainProduct: domains).get()
            let desk = Self.desk(dependencies)

            let first = try await desk.place(
                Self.submission(choice, total: quote.totalMinor), by: ada, in: acme, ip: "")
            let again = try await desk.place(
                Self.submission(choice, total: quote.totalMinor), by: ada, in: acme, ip: "")
            guard case .order(let id) = first, case .order(let same) = again else {
                Issue.record("not placed: \(first), \(again)")
                return
            }
            #expect(id == same)
            let (orders, profile) = try await dependencies.databases.withDatabase(for: acme) {
                (try await $0.orders.orders(of: ada.id), try await $0.orders.profile(of: ada.id))
            }
            #expect(orders.count == 1 && orders[0].totalMinor == 299 + 1199 && orders[0].domain == "ada-new.com")
            #expect(profile?.postcode == "N1 1AA")
            let mail = try await dependencies.outbox("acme").filter { $0.kind == "order_confirmation" }
            #expect(mail.count == 1 && mail.first?.toAddress == "ada@example.com")
            #expect(try await dependencies.outbox("globex").isEmpty)
        }
    }

    @Test("a total that moved, missing details or a missing transfer code shows the review again and stores nothing")
    func refusals() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let ada = try await makeAccount(dependencies)
            let (hosting, domains) = try await Self.seed(dependencies, acme)
            let desk = Self.desk(dependencies)
            let register = OrderChoice(cycle: "monthly", domain: "ada-new.com", domainAction: "register")
            let total = try OrderQuote.make(entry: hosting, choice: register, domainProduct: domains).get().totalMinor

            guard
                case .review(_, _, let none, _, let conflict) = try await desk.place(
                    Self.submission(register, total: total - 1), by: ada, in: acme, ip: "")
            else { Issue.record("a moved total was placed"); return }
            #expect(none.isEmpty && conflict)

            var incomplete = Self.submission(register, total: total)
            incomplete.profile.city = ""
            guard
                case .review(_, _, let missing, let notice, false) = try await desk.place(
                    incomplete, by: ada, in: acme, ip: "")
            else { Issue.record("placed without a city"); return }
            #expect(
                missing == ["city": "Enter your town or city."] && notice == "Please complete your billing details.")

            let transfer = OrderChoice(cycle: "monthly", domain: "ada-old.com", domainAction: "transfer")
            let transferTotal = try OrderQuote.make(entry: hosting, choice: transfer, domainProduct: domains).get()
                .totalMinor
            guard
                case .review(_, _, let code, "Please enter the transfer code.", false) = try await desk.place(
                    Self.submission(transfer, total: transferTotal, transferCode: "a b"), by: ada, in: acme, ip: "")
            else { Issue.record("placed with a bad transfer code"); return }
            #expect(code["transfer_code"]?.hasPrefix("That is not a transfer code") == true)

            guard
                case .choose(_, _, let problems, _) = try await desk.place(
                    Self.submission(OrderChoice(cycle: "weekly", domain: "x.com", domainAction: "register"), total: 0),
                    by: ada, in: acme, ip: "")
            else { Issue.record("a made-up cycle was placed"); return }
            #expect(problems["cycle"] != nil)
            let stored = try await dependencies.databases.withDatabase(for: acme) {
                try await $0.orders.orders(of: ada.id)
            }
            #expect(stored.isEmpty)
            #expect(try await dependencies.outbox("acme").filter { $0.kind == "order_confirmation" }.isEmpty)
        }
    }

    @Test("hosting for a domain the customer already hosts is refused beside the domain field")
    func oneHostingPerDomain() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let ada = try await makeAccount(dependencies)
            let (hosting, domains) = try await Self.seed(dependencies, acme)
            let desk = Self.desk(dependencies)
            let existing = OrderChoice(cycle: "monthly", domain: "ada.example", domainAction: "existing")
            let total = try OrderQuote.make(entry: hosting, choice: existing, domainProduct: domains).get().totalMinor

            try await dependencies.databases.withDatabase(for: acme) { database in
                _ = try await database.upstreams.pendingHostingAccount(
                    account: ada.id, domain: "ada.example", plan: "racme_starter", reseller: "racme",
                    username: { "adaexamp0001" })
            }
            guard
                case .choose(_, _, let problems, _) = try await desk.place(
                    Self.submission(existing, total: total), by: ada, in: acme, ip: "")
            else { Issue.record("a second hosting for ada.example was placed"); return }
            #expect(problems["domain"]?.hasPrefix("You already have hosting for ada.example.") == true)
        }
    }

    @Test("a product of another brand is not found, and the other brand's orders stay its own")
    func isolation() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let (hosting, domains) = try await Self.seed(dependencies, acme)
            let ada = try await makeAccount(dependencies)
            let globexAda = try await makeAccount(dependencies, tenant: "globex")
            let choice = OrderChoice(cycle: "monthly", domain: "ada.example", domainAction: "existing")
            let total = try OrderQuote.make(entry: hosting, choice: choice, domainProduct: domains).get().totalMinor
            let desk = Self.desk(dependencies)

            await #expect(throws: PortalError.notFound) {
                try await desk.place(Self.submission(choice, total: total), by: globexAda, in: globex, ip: "")
            }
            guard case .order = try await desk.place(Self.submission(choice, total: total), by: ada, in: acme, ip: "")
            else { Issue.record("not placed"); return }
            let globexOrders = try await dependencies.databases.withDatabase(for: globex) {
                try await $0.orders.orders(of: globexAda.id)
            }
            #expect(globexOrders.isEmpty)
        }
    }
}
