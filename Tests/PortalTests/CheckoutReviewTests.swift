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
            dependencies.storefront.invalidate(tenant)
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
            #expect(review.text.contains("Prices exclude VAT"))
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
            dependencies.storefront.invalidate(tenant)
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

    @Test("a new customer makes their account inside checkout and lands on their order; bad fields lose nothing")
    func newCustomer() async throws {
        try await withPortal { client, dependencies in
            let tenant = try dependencies.registryTenant("acme")
            let visitor = TestBrowser(client, host: "acme.localhost")
            let review = try await visitor.get(
                "/order/plan-0/review?cycle=monthly&domain=new.example&domain_action=existing")
            #expect(review.text.contains(#"action="/order/plan-0/new-customer""#))
            #expect(review.text.contains("Create my account and place the order: £2.99"))
            let key = try #require(
                review.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
            var form = Commerce.billing
            form.merge([
                "cycle": "monthly", "domain": "new.example", "domain_action": "existing", "idempotency_key": key,
                "quoted_total": "299", "email": "not-an-address", "password": "short",
            ]) { $1 }
            form["country"] = ""
            let refused = try await visitor.post("/order/plan-0/new-customer", form)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains(#"id="email-error">Enter an email address such as name@example.com."#))
            #expect(refused.text.contains(#"id="password-error">Use at least 10 characters."#))
            #expect(refused.text.contains(#"id="country-error">Choose your country from the list."#))
            #expect(refused.text.contains(#"value="not-an-address""#) && refused.text.contains(#"value="Lovelace""#))
            #expect(!refused.text.contains(#"value="short""#), "the password is never put back")
            #expect(
                try await dependencies.accounts("acme") {
                    try await $0.account(kind: .customer, email: "not-an-address")
                } == nil)

            form["email"] = "fresh@example.com"
            form["password"] = "a long checkout passphrase"
            form["country"] = "GB"
            let placed = try await visitor.post("/order/plan-0/new-customer", form)
            #expect(placed.status == .seeOther)
            let location = try #require(placed.headers[.location])
            #expect(location.hasPrefix("/account/orders/"), "straight to the order, signed in")
            let order = try await visitor.get(location)
            #expect(order.status == .ok && order.text.contains("new.example"))
            let account = try #require(
                try await dependencies.accounts("acme") {
                    try await $0.account(kind: .customer, email: "fresh@example.com")
                })
            #expect(account.name == "Ada Lovelace" && account.emailVerifiedAt == nil)
            // One confirmation email, with a link on the brand's host.
            let outbox = try await dependencies.accounts("acme") { try await $0.outbox() }
                .filter { $0.toAddress == "fresh@example.com" }
            #expect(outbox.contains { $0.textBody.contains("/verify-email?token=") })
            #expect(
                try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.orders.profile(of: account.id)?.postcode
                } == "SW1Y 4JH")

            // The same address again: asked to sign in, nothing created, the choices kept.
            let again = TestBrowser(client, host: "acme.localhost")
            let second = try await again.get(
                "/order/plan-0/review?cycle=monthly&domain=other.example&domain_action=existing")
            form["idempotency_key"] = try #require(
                second.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
            form["domain"] = "other.example"
            let taken = try await again.post("/order/plan-0/new-customer", form)
            #expect(taken.status == .conflict && taken.text.contains("An account already uses this address."))
            #expect(taken.text.contains("other.example"))
            // Another brand: the same address is a new customer there.
            #expect(
                try await dependencies.accounts("globex") {
                    try await $0.account(kind: .customer, email: "fresh@example.com")
                } == nil)
        }
    }
}
