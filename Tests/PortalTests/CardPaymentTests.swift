import AsyncHTTPClient
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Integrations
import NIOCore
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Paying invoices on the brand's own Stripe account (the simulator), the webhook, refunds, tax and promotions.
@Suite("Card payments on the brand's Stripe")
struct CardPaymentTests {
    /// Connects `slug` to its own account on the Stripe simulator, whose events go to the brand's host here.
    @discardableResult
    static func connectStripe(
        _ slug: String, _ sandbox: Sandbox, _ client: any TestClientProtocol, _ dependencies: PortalDependencies
    ) async throws -> StripeSimulator.Account {
        let tenant = try dependencies.registryTenant(slug)
        let account = try await sandbox.stripe.ensureAccount(
            slug, webhookURL: "http://\(slug).localhost:\(client.port ?? 0)/webhooks/stripe")
        try await DemoTenants.connectStripe(
            tenant, account: account, baseURL: try #require(sandbox.stripe.address.baseURL),
            dependencies: dependencies)
        return account
    }

    /// A customer's order waiting for its invoice to be paid; returns the browser, the customer, the order id and the
    /// invoice.
    static func unpaidOrder(
        _ client: any TestClientProtocol, _ dependencies: PortalDependencies, email: String, domain: String
    ) async throws -> (TestBrowser, Account, Int64, Int) {
        let (browser, customer) = try await Commerce.customer(client, dependencies, email: email)
        let id = try await Commerce.order(browser, domain: domain)
        let tenant = try dependencies.registryTenant("acme")
        var invoice: Int?
        for _ in 0..<400 where invoice == nil {
            let detail = try await dependencies.databases.withDatabase(for: tenant) {
                try await $0.orders.detail(Order.ID(id))
            }
            if detail?.jobs.last?.lastError?.contains("waiting for invoice") == true {
                invoice = detail?.order.whmcsInvoiceID
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let found = try #require(invoice, "the order did not reach its payment step")
        return (browser, customer, id, found)
    }

    /// A client that shows redirects instead of following them (the brand's host is not in DNS here).
    static let http = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    /// Types a card on the simulator's hosted page, as the customer does.
    static func payOnStripe(_ url: String, card: String) async throws -> (status: Int, location: String?, text: String)
    {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: "card=\(card)&expiry=12%2F34&cvc=123&holder=Ada"))
        let response = try await http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Location"), String(buffer: body))
    }

    /// The path and query of an absolute URL.
    static func path(_ url: String) throws -> String {
        let components = try #require(URLComponents(string: url))
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
    }

    static func transactions(_ sandbox: Sandbox, invoice: Int) async throws -> [(String, Int, Int)] {
        try await sandbox.store.read { db in
            try Row.fetchAll(
                db, sql: "SELECT transid, amountin, amountout FROM whmcs_transactions WHERE invoiceid = ? ORDER BY id",
                arguments: [invoice]
            ).map { ($0["transid"], $0["amountin"], $0["amountout"]) }
        }
    }

