import Branding
import Foundation
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// What checkout tells a customer before they pay, and what it asks of them.
@Suite("Checkout: choices and review")
struct CheckoutReviewTests {
    @Test("the cheapest cycle is chosen, only what the brand sells is offered, and the review says what renews when")
    func review() async throws {
        try await withPortal { client, dependencies in
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                var entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
                entry.prices = [
                    ProductPrice(cycle: .monthly, priceMinor: 299), ProductPrice(cycle: .annually, priceMinor: 2_990),
                ]
                _ = try await database.catalogue.save(entry, actor: nil, via: "test", ip: "")
            }
            dependencies.storefront.invalidate(tenant.id)
            let (browser, _) = try await Commerce.customer(client, dependencies, email: "buyer@example.com")
            // £29.90 a year is cheaper by the month than £2.99 a month: the yearly cycle is chosen.
            let configure = try await browser.get("/order/plan-0")
            #expect(
                configure.text.contains(#"value="annually" checked"#)
                    && !configure.text.contains(#"value="monthly" checked"#))
            // The brand sells no domain names: only "use a domain I already own", and the choice comes first.
            #expect(
                !configure.text.contains(#"value="register""#) && configure.text.contains(#"value="existing" checked"#))
            let actions = try #require(configure.text.range(of: "The domain</legend>"))
            let box = try #require(configure.text.range(of: #"<label for="domain">"#))
            #expect(actions.lowerBound < box.lowerBound)

            let review = try await browser.get(
                "/order/plan-0/review?cycle=annually&domain=mine.example&domain_action=existing")
            #expect(review.text.contains("<strong>Domain:</strong> mine.example (a domain you already own)"))
            let next = try #require(Calendar(identifier: .gregorian).date(byAdding: .month, value: 12, to: Date()))
            #expect(
                review.text.contains(
                    "Acme Starter: £29.90 per year, next on \(DisplayCalendar.longDate(DisplayCalendar.day(next)))"),
                "\(review.text)")
            #expect(review.text.contains("Prices do not include tax."))
            #expect(!review.text.contains("accept_terms"), "no terms box for a brand without terms")
        }
    }

    @Test("a brand's terms must be accepted at checkout; without the tick nothing is ordered")
    func terms() async throws {
        try await withPortal { client, dependencies in
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                try database.updateBrandNow { $0.termsURL = "https://acme.example/terms" }
            }
            dependencies.storefront.invalidate(tenant.id)
            let (browser, account) = try await Commerce.customer(client, dependencies, email: "terms@example.com")
            let review = try await browser.get(
                "/order/plan-0/review?cycle=monthly&domain=t.example&domain_action=existing")
            #expect(
                review.text.contains(
                    #"<input type="checkbox" name="accept_terms"> I accept the <a href="https://acme.example/terms" target="_blank" rel="noopener">terms of service</a>"#
                ))
            let key = try #require(
                review.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
            var form = Commerce.billing
            form.merge([
                "cycle": "monthly", "domain": "t.example", "domain_action": "existing", "idempotency_key": key,
                "quoted_total": "299",
            ]) { $1 }
            let refused = try await browser.post("/order/plan-0", form)
            #expect(refused.status == .unprocessableContent)
            #expect(
                refused.text.contains(
                    #"<p class="field__error" id="terms-error">Tick the box to accept the terms of service.</p>"#))
            #expect(
                try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.orders.order(idempotencyKey: key, of: account.id)
                } == nil)
            form["accept_terms"] = "on"
            #expect(try await browser.post("/order/plan-0", form).status == .seeOther)
            // Globex has no terms: its checkout asks nothing of the kind.
            let globex = TestBrowser(client, host: "globex.localhost")
            #expect(
                !(try await globex.get("/order/plan-0/review?cycle=monthly&domain=g.example&domain_action=existing")
                    .text.contains("accept_terms")))
        }
    }
}
