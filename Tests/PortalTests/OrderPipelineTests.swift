import Foundation
import GRDB
import HTTPTypes
import Sandbox
import Tenancy
import Testing

@testable import Portal

@Suite("Checkout and order pipeline")
struct OrderPipelineTests {
    static func fast(_ configuration: inout PortalConfiguration) {
        configuration.pipelineRetry.baseDelay = 0.05
        configuration.pipelineRetry.maximumDelay = 0.2
        configuration.pipelineRetry.maximumAttempts = 8
        // Long enough for a good answer on a loaded two-core machine running the suites in parallel (2 s was not:
        // a sandbox's GetCurrencies took longer there); no test using this waits for a timeout to expire.
        configuration.upstreamTimeout = .seconds(10)
    }

    /// The order page's status line, exactly as `account/order` renders it for each status an order passes through;
    /// while the order can still change by itself the line says the page refreshes.
    static let statusLines: [Order.Status: String] = [
        .awaitingPayment:
            #"<p class="order-status" role="status" aria-live="polite"><strong>Awaiting payment</strong>: We have your order and are preparing the invoice and payment. <span class="visually-hidden">This page refreshes every few seconds.</span></p>"#,
        .paid:
            #"<p class="order-status" role="status" aria-live="polite"><strong>Paid</strong>: Payment received. We are starting to set up your service. <span class="visually-hidden">This page refreshes every few seconds.</span></p>"#,
        .provisioning:
            #"<p class="order-status" role="status" aria-live="polite"><strong>Setting up</strong>: We are setting up your service now. This page updates by itself. <span class="visually-hidden">This page refreshes every few seconds.</span></p>"#,
        .active:
            #"<p class="order-status" role="status" aria-live="polite"><strong>Active</strong>: Your service is ready.</p>"#,
    ]
    static let refreshTag = #"<meta http-equiv="refresh" content="5">"#

    /// The order's status as stored now.
    static func status(of id: Int64, tenant: String = "acme", _ dependencies: PortalDependencies) async throws
        -> Order.Status
    {
        let tenantRow = try dependencies.registryTenant(tenant)
        let order = try await dependencies.databases.withDatabase(for: tenantRow) {
            try await $0.orders.order(Order.ID(id))
        }
        return try #require(order).status
    }

    @Test(
        "sign up, confirm, order shared hosting and see it active: one client in the brand's group, one order, one account under its reseller"
    )
    func fullJourney() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let browser = TestBrowser(client, host: "acme.localhost")

                // A stranger reviews the order: they may sign in (the way back kept) or make an account right there.
                let review = try await browser.get(
                    "/order/plan-0/review?cycle=monthly&domain=journey.example&domain_action=existing")
                #expect(review.status == .ok)
                #expect(review.text.contains("£2.99"))
                #expect(review.text.contains("/login?next=%2Forder%2Fplan-0%2Freview"), "\(review.text)")
                #expect(review.text.contains(#"action="/order/plan-0/new-customer""#))
                #expect(!review.text.contains(#"action="/order/plan-0" "#), "no order form without an account")