    static func events(_ dependencies: PortalDependencies) async throws -> Int {
        try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) { database in
            try await database.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM stripe_events") ?? 0 }
        }
    }

    /// POSTs a raw webhook to a brand's host.
    static func postWebhook(
        _ client: any TestClientProtocol, host: String, body: String, signature: String?
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.testHost: host, .contentType: "application/json"]
        if let signature { headers[HTTPField.Name("Stripe-Signature")!] = signature }
        return try await client.execute(
            uri: "/webhooks/stripe", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test(
        "an order whose card payment is in but not yet applied keeps refreshing with no second Pay now; a declined one offers Pay now again"
    )
    func orderAfterPaying() async throws {
        try await withSandbox(autoCapture: false) { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, customer, orderID, invoice) = try await Self.unpaidOrder(
                    client, dependencies, email: "returning@example.com", domain: "returning.example")
                let refresh = #"<meta http-equiv="refresh""#
                let payNow = #"href="/account/invoices/\#(invoice)""#
                let waiting = try await browser.get("/account/orders/\(orderID)")
                #expect(waiting.text.contains(payNow) && waiting.text.contains("Your invoice is ready."))
                #expect(!waiting.text.contains(refresh), "waiting for the customer: the page stops refreshing")

                // Another customer's payment with this invoice's number is not this customer's: still Pay now.
                let tenant = try dependencies.registryTenant("acme")
                let now = Date()
                let other = try await makeAccount(dependencies, tenant: "acme", email: "other@example.com")
                try await dependencies.databases.withDatabase(for: tenant) { database in
                    try await database.payments.startCheckout(
                        CardPayment(
                            sessionID: "cs_test_other", invoiceID: invoice, accountID: other.id, amountMinor: 100,
                            currency: "GBP", now: now))
                    try await database.payments.record(
                        .paid(paymentIntent: "pi_other"), session: "cs_test_other", now: now)
                }
                let unchanged = try await browser.get("/account/orders/\(orderID)")
                #expect(unchanged.text.contains(payNow) && !unchanged.text.contains(refresh))

                // Back from Stripe before the payment reached the order's payment step (WHMCS still says Unpaid).
                try await dependencies.databases.withDatabase(for: tenant) { database in
                    try await database.payments.startCheckout(
                        CardPayment(
                            sessionID: "cs_test_returning", invoiceID: invoice, accountID: customer.id,
                            amountMinor: 100, currency: "GBP", now: now))
                    try await database.payments.record(
                        .processing(paymentIntent: "pi_returning"), session: "cs_test_returning", now: now)
                }
                let confirming = try await browser.get("/account/orders/\(orderID)")
                #expect(confirming.text.contains(refresh), "waiting for us again: the page refreshes itself")
                #expect(confirming.text.contains("We have your card payment and are confirming it"))
                #expect(!confirming.text.contains(payNow), "no second Pay now for a payment already made")

                // Declined after all: the customer is asked to pay again.
                let declined = try await dependencies.databases.withDatabase(for: tenant) { database in
                    try await database.payments.record(
                        .declined("Your card was declined."), session: "cs_test_returning", now: now)
                }
                #expect(declined?.status == .declined)
                let again = try await browser.get("/account/orders/\(orderID)")
                #expect(again.text.contains(payNow) && !again.text.contains(refresh))
            }
        }
    }

    @Test(
        "a declined card leaves the invoice unpaid with the reason; 4242 pays on the brand's Stripe, the webhook applies it to WHMCS once, and the order completes"
    )
    func payByCard() async throws {
        try await withSandbox(autoCapture: false) { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let stripe = try await Self.connectStripe("acme", sandbox, client, dependencies)
                let (browser, customer, orderID, invoice) = try await Self.unpaidOrder(
                    client, dependencies, email: "card@example.com", domain: "card.example")
                let tenant = try dependencies.registryTenant("acme")
                try await dependencies.billingRefresher.refresh(customer.id, in: tenant)

                // Pay: a Checkout Session in the brand's own account, for the invoice's balance, then Stripe's page.
                let pay = try await browser.post("/account/invoices/\(invoice)/pay", [:])
                #expect(pay.status == .ok && pay.text.contains("Taking you to the secure payment page"))
                let page = try #require(pay.handoff)
                let stripeBase = try #require(sandbox.stripe.address.baseURL)
                #expect(page.hasPrefix(stripeBase + "/pay/cs_test_"))
                let total = try #require(
                    try await dependencies.upstreams.whmcs(for: tenant).client.invoice(id: invoice))
                let session = try await sandbox.store.read { db -> (Int, String, String)? in
                    try Row.fetchOne(
                        db, sql: "SELECT amount, currency, client_reference_id FROM stripe_sessions"
                    ).map { ($0["amount"], $0["currency"], $0["client_reference_id"]) }
                }
                #expect(session?.0 == Int(total.balanceMinor) && session?.1 == "gbp")
                #expect(session?.2 == String(invoice))

                // A declined card: Stripe's page says why; back on the brand's site the invoice says so too.
                let declined = try await Self.payOnStripe(page, card: "4000000000000002")
                #expect(declined.status == 200 && declined.text.contains("Your card was declined."))
                let back = try await browser.get("/account/invoices/\(invoice)?payment=cancelled")
                #expect(back.text.contains(#"data-payment="declined""#), "\(back.text.prefix(300))")
                #expect(back.text.contains("Your card was declined."))
                #expect(
                    try await dependencies.upstreams.whmcs(for: tenant).client.invoice(id: invoice)?.status == "Unpaid")

                // Pay again: the same Stripe page, then the test card that pays.
                let again = try await browser.post("/account/invoices/\(invoice)/pay", [:])
                #expect(again.handoff == page, "the open session is reused, not a second one made")
                let paid = try await Self.payOnStripe(page, card: "4242 4242 4242 4242")
                #expect(paid.status == 303)
                let returned = try #require(paid.location)
                #expect(returned.hasPrefix("http://acme.localhost:") && returned.contains("payment=return&session=cs_"))
                let landing = try await browser.get(try Self.path(returned))
                #expect(landing.text.contains(#"data-payment="paid""#), "\(landing.text.prefix(300))")

                try await Commerce.wait(for: orderID, dependencies, until: .active)
                var recorded = try await Self.transactions(sandbox, invoice: invoice)
                #expect(recorded.count == 1 && recorded.first?.0.hasPrefix("pi_") == true, "\(recorded)")
                #expect(recorded.first?.1 == Int(total.balanceMinor))
                let gateway = try await sandbox.store.read { db in
                    try String.fetchOne(
                        db, sql: "SELECT gateway FROM whmcs_transactions WHERE invoiceid = ?", arguments: [invoice])
                }
                #expect(gateway == "stripe")

                // Stripe delivers the same event again: 200, nothing changes.
                let events = try await sandbox.stripe.events(secretKey: stripe.secretKey)
                let completed = try #require(events.first { $0.type == "checkout.session.completed" })
                #expect(completed.delivered)
                let before = try await Self.events(dependencies)
                #expect(try await sandbox.stripe.deliver(completed.id))
                recorded = try await Self.transactions(sandbox, invoice: invoice)
                #expect(recorded.count == 1, "a repeated delivery pays nothing twice")
                #expect(try await Self.events(dependencies) == before)

                // Forged, stale, another brand's or replayed events: 400 (or a no-op), nothing changes.
                let payload = try #require(try await sandbox.stripe.payload(of: completed.id))
                let now = Int(Date().timeIntervalSince1970)
                let forged = try await Self.postWebhook(
                    client, host: "acme.localhost", body: payload,
                    signature: "t=\(now),v1=\(String(repeating: "ab", count: 32))")
                #expect(forged.status == .badRequest && forged.text.contains(#""code":"invalid_event""#))
                let stale = try await Self.postWebhook(
                    client, host: "acme.localhost", body: payload,
                    signature:
                        "t=\(now - 400),v1=\(StripeWebhook.signature(payload: Array(payload.utf8), secret: stripe.webhookSecret, timestamp: now - 400))"
                )
                #expect(stale.status == .badRequest)
                try await Self.connectStripe("globex", sandbox, client, dependencies)
                let otherBrand = try await Self.postWebhook(
                    client, host: "globex.localhost", body: payload,
                    signature:
                        "t=\(now),v1=\(StripeWebhook.signature(payload: Array(payload.utf8), secret: stripe.webhookSecret, timestamp: now))"
                )
                #expect(
                    otherBrand.status == .badRequest, "acme's event signed with acme's secret means nothing to globex")
                let unsigned = try await Self.postWebhook(client, host: "acme.localhost", body: payload, signature: nil)
                #expect(unsigned.status == .badRequest)
                let replay = try await Self.postWebhook(
                    client, host: "acme.localhost", body: payload,
                    signature:
                        "t=\(now),v1=\(StripeWebhook.signature(payload: Array(payload.utf8), secret: stripe.webhookSecret, timestamp: now))"
                )
                #expect(replay.status == .ok && replay.text.contains("duplicate"))
                #expect(try await Self.events(dependencies) == before)
                #expect(try await Self.transactions(sandbox, invoice: invoice).count == 1)
                let globexEvents = try await dependencies.databases.withDatabase(
                    for: try dependencies.registryTenant("globex")
                ) { database in
                    try await database.pool.read {
                        try Int.fetchOne($0, sql: "SELECT count(*) FROM stripe_events") ?? 0
                    }
                }
                #expect(globexEvents == 0, "globex, with its own Stripe account, recorded none of acme's events")
            }
        }
    }

    @Test(
        "owners and admins refund in full or in part: a Stripe refund, a WHMCS transaction, an audit entry and a branded email each; support staff cannot"
    )
    func refunds() async throws {
        try await withSandbox(autoCapture: false) { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let stripe = try await Self.connectStripe("acme", sandbox, client, dependencies)
                let (browser, _, orderID, invoice) = try await Self.unpaidOrder(
                    client, dependencies, email: "refund@example.com", domain: "refund.example")
                try await browser.post("/account/billing/refresh", [:])
                let pay = try await browser.post("/account/invoices/\(invoice)/pay", [:])
                let paid = try await Self.payOnStripe(try #require(pay.handoff), card: "4242424242424242")
                #expect(paid.status == 303)
                try await Commerce.wait(for: orderID, dependencies, until: .active)
                let charged = try #require(try await Self.transactions(sandbox, invoice: invoice).first?.1)

                let support = try await staffBrowser(
                    client, dependencies, role: .support, landing: "/admin/invoices/\(invoice)")
                let page = try await support.get("/admin/invoices/\(invoice)")
                #expect(page.text.contains("Card payments") && !page.text.contains("Refund to the customer's card"))
                #expect(
                    try await support.post("/admin/invoices/\(invoice)/refund", ["amount": "1.00"]).status == .forbidden
                )

                // Another brand's staff cannot even see the invoice, let alone refund it.
                let globexOwner = try await staffBrowser(client, dependencies, role: .owner, tenant: "globex")
                #expect(try await globexOwner.get("/admin/invoices/\(invoice)").status == .notFound)
                #expect(
                    try await globexOwner.post("/admin/invoices/\(invoice)/refund", ["amount": "1.00"]).status
                        == .notFound)
                let admin = try await staffBrowser(
                    client, dependencies, role: .admin, landing: "/admin/invoices/\(invoice)")
                // Bad amounts: refused beside the field, nothing refunded.
                let zero = try await admin.post("/admin/invoices/\(invoice)/refund", ["amount": "0", "reason": ""])
                #expect(zero.status == .unprocessableContent && zero.text.contains("Enter the amount to refund"))
                let tooMuch = try await admin.post(
                    "/admin/invoices/\(invoice)/refund", ["amount": "999.00", "reason": ""])
                #expect(tooMuch.status == .unprocessableContent && tooMuch.text.contains("is left to refund"))
                #expect(try await sandbox.stripe.refunds(secretKey: stripe.secretKey).isEmpty)

                // Part of it.
                let part = try await admin.post(
                    "/admin/invoices/\(invoice)/refund", ["amount": "1.00", "reason": "Goodwill"])
                #expect(part.status == .seeOther)
                var refunds = try await sandbox.stripe.refunds(secretKey: stripe.secretKey)
                #expect(refunds.count == 1 && refunds.first?.amount == 100)
                var recorded = try await Self.transactions(sandbox, invoice: invoice)
                #expect(recorded.contains { $0.0 == refunds[0].id && $0.2 == 100 }, "\(recorded)")
                // The rest.
                let rest = try await admin.post(
                    "/admin/invoices/\(invoice)/refund",
                    ["amount": MoneyInput.text(Int64(charged - 100), currency: .gbp), "reason": ""])
                #expect(rest.status == .seeOther)
                refunds = try await sandbox.stripe.refunds(secretKey: stripe.secretKey)
                #expect(refunds.map(\.amount) == [100, charged - 100])
                recorded = try await Self.transactions(sandbox, invoice: invoice)
                #expect(recorded.filter { $0.2 > 0 }.count == 2)
                let status = try await sandbox.store.read { db in
                    try String.fetchOne(db, sql: "SELECT status FROM whmcs_invoices WHERE id = ?", arguments: [invoice])
                }
                #expect(status == "Refunded")
                let shown = try await admin.get("/admin/invoices/\(invoice)")
                #expect(shown.text.contains("Goodwill") && !shown.text.contains("Refund to the customer's card"))

                let audit = try await dependencies.accounts("acme") {
                    try await $0.auditEntries(action: "payments.refunded")
                }
                #expect(audit.count == 2 && audit.allSatisfy { $0.actor == "admin@acme.example" })
                let mails = try await dependencies.accounts("acme") { try await $0.outbox() }
                    .filter { $0.kind == "payment_refunded" && $0.toAddress == "refund@example.com" }
                #expect(mails.count == 2)
                #expect(mails.contains { $0.textBody.contains("£1.00") && $0.textBody.contains("Goodwill") })
                #expect(
                    mails.allSatisfy { !$0.textBody.lowercased().contains("stripe") && !$0.textBody.contains("WHMCS") })
                let customerPage = try await browser.get("/account/invoices/\(invoice)")
                #expect(customerPage.text.contains("£1.00 refunded to your card"))
            }
        }
    }

    @Test(
        "a 20% tax on the WHMCS invoice completes the order; the invoice shows the tax line and Stripe charges the total"
    )
    func tax() async throws {
        try await withSandbox(autoCapture: false) { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                try await Self.connectStripe("acme", sandbox, client, dependencies)
                try sandbox.setTax(rate: "20.00")
                let (browser, _, orderID, invoice) = try await Self.unpaidOrder(
                    client, dependencies, email: "tax@example.com", domain: "tax.example")
                let tenant = try dependencies.registryTenant("acme")
                let order = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.orders.order(Order.ID(orderID))
                    })
                #expect(order.status == .awaitingPayment, "tax never parks an order")
                let whmcsInvoice = try #require(
                    try await dependencies.upstreams.whmcs(for: tenant).client.invoice(id: invoice))
                #expect(whmcsInvoice.subtotalMinor == order.totalMinor)
                #expect(whmcsInvoice.taxMinor == (order.totalMinor * 20 + 50) / 100 && whmcsInvoice.taxRate == "20.00")
                let review = try await browser.get(
                    "/order/plan-0/review?cycle=monthly&domain=x.example&domain_action=existing")
                #expect(review.text.contains("Prices exclude VAT"))

                try await browser.post("/account/billing/refresh", [:])
                let page = try await browser.get("/account/invoices/\(invoice)")
                #expect(page.text.contains("VAT at 20%"), "\(page.text.prefix(200))")
                #expect(page.text.contains(Money.format(minor: whmcsInvoice.taxMinor, currency: "GBP")))
                #expect(page.text.contains("Pay \(Money.format(minor: whmcsInvoice.totalMinor, currency: "GBP"))"))

                let pay = try await browser.post("/account/invoices/\(invoice)/pay", [:])
                let amount = try await sandbox.store.read { db in
                    try Int.fetchOne(db, sql: "SELECT amount FROM stripe_sessions ORDER BY created DESC LIMIT 1")
                }
                #expect(amount == Int(whmcsInvoice.totalMinor), "the customer pays what WHMCS computed, tax included")
                let hosted = try #require(pay.handoff)
                #expect(try await Self.payOnStripe(hosted, card: "4242424242424242").status == 303)
                try await Commerce.wait(for: orderID, dependencies, until: .active)
            }
        }
    }

    @Test(
        "promotion codes: valid ones discount the review and the WHMCS invoice; expired, wrong-product, wrong-cycle and used-up ones say why"
    )
    func promotions() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let tenant = try dependencies.registryTenant("acme")
                let entry = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.catalogue.entry(slug: "plan-0")
                    })
                let report = await dependencies.productSync.run(
                    .upsert, [entry], tenant: tenant, via: "test", blockType: entry.product.kind.rawValue)
                let productID = try #require(report.results.first?.whmcsProductId)
                dependencies.storefront.invalidate(tenant)
                try await sandbox.whmcs.addPromotion(
                    code: "SAVE10", type: "Percentage", value: "10.00", appliesTo: [productID])
                try await sandbox.whmcs.addPromotion(
                    code: "OLD", type: "Percentage", value: "50.00", appliesTo: [productID], expires: "2020-01-31")
                try await sandbox.whmcs.addPromotion(
                    code: "OTHER", type: "Fixed Amount", value: "1.00", appliesTo: [productID + 1000])
                try await sandbox.whmcs.addPromotion(
                    code: "YEARLY", type: "Percentage", value: "20.00", appliesTo: [productID], cycles: "Annually")
                try await sandbox.whmcs.addPromotion(
                    code: "GONE", type: "Percentage", value: "20.00", appliesTo: [productID], maximumUses: 5, uses: 5)

                let (browser, _) = try await Commerce.customer(client, dependencies, email: "promo@example.com")
                let base = "/order/plan-0/review?cycle=monthly&domain=promo.example&domain_action=existing"
                for (code, reason) in [
                    ("OLD", "expired on 31 January 2020"), ("OTHER", "does not apply to"),
                    ("YEARLY", "does not apply to monthly billing"), ("GONE", "used as many times"),
                    ("NOPE", "There is no promotion with the code"),
                ] {
                    let refused = try await browser.get(base + "&promo=\(code)")
                    #expect(refused.status == .unprocessableContent, "\(code)")
                    #expect(refused.text.contains(reason), "\(code): \(refused.text.prefix(200))")
                    #expect(refused.text.contains(#"name="promo" value="""#), "a refused code is not carried on")
                }
                let review = try await browser.get(base + "&promo=save10")
                #expect(review.status == .ok)
                #expect(review.text.contains("Promotion SAVE10: 10% off"))
                let price = try #require(entry.price(for: .monthly)).priceMinor
                let discount = (price * 10 + 50) / 100
                let total = price - discount
                #expect(review.text.contains(#"name="quoted_total" value="\#(total)""#))
                let key = try #require(
                    review.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
                var form = Commerce.billing
                form.merge([
                    "cycle": "monthly", "domain": "promo.example", "domain_action": "existing",
                    "idempotency_key": key, "quoted_total": String(total), "promo": "SAVE10",
                ]) { $1 }
                let placed = try await browser.post("/order/plan-0", form)
                #expect(placed.status == .seeOther, "\(placed.text.prefix(400))")
                let orderID = try #require(Int64(placed.headers[.location]?.split(separator: "/").last ?? ""))
                let order = try await Commerce.wait(for: orderID, dependencies, until: .active)
                #expect(order.totalMinor == total && order.discountMinor == discount && order.promoCode == "SAVE10")
                let invoiceID = try #require(order.whmcsInvoiceID)
                let invoice = try #require(
                    try await dependencies.upstreams.whmcs(for: tenant).client.invoice(id: invoiceID))
                #expect(invoice.items.contains { $0.type == "PromoHosting" && $0.amountMinor == -discount })
                #expect(invoice.subtotalMinor == total)

                let staff = try await staffBrowser(client, dependencies, role: .support, landing: "/admin/reports")
                let reports = try await staff.get("/admin/reports")
                #expect(reports.text.contains("<code>SAVE10</code>"))
                #expect(reports.text.contains(Money.format(minor: discount, currency: "GBP")))
            }
        }
    }

    @Test(
        "the owner sets Stripe keys (sealed, last four shown), tests them, and changes the currency only before the first order"
    )
    func settings() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let stripeBase = try #require(sandbox.stripe.address.baseURL)
                let account = try await sandbox.stripe.ensureAccount("acme", webhookURL: "")
                let admin = try await staffBrowser(client, dependencies, role: .admin)
                #expect(try await admin.get("/admin/payments").status == .forbidden)
                let owner = try await staffBrowser(client, dependencies, role: .owner, landing: "/admin/payments")

                // Bad keys: each refused beside its field, nothing stored.
                let bad = try await owner.post(
                    "/admin/payments",
                    [
                        "secret_key": "pk_test_wrongkindofkey1234567", "publishable_key": "sk_live_abc",
                        "webhook_secret": "secret", "gateway": "Stripe!", "api_url": stripeBase,
                        "tax_name": "VAT", "tax_name2": "Tax",
                    ])
                #expect(bad.status == .unprocessableContent)
                #expect(bad.text.contains("not a Stripe secret key") && bad.text.contains("publishable key"))
                #expect(bad.text.contains("not a webhook signing secret") && bad.text.contains("system name"))
                let tenant = try dependencies.registryTenant("acme")
                #expect(
                    try await dependencies.databases.withDatabase(for: tenant) { try await $0.payments.stripeAccount() }
                        == nil)

                let saved = try await owner.post(
                    "/admin/payments",
                    [
                        "secret_key": account.secretKey, "publishable_key": account.publishableKey,
                        "webhook_secret": account.webhookSecret, "gateway": "stripe", "api_url": stripeBase,
                        "tax_name": "VAT", "tax_name2": "Tax", "prices_include_tax": "1",
                    ])
                #expect(saved.status == .seeOther)
                let shown = try await owner.get("/admin/payments")
                #expect(shown.text.contains("…\(account.secretKey.suffix(4))"))
                #expect(!shown.text.contains(account.secretKey) && !shown.text.contains(account.webhookSecret))
                let stored = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) { try await $0.payments.stripeAccount() }
                )
                #expect(
                    !String(decoding: stored.secretKey, as: UTF8.self).contains(account.secretKey), "sealed at rest")
                let tested = try await owner.post("/admin/payments/test", [:])
                #expect(tested.text.contains("Stripe accepted the secret key"))
                let review = try await TestBrowser(client, host: "acme.localhost")
                    .get("/order/plan-0/review?cycle=monthly&domain=x.example&domain_action=existing")
                #expect(review.text.contains("Prices include VAT"))

                // The currency: converted at WHMCS's rates before the first order, refused after it.
                let entry = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.catalogue.entry(slug: "plan-0")
                    })
                let pounds = try #require(entry.price(for: .monthly)).priceMinor
                let unknown = try await owner.post("/admin/payments/currency", ["currency": "XYZ"])
                #expect(unknown.status == .unprocessableContent && unknown.text.contains("WHMCS has no XYZ currency"))
                let yen = try await owner.post("/admin/payments/currency", ["currency": "jpy"])
                #expect(yen.status == .seeOther, "\(yen.text.prefix(300))")
                let converted = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.catalogue.entry(slug: "plan-0")
                    })
                #expect(converted.price(for: .monthly)?.priceMinor == (pounds * 1905 + 500) / 1000)
                #expect(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.storefront().brand.currency
                    } == "JPY")
                #expect(try await owner.post("/admin/payments/currency", ["currency": "GBP"]).status == .seeOther)

                let (browser, _) = try await Commerce.customer(client, dependencies, email: "first@example.com")
                _ = try await Commerce.order(browser, domain: "first.example")
                let locked = try await owner.post("/admin/payments/currency", ["currency": "USD"])
                #expect(locked.status == .conflict && locked.text.contains("cannot change any more"))
                #expect(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.storefront().brand.currency
                    } == "GBP")
                let audit = try await dependencies.accounts("acme") {
                    try await $0.auditEntries(action: "brand.currency_changed")
                }
                #expect(audit.count == 2)
            }
        }
    }

    @Test("a VAT id on the billing profile reaches WHMCS's client record and the invoice")
    func taxID() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _, order) = try await CustomerAreaTests.activeCustomer(
                    client, dependencies, email: "vat@example.com", domain: "vat.example")
                try await browser.get("/account/profile")
                var form = Commerce.billing
                form["tax_id"] = "gb 123 4567 89 <script>"
                let refused = try await browser.post("/account/profile", form)
                #expect(refused.status == .unprocessableContent && refused.text.contains("tax office"))
                form["tax_id"] = "gb123456789"
                let saved = try await browser.post("/account/profile", form)
                #expect(saved.status == .seeOther || saved.status == .ok)
                let whmcsTaxID = try await sandbox.store.read { db in
                    try String.fetchOne(
                        db, sql: "SELECT tax_id FROM whmcs_clients WHERE id = ?", arguments: [order.whmcsClientID])
                }
                #expect(whmcsTaxID == "GB123456789")
                let invoice = try await browser.get("/account/invoices/\(try #require(order.whmcsInvoiceID))")
                #expect(invoice.text.contains("Tax id: GB123456789"))
            }
        }
    }
}