                try await browser.get("/signup?next=%2Forder%2Fplan-0%2Freview")
                let signedUp = try await browser.post(
                    "/signup",
                    [
                        "name": "Joan Clarke", "email": "joan@example.com", "password": "bletchley park 1941",
                        "next": "/order/plan-0/review?cycle=monthly&domain=journey.example&domain_action=existing",
                    ]
                )
                #expect(signedUp.text.contains("/login?next=%2Forder%2Fplan-0%2Freview"), "\(signedUp.text)")
                let verify = try #require(
                    firstLink(in: try await dependencies.outbox("acme").first { $0.kind == "verify_email" }))
                #expect(try await browser.get(pathAndQuery(verify)).text.contains("Email address confirmed"))
                try await signIn(browser, email: "joan@example.com", password: "bletchley park 1941")

                let id = try await Commerce.order(browser, domain: "journey.example")
                // The pipeline runs while the page is rendered: the page shows the status stored at that moment, so
                // exactly one of the statuses between a read before and a read after, with the refresh tag if it is
                // still settling.
                let progression: [Order.Status] = [.awaitingPayment, .paid, .provisioning, .active]
                let before = try await Self.status(of: id, dependencies)
                let pending = try await browser.get("/account/orders/\(id)")
                let after = try await Self.status(of: id, dependencies)
                #expect(pending.status == .ok)
                let earliest = try #require(progression.firstIndex(of: before), "\(before)")
                let latest = try #require(progression.firstIndex(of: after), "\(after)")
                let shown = progression[earliest...latest].filter { pending.text.contains(Self.statusLines[$0]!) }
                #expect(shown.count == 1, "between \(before) and \(after): \(pending.text)")
                if let status = shown.first {
                    #expect(pending.text.contains(Self.refreshTag) == status.isSettling, "\(status)")
                }

                let order = try await Commerce.wait(for: id, dependencies, until: .active)
                #expect(order.whmcsOrderID != nil && order.whmcsInvoiceID != nil && order.hostingAccountID != nil)
                let page = try await browser.get("/account/orders/\(id)")
                #expect(page.text.contains(Self.statusLines[.active]!))
                #expect(!page.text.contains(#"http-equiv="refresh""#))
                #expect(page.text.contains("ns1.acme.example"))

                let upstream = try await Commerce.upstream(
                    sandbox, email: "joan@example.com", domain: "journey.example")
                let setup = try await sandbox.provisionTenant(slug: "acme", name: "Acme Hosting")
                #expect(
                    upstream
                        == .init(
                            clients: 1, clientGroup: setup.clientGroupID, orders: 1, accounts: 1,
                            accountOwner: setup.reseller,
                            nameservers: "ns1.acme.example,ns2.acme.example"))

                // Paid in the sandbox, accepted, and the product was synced on first use with its module.
                let (invoiceStatus, module, options) = try await sandbox.store.read { db in
                    (
                        try String.fetchOne(
                            db, sql: "SELECT status FROM whmcs_invoices WHERE id = ?", arguments: [order.whmcsInvoiceID]
                        ),
                        try String.fetchOne(
                            db, sql: "SELECT module FROM whmcs_products WHERE slug LIKE 'plan-0-%' AND gid = ?",
                            arguments: [setup.productGroupID]),
                        try String.fetchOne(
                            db, sql: "SELECT configoptions FROM whmcs_products WHERE slug LIKE 'plan-0-%'")
                    )
                }
                #expect(invoiceStatus == "Paid")
                #expect(module == "cpanel")
                #expect(options == #"["racme_starter"]"#)

                // The password is sealed at rest; the activation email links to the order, never a password.
                let tenant = try dependencies.registryTenant("acme")
                let sealed = try await dependencies.databases.withDatabase(for: tenant) { database in
                    try await database.pool.read { db in
                        try Data.fetchOne(db, sql: "SELECT password_sealed FROM hosting_accounts")
                    }
                }
                #expect(sealed != nil)
                let mails = try await dependencies.outbox("acme")
                let activated = try #require(mails.first { $0.kind == "service_activated" })
                #expect(activated.textBody.contains("/account/orders/\(id)"))
                #expect(activated.textBody.contains("ns1.acme.example"))
                #expect(mails.contains { $0.kind == "order_confirmation" && $0.textBody.contains("£2.99") })
                let audit = try await dependencies.accounts("acme") { try await $0.auditEntries() }.map(\.action)
                #expect(audit.contains("order.placed") && audit.contains("order.activated"))
            }
        }
    }

    @Test("a double click or a replayed form makes one order")
    func idempotentPlacement() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "twice@example.com")
                let key = SecureToken.generate()
                let first = try await Commerce.order(browser, domain: "twice.example", key: key)
                let second = try await Commerce.order(browser, domain: "twice.example", key: key)
                #expect(first == second)
                async let a = Commerce.order(browser, domain: "race.example", key: "race-key-0123456789abcdef")
                async let b = Commerce.order(browser, domain: "race.example", key: "race-key-0123456789abcdef")
                let (x, y) = try await (a, b)
                #expect(x == y)
                let count = try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme"))
                { database in
                    try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM orders") }
                }
                #expect(count == 2)
                try await Commerce.wait(for: first, dependencies, until: .active)
                #expect(
                    try await Commerce.upstream(sandbox, email: "twice@example.com", domain: "twice.example").orders
                        == 2)
            }
        }
    }

    @Test("bad choices and billing details are refused beside the field and nothing is ordered")
    func badCheckoutInput() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "bad@example.com")
                let noCycle = try await browser.get(
                    "/order/plan-0/review?cycle=weekly&domain=ok.example&domain_action=existing")
                #expect(noCycle.status == .unprocessableContent)
                #expect(noCycle.text.contains("Choose how often to pay."))
                let badDomain = try await browser.get(
                    "/order/plan-0/review?cycle=monthly&domain=not%20a%20domain&domain_action=existing")
                #expect(badDomain.text.contains("is not a domain name"))
                let noTLD = try await browser.get(
                    "/order/plan-0/review?cycle=monthly&domain=x.example&domain_action=register")
                #expect(noTLD.text.contains("We cannot register this domain ending here"))

                try await browser.get("/order/plan-0/review?cycle=monthly&domain=ok.example&domain_action=existing")
                var form = Commerce.billing
                form["country"] = "ZZ"
                form["phone"] = "call me"
                form["company"] = #""><script>alert(1)</script>"#
                form.merge([
                    "cycle": "monthly", "domain": "ok.example", "domain_action": "existing",
                    "idempotency_key": SecureToken.generate(), "quoted_total": "299",
                ]) { $1 }
                let refused = try await browser.post("/order/plan-0", form)
                #expect(refused.status == .unprocessableContent)
                #expect(
                    refused.text.contains(
                        #"<select id="country" name="country" autocomplete="country" aria-invalid="true" aria-describedby="country-error"><option value="">Choose your country</option>"#
                    )
                        && refused.text.contains(
                            #"<p class="field__error" id="country-error">Choose your country from the list.</p>"#)
                        && refused.text.contains(#"<option value="GB">United Kingdom</option>"#))
                #expect(
                    refused.text.contains(
                        #"<input id="phone" name="phone" type="tel" autocomplete="tel" value="call me" aria-invalid="true" aria-describedby="phone-error"><p class="field__error" id="phone-error">Enter a phone number such as +44 20 7946 0123.</p>"#
                    ))
                // The typed values stay, escaped: an apostrophe and a hostile company name are text in the attribute.
                #expect(
                    refused.text.contains(
                        #"<input id="address1" name="address1" type="text" autocomplete="address-line1" value="12 St James&#39;s Square">"#
                    ))
                #expect(!refused.text.contains("James's"))
                #expect(
                    refused.text.contains(
                        #"<input id="company" name="company" type="text" autocomplete="organization" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">"#
                    ))
                #expect(!refused.text.contains("<script>alert(1)</script>"))
                #expect(try await browser.get("/order/missing").status == .notFound)
                let count = try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme"))
                { database in
                    try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM orders") }
                }
                #expect(count == 0)
            }
        }
    }

    @Test("an order of tenant A never lands in tenant B's group or under B's reseller, and B cannot see it")
    func crossTenant() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                let acme = try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let globex = try await Commerce.connect(
                    "globex", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (a, _) = try await Commerce.customer(
                    client, dependencies, tenant: "acme", email: "same@example.com")
                let (b, _) = try await Commerce.customer(
                    client, dependencies, tenant: "globex", email: "other@example.com")
                let acmeOrder = try await Commerce.order(a, domain: "acme-shop.example")
                let globexOrder = try await Commerce.order(b, domain: "globex-shop.example")
                try await Commerce.wait(for: acmeOrder, tenant: "acme", dependencies, until: .active)
                try await Commerce.wait(for: globexOrder, tenant: "globex", dependencies, until: .active)
                let inAcme = try await Commerce.upstream(
                    sandbox, email: "same@example.com", domain: "acme-shop.example")
                let inGlobex = try await Commerce.upstream(
                    sandbox, email: "other@example.com", domain: "globex-shop.example")
                #expect(inAcme.clientGroup == acme.clientGroupID && inAcme.accountOwner == acme.reseller)
                #expect(inGlobex.clientGroup == globex.clientGroupID && inGlobex.accountOwner == globex.reseller)
                #expect(inGlobex.nameservers == "ns1.globex.example,ns2.globex.example")

                // Another customer's order (same tenant or another) answers like a missing one.
                let (stranger, _) = try await Commerce.customer(
                    client, dependencies, tenant: "acme", email: "stranger@example.com")
                #expect(try await stranger.get("/account/orders/\(acmeOrder)").status == .notFound)
                #expect(try await b.get("/account/orders/\(acmeOrder)").text.contains("acme-shop.example") == false)
                #expect(try await b.get("/account/orders/\(acmeOrder + 100)").status == .notFound)
                let globexOwner = try await staffBrowser(client, dependencies, tenant: "globex")
                let list = try await globexOwner.get("/admin/orders")
                #expect(list.text.contains("globex-shop.example") && !list.text.contains("acme-shop.example"))
            }
        }
    }

    @Test("non-hosting products stop at a manual setup task, never shown as active, until staff finish it")
    func manualSetup() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let owner = try await staffBrowser(client, dependencies)
                try await owner.get("/admin/products/new?kind=ssl")
                let saved = try await owner.post(
                    "/admin/products",
                    [
                        "kind": "ssl", "name": "Basic SSL", "slug": "basic-ssl", "visibility": "visible",
                        "ssl_type": "single",
                        "ssl_product_code": "positivessl", "price_annually": "19.99", "position": "3",
                    ]
                )
                #expect(saved.status == .seeOther)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "ssl@example.com")
                let id = try await Commerce.order(
                    browser, slug: "basic-ssl", cycle: "annually", domain: "secure.example", action: "")
                let order = try await Commerce.wait(for: id, dependencies, until: .needsSetup)
                #expect(order.activatedAt == nil)
                let page = try await browser.get("/account/orders/\(id)")
                #expect(page.text.contains("Being set up") && !page.text.contains("Your service is ready"))
                let staff = try await owner.get("/admin/orders/\(id)")
                #expect(
                    staff.text.contains("Needs manual setup")
                        && staff.text.contains("not provisioned automatically yet"))
                #expect(try await owner.post("/admin/orders/\(id)/complete", [:]).status == .seeOther)
                try await Commerce.wait(for: id, dependencies, until: .active)
                #expect(
                    try await dependencies.outbox("acme").contains {
                        $0.kind == "service_activated" && $0.textBody.contains("secure.example")
                    })
            }
        }
    }

    @Test(
        "a step that keeps failing is parked for staff with the reason; the customer sees a calm message; retry completes it"
    )
    func failedJobsAndRetry() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: {
                Self.fast(&$0); $0.pipelineRetry.maximumAttempts = 2
            }) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                sandbox.whmFaults.set(.http500)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "later@example.com")
                let id = try await Commerce.order(browser, domain: "later.example")
                let failed = try await Commerce.wait(for: id, dependencies, until: .failed)
                #expect(failed.failure?.contains("provision") == true)
                let page = try await browser.get("/account/orders/\(id)")
                #expect(page.text.contains("our team is on it"))
                // Neither the status nor WHM is named; the random order number may contain the digits 500.
                let visible = page.text.replacing(/<[^>]*>/, with: " ")
                #expect(visible.firstMatch(of: /\b500\b/) == nil && !page.text.contains("WHM"))

                let owner = try await staffBrowser(client, dependencies)
                let list = try await owner.get("/admin/orders")
                #expect(list.text.contains("1 order failed to set up"))
                let detail = try await owner.get("/admin/orders/\(id)")
                #expect(detail.text.contains("Retry the failed step") && detail.text.contains("WHM"))

                // Support reads but cannot act.
                _ = try await makeAccount(dependencies, kind: .staff, email: "help@acme.example", role: .support)
                let support = TestBrowser(client, host: "acme.localhost")
                try await signIn(support, email: "help@acme.example", staff: true)
                #expect(try await support.get("/admin/orders/\(id)").status == .ok)
                #expect(try await support.post("/admin/orders/\(id)/retry", [:]).status == .forbidden)

                sandbox.whmFaults.clear()
                #expect(try await owner.post("/admin/orders/\(id)/retry", [:]).status == .seeOther)
                try await Commerce.wait(for: id, dependencies, until: .active)
                #expect(
                    try await Commerce.upstream(sandbox, email: "later@example.com", domain: "later.example").accounts
                        == 1)
                let audit = try await dependencies.accounts("acme") { try await $0.auditEntries() }.map(\.action)
                #expect(audit.contains("order.failed") && audit.contains("order.retried"))
                // Nothing failed any more: no alert at zero.
                #expect(!(try await owner.get("/admin/orders")).text.contains("failed to set up"))

                // Cancelling: an order still waiting stops there.
                let other = try await Commerce.order(browser, domain: "stop.example")
                #expect(try await owner.post("/admin/orders/\(other)/cancel", [:]).status == .seeOther)
                try await Commerce.wait(for: other, dependencies, until: .cancelled)
                #expect(try await owner.post("/admin/orders/\(id)/cancel", [:]).status == .conflict)
            }
        }
    }

    @Test("an unconfirmed customer's order waits for the email address, then goes through")
    func waitsForConfirmedEmail() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, account) = try await Commerce.customer(
                    client, dependencies, email: "unconfirmed@example.com")
                try await dependencies.accounts("acme") { store in
                    try await store.pool.write { db in
                        try db.execute(
                            sql: "UPDATE accounts SET email_verified_at = NULL WHERE id = ?", arguments: [account.id])
                    }
                }
                let id = try await Commerce.order(browser, domain: "wait.example")
                // The client step's own recorded outcome, not a pause: it ran, and chose to wait.
                let tenant = try dependencies.registryTenant("acme")
                let waiting = "waiting for the customer to confirm their email address"
                var clientJob: OrderJob?
                for _ in 0..<300 where clientJob?.lastError != waiting {
                    let detail = try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.orders.detail(Order.ID(id))
                    }
                    clientJob = detail?.jobs.first { $0.step == .client }
                    if clientJob?.lastError != waiting { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(clientJob?.lastError == waiting)
                #expect(clientJob?.attempts == 0, "waiting is not a failed attempt")
                let page = try await browser.get("/account/orders/\(id)")
                #expect(page.text.contains("Confirm your email address"))
                #expect(
                    try await Commerce.upstream(sandbox, email: "unconfirmed@example.com", domain: "wait.example")
                        .clients == 0)
            }
        }
    }

    @Test("live mode waits for the customer to pay the invoice in WHMCS, polling it, then provisions")
    func livePaymentWait() async throws {
        try await withSandbox(autoCapture: false) { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: {
                Self.fast(&$0)
                $0.pipelineRetry.paymentPollMinimum = 0.1
                // A live brand may only reach public addresses; this one's "live" WHMCS is the simulator.
                $0.upstreamTransport = .trustingLoopback
            }) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let tenant = try dependencies.registryTenant("acme")
                // Stored directly: the settings form would rightly refuse a loopback address in live mode.
                try await dependencies.databases.withDatabase(for: tenant) { database in
                    var settings = try await database.upstreams.settings()
                    settings.mode = .live
                    _ = try await database.upstreams.save(settings)
                }
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "payer@example.com")
                let id = try await Commerce.order(browser, domain: "payer.example")
                var invoiceID: Int?
                let deadline = Date().addingTimeInterval(120)
                while invoiceID == nil, Date() < deadline {
                    let detail = try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.orders.detail(Order.ID(id))
                    }
                    if detail?.jobs.last?.lastError?.contains("waiting for invoice") == true {
                        invoiceID = detail?.order.whmcsInvoiceID
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let invoice = try #require(invoiceID)
                // At least one more recorded poll of the unpaid invoice (each one moves the job's next run), not a pause.
                let firstPoll = try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.orders.detail(Order.ID(id))
                }?
                .jobs.last?.runAfter
                var polledAgain = false
                for _ in 0..<300 where !polledAgain {
                    let next = try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.orders.detail(Order.ID(id))
                    }?
                    .jobs.last?.runAfter
                    polledAgain = next != firstPoll
                    if !polledAgain { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(polledAgain, "the payment step polled the unpaid invoice again")
                #expect(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.orders.order(Order.ID(id))?.status
                    } == .awaitingPayment)
                #expect(try await browser.get("/account/orders/\(id)").text.contains("Awaiting payment"))

                let (whmcs, _) = try await dependencies.upstreams.whmcs(for: tenant)
                try await whmcs.addPayment(
                    .init(invoiceID: invoice, transactionID: "card-123", gateway: "mailin", date: "2026-11-26 10:00:00")
                )
                try await Commerce.wait(for: id, dependencies, until: .active)
                let transactions = try await whmcs.invoice(id: invoice)?.transactions.map(\.transactionID)
                #expect(transactions == ["card-123"], "the portal never pays a live invoice itself")
            }
        }
    }

    @Test("hosting with a new domain registers it in the same WHMCS order, priced from the brand's TLD list")
    func hostingWithRegistration() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let owner = try await staffBrowser(client, dependencies)
                try await owner.get("/admin/products/new?kind=domain")
                let saved = try await owner.post(
                    "/admin/products",
                    [
                        "kind": "domain", "name": "Domains", "slug": "domains", "visibility": "visible",
                        "position": "9",
                        "tld_prices": "com 10.99 9.99 12.99\nco.uk 6.99 6.99 7.99",
                    ]
                )
                #expect(saved.status == .seeOther)
                // A setup fee too: the WHMCS invoice must come to exactly what the customer was shown.
                let tenant = try dependencies.registryTenant("acme")
                let plan = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.catalogue.entry(slug: "plan-0")
                    })
                var draft = ProductDraft(plan, currency: .gbp)
                draft.prices = [.init(cycle: "monthly", price: "2.99", setup: "5.00")]
                try await owner.get("/admin/products")
                #expect(
                    try await owner.post("/admin/products/\(plan.product.id!)", CatalogueTests.form(draft)).status
                        == .seeOther)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "registrant@example.com")
                let review = try await browser.get(
                    "/order/plan-0/review?cycle=monthly&domain=brand-new.co.uk&domain_action=register")
                #expect(review.text.contains("brand-new.co.uk registration, 1 year") && review.text.contains("£14.98"))
                let id = try await Commerce.order(browser, domain: "brand-new.co.uk", action: "register")
                let order = try await Commerce.wait(for: id, dependencies, until: .active)
                #expect(order.domainMinor == 699 && order.totalMinor == 1498)
                let invoiceTotal = try await sandbox.store.read { db in
                    try Int.fetchOne(
                        db, sql: "SELECT total FROM whmcs_invoices WHERE id = ?", arguments: [order.whmcsInvoiceID])
                }
                #expect(invoiceTotal == 1498)

                // A domain on its own: AddOrder with the registration only, then a setup task for staff.
                let domainOnly = try await Commerce.order(
                    browser, slug: "domains", cycle: "", domain: "only-a-name.com", action: "register")
                let registered = try await Commerce.wait(for: domainOnly, dependencies, until: .needsSetup)
                #expect(registered.totalMinor == 1099)
                let lines = try await sandbox.store.read { db in
                    (
                        try Int.fetchOne(
                            db, sql: "SELECT count(*) FROM whmcs_services WHERE orderid = ?",
                            arguments: [registered.whmcsOrderID]),
                        try Int.fetchOne(
                            db, sql: "SELECT count(*) FROM whmcs_domains WHERE orderid = ?",
                            arguments: [registered.whmcsOrderID])
                    )
                }
                #expect(lines.0 == 0 && lines.1 == 1)

                // The same domain cannot get a second hosting account by accident.
                let again = try await browser.get(
                    "/order/plan-0/review?cycle=monthly&domain=brand-new.co.uk&domain_action=existing")
                let key = try #require(
                    again.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
                var form = Commerce.billing
                form.merge([
                    "cycle": "monthly", "domain": "brand-new.co.uk", "domain_action": "existing",
                    "idempotency_key": key,
                    "quoted_total": "799",
                ]) { $1 }
                let refused = try await browser.post("/order/plan-0", form)
                #expect(
                    refused.status == .unprocessableContent
                        && refused.text.contains("You already have hosting for brand-new.co.uk"))
                let domainType = try await sandbox.store.read { db in
                    try String.fetchOne(db, sql: "SELECT type FROM whmcs_domains WHERE domain = 'brand-new.co.uk'")
                }
                #expect(domainType == "Register")
            }
        }
    }

    @Test("a price changed between review and Place order shows the review again instead of charging the new price")
    func priceChangedMidway() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "quoted@example.com")
                let review = try await browser.get(
                    "/order/plan-0/review?cycle=monthly&domain=quoted.example&domain_action=existing")
                let key = try #require(
                    review.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
                let tenant = try dependencies.registryTenant("acme")
                try await dependencies.databases.withDatabase(for: tenant) { database in
                    try await database.pool.write { db in
                        try db.execute(sql: "UPDATE product_prices SET price_minor = 399")
                    }
                }
                var form = Commerce.billing
                form.merge([
                    "cycle": "monthly", "domain": "quoted.example", "domain_action": "existing", "idempotency_key": key,
                    "quoted_total": "299",
                ]) { $1 }
                let changed = try await browser.post("/order/plan-0", form)
                #expect(changed.status == .conflict)
                #expect(changed.text.contains("The price changed") && changed.text.contains("£3.99"))
                form["quoted_total"] = "399"
                #expect(try await browser.post("/order/plan-0", form).status == .seeOther)
            }
        }
    }

    @Test("an account WHMCS's own module made on accept is adopted, not duplicated; reseller hosting goes to staff")
    func adoptsAndRoutes() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                let setup = try await Commerce.connect(
                    "acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                // As if WHMCS's cPanel module had created the account when the order was accepted.
                let tenant = try dependencies.registryTenant("acme")
                let whm = try await dependencies.upstreams.whm(for: tenant)
                _ = try await whm.createAccount(
                    .init(
                        username: "premade1", domain: "premade.example", plan: "\(setup.reseller)_starter",
                        contactEmail: "x@example.com"))
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "adopt@example.com")
                let id = try await Commerce.order(browser, domain: "premade.example")
                let order = try await Commerce.wait(for: id, dependencies, until: .active)
                #expect(
                    try await Commerce.upstream(sandbox, email: "adopt@example.com", domain: "premade.example").accounts
                        == 1)
                let hosting = try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.upstreams.hostingAccounts(of: order.accountID)
                }
                #expect(hosting.map(\.username) == ["premade1"])

                let owner = try await staffBrowser(client, dependencies)
                try await owner.get("/admin/products/new?kind=reseller_hosting")
                #expect(
                    try await owner.post(
                        "/admin/products",
                        [
                            "kind": "reseller_hosting", "name": "Resell", "slug": "resell", "visibility": "visible",
                            "whm_package": "pro",
                            "disk_mb": "20480", "reseller_accounts": "20", "price_monthly": "29.99", "position": "5",
                        ]
                    ).status == .seeOther)
                let resell = try await Commerce.order(browser, slug: "resell", domain: "reseller-brand.example")
                try await Commerce.wait(for: resell, dependencies, until: .needsSetup)
                #expect(
                    try await Commerce.upstream(sandbox, email: "adopt@example.com", domain: "reseller-brand.example")
                        .accounts == 0)
            }
        }
    }
}
