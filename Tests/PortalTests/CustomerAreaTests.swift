import AsyncHTTPClient
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Integrations
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Customer area: services, invoices and profile")
struct CustomerAreaTests {
    /// A customer with an active hosting order, and their WHMCS client id.
    static func activeCustomer(
        _ client: any TestClientProtocol, _ dependencies: PortalDependencies, tenant: String = "acme", email: String,
        domain: String
    ) async throws -> (TestBrowser, Account, Order) {
        let (browser, account) = try await Commerce.customer(client, dependencies, tenant: tenant, email: email)
        let id = try await Commerce.order(browser, domain: domain)
        let order = try await Commerce.wait(for: id, tenant: tenant, dependencies, until: .active)
        return (browser, account, order)
    }

    @Test("a yearly plan bought and paid today is next due a year from today, not today")
    func yearlyNextDue() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let tenant = try dependencies.registryTenant("acme")
                try await dependencies.databases.withDatabase(for: tenant) { database in
                    var entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
                    entry.prices.append(
                        ProductPrice(cycle: .annually, priceMinor: 2990, setupMinor: 0, costMinor: 1400))
                    _ = try await database.catalogue.save(entry, actor: nil, via: "test", ip: "")
                }
                dependencies.storefront.invalidate(tenant)
                let (browser, account) = try await Commerce.customer(client, dependencies, email: "year@example.com")
                let id = try await Commerce.order(browser, cycle: "annually", domain: "year.example")
                try await Commerce.wait(for: id, dependencies, until: .active)
                try await dependencies.billingRefresher.refresh(account.id, in: tenant)
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = "yyyy-MM-dd"
                let today = formatter.string(from: Date())
                let nextYear = formatter.string(
                    from: Calendar(identifier: .gregorian).date(byAdding: .year, value: 1, to: Date())!)
                let list = try await browser.get("/account/services")
                #expect(
                    list.text.contains(#"<td data-label="Next due">\#(nextYear)</td>"#)
                        && !list.text.contains(#"<td data-label="Next due">\#(today)</td>"#),
                    "\(list.text)")
            }
        }
    }

    @Test(
        "the dashboard, service list and service page show the customer's own service; the password needs the account password"
    )
    func services() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, account, order) = try await Self.activeCustomer(
                    client, dependencies, email: "svc@example.com", domain: "svc.example")
                let serviceID = try #require(order.whmcsServiceID)

                let home = try await browser.get("/account")
                #expect(home.text.contains("/account/services/\(serviceID)") && home.text.contains("svc.example"))
                #expect(home.text.contains("Nothing to pay"))
                // No alert at zero: nothing is being set up, and no tickets are open.
                #expect(!home.text.contains("being set up") && home.text.contains("No open tickets."))
                let list = try await browser.get("/account/services")
                #expect(
                    list.text.contains(
                        #"<tr><td data-label="Service"><a href="/account/services/\#(serviceID)">Acme Starter</a></td><td data-label="Domain">svc.example</td><td data-label="Status"><span class="badge" data-status="Active">Active</span></td>"#
                    ), "\(list.text)")
                let page = try await browser.get("/account/services/\(serviceID)")
                #expect(
                    page.text.contains("10 GB disk space") && page.text.contains("ns1.acme.example")
                        && page.text.contains("Log in to your control panel"))
                #expect(!page.text.contains("class=\"secret\""), "the password is not on the page by default")
                // The sections are tabs, the overview marked current; usage comes from the hosting server.
                #expect(
                    page.text.contains(#"<a href="/account/services/\#(serviceID)" aria-current="page">Overview</a>"#))
                #expect(page.text.contains(#"href="/account/services/\#(serviceID)?tab=login">Log in</a>"#))
                let hosting = try #require(
                    try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                        try await $0.upstreams.hostingAccounts(of: account.id).first
                    })
                try await sandbox.whm.setUsage(of: hosting.username, diskMB: 2_560, bandwidthBytes: 3 << 30)
                let usage = try await browser.get("/account/services/\(serviceID)")
                // The WHM package of this plan allows 5 GB of disk and 50 GB of bandwidth a month.
                #expect(usage.text.contains("Disk space</strong><br>2.5 GB of 5 GB"), "\(usage.text)")
                #expect(usage.text.contains(#"max="100" value="50">50%</progress>"#))
                #expect(usage.text.contains("Bandwidth this month</strong><br>3 GB of 50 GB"))
                sandbox.whmFaults.set(.http500, count: 10)
                let withoutUsage = try await browser.get("/account/services/\(serviceID)")
                sandbox.whmFaults.clear()
                #expect(withoutUsage.status == .ok && withoutUsage.text.contains("Usage cannot be shown just now."))
                #expect(withoutUsage.text.contains("10 GB disk space"))

                let wrong = try await browser.post("/account/services/\(serviceID)/password", ["password": "not it"])
                #expect(
                    wrong.status == .unprocessableContent && wrong.text.contains("That is not your account password."))
                let shown = try await browser.post(
                    "/account/services/\(serviceID)/password", ["password": "correct horse battery"])
                #expect(shown.status == .ok && shown.headers[.cacheControl] == "no-store")
                let password = try #require(
                    shown.text.firstMatch(of: /<code class="secret">([^<]+)<\/code>/).map { String($0.1) })
                #expect(password.count == 20)
                #expect(
                    try await dependencies.accounts("acme") {
                        try await $0.auditEntries(action: "service.password_revealed")
                    }.count == 1)

                // The control panel: a one-time cPanel session URL; the reseller's token never reaches the browser.
                let setup = try await sandbox.provisionTenant(slug: "acme", name: "Acme Hosting")
                // A page of the brand's own (a redirect would be stopped by form-action 'self'), opened in a new tab,
                // that moves on to the one-time address by itself and offers it as a link.
                let service = try await browser.get("/account/services/\(serviceID)?tab=login")
                #expect(
                    service.text.contains(
                        #"action="/account/services/\#(serviceID)/control-panel" class="form" target="_blank""#))
                let panel = try await browser.post("/account/services/\(serviceID)/control-panel", [:])
                #expect(panel.status == .ok && panel.headers[.cacheControl] == "no-store")
                let location = try #require(
                    panel.text.firstMatch(of: /<meta http-equiv="refresh" content="0;url=([^"]+)">/).map {
                        String($0.1).replacingOccurrences(of: "&amp;", with: "&")
                    })
                #expect(panel.text.contains(#"href="\#(location.replacingOccurrences(of: "&", with: "&amp;"))""#))
                #expect(
                    location.hasPrefix(whmURL) && location.contains("/login/")
                        && !location.contains(setup.resellerToken))
                #expect(!panel.text.contains(setup.resellerToken))
                #expect(try await fetchOutside(location).contains("<p>Home</p>"))

                // Shortcuts open the part of the panel asked for: webmail, and cPanel's own applications.
                let opened = { (open: String) async throws -> String in
                    let answer = try await browser.post(
                        "/account/services/\(serviceID)/control-panel", ["open": open])
                    let link = try #require(
                        answer.text.firstMatch(of: /<meta http-equiv="refresh" content="0;url=([^"]+)">/).map {
                            String($0.1).replacingOccurrences(of: "&amp;", with: "&")
                        })
                    return try await fetchOutside(link)
                }
                #expect(service.text.contains(#"name="open" value="webmail">Webmail</button>"#))
                #expect(try await opened("webmail").contains("<h1>Webmail</h1>"))
                #expect(try await opened("files").contains("Application: FileManager_Home"))
                #expect(try await opened("databases").contains("Application: Database_phpMyAdmin"))
                let bogus = try await browser.post(
                    "/account/services/\(serviceID)/control-panel", ["open": "../whostmgrd"])
                #expect(bogus.status == .badRequest && bogus.text.contains("There is no such control panel page."))
                #expect(!bogus.text.contains("http-equiv=\"refresh\""))

                // A panel that cannot be reached: a page that says so, with a reference, and no half-made link.
                sandbox.whmFaults.set(.http500, count: 10)
                let down = try await browser.post("/account/services/\(serviceID)/control-panel", [:])
                sandbox.whmFaults.clear()
                #expect(down.status == .serviceUnavailable)
                #expect(down.text.contains("We cannot open your control panel just now"))
                #expect(down.text.contains("Reference: <code>") && !down.text.contains("http-equiv=\"refresh\""))
                #expect(!down.text.contains("cPanel") && !down.text.contains(whmURL))

                // Another customer, of this tenant or another, gets a 404 for the same id.
                let (other, _) = try await Commerce.customer(client, dependencies, email: "other@example.com")
                #expect(try await other.get("/account/services/\(serviceID)").status == .notFound)
                try await other.get("/account")
                #expect(try await other.post("/account/services/\(serviceID)/control-panel", [:]).status == .notFound)
                try await Commerce.connect("globex", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (globex, _) = try await Commerce.customer(
                    client, dependencies, tenant: "globex", email: "svc@example.com")
                #expect(try await globex.get("/account/services/\(serviceID)").status == .notFound)
                #expect(try await other.get("/account/services").text.contains("You have no services yet"))
            }
        }
    }

    @Test(
        "invoices: paged list with filters, a printable branded invoice, Pay in WHMCS without Stripe, and 404 for anyone else's"
    )
    func invoices() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _, order) = try await Self.activeCustomer(
                    client, dependencies, email: "inv@example.com", domain: "inv.example")
                let tenant = try dependencies.registryTenant("acme")
                try await dependencies.databases.withDatabase(for: tenant) { database in
                    try database.updateBrandNow {
                        $0.companyName = "Acme Hosting Ltd"; $0.postalAddress = "1 Acme Road\nLeeds"
                        $0.companyNumber = "01234567"; $0.taxNumber = "GB 123 4567 89"; $0.country = "GB"
                    }
                }
                dependencies.storefront.invalidate(tenant)
                // A second, unpaid order placed straight in WHMCS for this customer (no card on file this time).
                try sandbox.setAutoCapture(false)
                let (whmcs, _) = try await dependencies.upstreams.whmcs(for: tenant)
                let placed = try await whmcs.addOrder(
                    clientID: try #require(order.whmcsClientID),
                    items: [
                        WHMCSOrderItem(
                            productID: try #require(try await whmcs.products().first?.id), billingCycle: .monthly,
                            domain: "second.example")
                    ],
                    paymentMethod: "mailin"
                )
                let unpaid = try #require(placed.invoiceID)
                let refreshed = try await browser.post("/account/billing/refresh", [:])
                #expect(refreshed.status == .seeOther)

                let all = try await browser.get("/account/invoices")
                #expect(
                    all.text.contains("/account/invoices/\(unpaid)")
                        && all.text.contains("/account/invoices/\(order.whmcsInvoiceID!)"))
                let open = try await browser.get("/account/invoices?status=unpaid")
                #expect(
                    open.text.contains("/account/invoices/\(unpaid)")
                        && !open.text.contains("/account/invoices/\(order.whmcsInvoiceID!)\""))
                #expect(try await browser.get("/account/invoices?status=overdue").text.contains("Nothing is overdue."))
                #expect(try await browser.get("/account").text.contains("Invoice \(unpaid)"))

                let printable = try await browser.get("/account/invoices/\(unpaid)")
                #expect(printable.text.contains("Acme Hosting Ltd") && printable.text.contains("1 Acme Road"))
                #expect(
                    printable.text.contains("Ada Lovelace") && printable.text.contains("second.example")
                        && printable.text.contains("Pay £"))
                let stylesheet = try #require(
                    printable.text.firstMatch(of: /href="(\/static\/base\.css[^"]*)"/).map { String($0.1) })
                let css = try await client.get(stylesheet, host: "acme.localhost").text
                #expect(
                    css.contains("@media print") && css.contains(".no-print"),
                    "printing hides the site's chrome and the buttons")

                // The business details, dates written out, and the period a service line pays for.
                #expect(
                    printable.text.contains("Company number: 01234567") && printable.text.contains("Tax number: GB 1"))
                let invoiceDate = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) { database in
                        try await database.billing.invoices(
                            of: order.accountID, filter: .all, today: "2000-01-01", limit: 50, offset: 0
                        ).items.first { $0.whmcsInvoiceID == unpaid }
                    })
                #expect(printable.text.contains("Due: \(DisplayCalendar.longDate(invoiceDate.dueDate))"))
                #expect(
                    printable.text.contains(
                        try #require(DisplayCalendar.servicePeriod(from: invoiceDate.dueDate, cycle: "Monthly"))))

                // The same invoice as a PDF from WeasyPrint: its text holds the number, the lines and the total.
                let pdf = try await browser.get("/account/invoices/\(unpaid)/pdf")
                #expect(pdf.status == .ok && pdf.headers[.contentType] == "application/pdf")
                #expect(pdf.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"invoice-") == true)
                #expect(pdf.bytes.starts(with: Array("%PDF-".utf8)))
                let text = try await Self.pdfText(pdf.bytes)
                #expect(text.contains("Invoice \(unpaid)") && text.contains("Acme Hosting Ltd"), "\(text)")
                #expect(text.contains("second.example") && text.contains("Total"), "\(text)")
                #expect(text.contains(Money.format(minor: invoiceDate.totalMinor, currency: "GBP")), "\(text)")
                #expect(!text.contains("Download PDF") && !text.contains("Sign out"), "the PDF is the document only")
                #expect(
                    try FileManager.default.contentsOfDirectory(
                        atPath: dependencies.dataDirectory.tenantFolder(tenant.slug).appendingPathComponent("tmp").path
                    ).isEmpty, "nothing is left in the scratch folder")

                let (stranger, _) = try await Commerce.customer(client, dependencies, email: "stranger@example.com")
                #expect(try await stranger.get("/account/invoices/\(unpaid)").status == .notFound)
                #expect(try await stranger.get("/account/invoices/\(unpaid)/pdf").status == .notFound)
                try await stranger.get("/account")
                #expect(try await stranger.post("/account/invoices/\(unpaid)/pay", [:]).status == .notFound)
                #expect(try await stranger.get("/account/invoices").text.contains("You have no invoices yet"))

                // Without Stripe the customer pays on the WHMCS invoice, signed in there by a single-use link.
                let pay = try await browser.post("/account/invoices/\(unpaid)/pay", [:])
                #expect(pay.status == .ok)
                #expect(pay.handoff?.hasPrefix(whmcsURL + "/oauth/singlesignon.php?access_token=") == true)
                #expect(try await whmcs.invoice(id: unpaid)?.status == "Unpaid", "nothing is paid by the portal itself")
                // In WHMCS: the single-use link signs the customer in on their invoice, where "Pay Now" pays.
                let http = HTTPClient(
                    eventLoopGroupProvider: .singleton,
                    configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
                defer { _ = http.shutdown() }
                let signOn = try await http.execute(
                    HTTPClientRequest(url: try #require(pay.handoff)), timeout: .seconds(30))
                let cookie = try #require(signOn.headers.first(name: "Set-Cookie")?.split(separator: ";").first)
                #expect(signOn.headers.first(name: "Location") == whmcsURL + "/viewinvoice.php?id=\(unpaid)")
                var payNow = HTTPClientRequest(url: whmcsURL + "/viewinvoice.php?id=\(unpaid)")
                payNow.method = .POST
                payNow.headers.add(name: "Cookie", value: String(cookie))
                let paidInWHMCS = try await http.execute(payNow, timeout: .seconds(30))
                #expect(paidInWHMCS.status == .ok)
                #expect(try await whmcs.invoice(id: unpaid)?.status == "Paid")
                try await browser.post("/account/billing/refresh", [:])
                let after = try await browser.get("/account/invoices/\(unpaid)")
                #expect(after.text.contains(#"<span class="badge" data-status="Paid">Paid</span>"#))
            }
        }
    }

    @Test("when billing is down the customer gets a calm page with a reference that is in the log, and nothing changes")
    func upstreamTrouble() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let capture = LogCapture()
            try await withPortal(configure: OrderPipelineTests.fast, logger: capture.logger) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, account, order) = try await Self.activeCustomer(
                    client, dependencies, email: "down@example.com", domain: "down.example")
                sandbox.whmcsFaults.set(.http500)
                defer { sandbox.whmcsFaults.clear() }
                let page = try await browser.get("/account/invoices/\(order.whmcsInvoiceID!)")
                #expect(page.status == .serviceUnavailable)
                #expect(page.text.contains(#"<h1 id="trouble-title">This page cannot be shown just now</h1>"#))
                #expect(page.text.contains(#"<a class="button" href="/account">Back</a>"#))
                let reference = try #require(
                    page.text.firstMatch(of: /Reference: <code>([^<]+)<\/code>/).map { String($0.1) })
                // What the customer reads (tags and the random reference left out) names neither the status nor WHMCS;
                // a random id or asset hash in the markup may contain the digits 500 by chance.
                let visible = page.text.replacing(/<[^>]*>/, with: " ").replacing(reference, with: " ")
                #expect(visible.firstMatch(of: /\b500\b/) == nil && !page.text.contains("WHMCS"))
                #expect(
                    capture.captured.contains {
                        $0.message == "customer action failed upstream" && $0.metadata["request_id"] == reference
                    })

                var form = Commerce.billing
                form["city"] = "Manchester"
                try await browser.get("/account/profile")
                let saved = try await browser.post("/account/profile", form)
                #expect(saved.status == .serviceUnavailable)
                #expect(saved.text.contains(#"<h1 id="trouble-title">Nothing was changed</h1>"#))
                let stored = try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme"))
                {
                    try await $0.orders.profile(of: account.id)
                }
                #expect(stored?.city == "London")
                #expect(try await browser.get("/account").status == .ok, "the dashboard reads the local copy")
            }
        }
    }

    @Test("the profile is checked field by field and saved here and in WHMCS")
    func profile() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _, _) = try await Self.activeCustomer(
                    client, dependencies, email: "prof@example.com", domain: "prof.example")
                let page = try await browser.get("/account/profile")
                #expect(
                    page.text.contains(
                        #"<input id="address1" name="address1" type="text" autocomplete="address-line1" value="12 St James&#39;s Square">"#
                    ))
                #expect(!page.text.contains("James's"))
                var form = Commerce.billing
                form["postcode"] = ""
                form["company"] = #""><script>alert(1)</script>"#
                form["city"] = "</textarea><script>alert(2)</script>"
                let refused = try await browser.post("/account/profile", form)
                #expect(refused.status == .unprocessableContent)
                #expect(
                    refused.text.contains(
                        #"<input id="postcode" name="postcode" type="text" autocomplete="postal-code" value="" aria-invalid="true" aria-describedby="postcode-error"><p class="field__error" id="postcode-error">Enter your postcode.</p>"#
                    ))
                // What was typed is echoed back as text inside the attribute, never as markup.
                #expect(
                    refused.text.contains(
                        #"<input id="company" name="company" type="text" autocomplete="organization" value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">"#
                    ))
                #expect(
                    refused.text.contains(
                        #"<input id="city" name="city" type="text" autocomplete="address-level2" value="&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;">"#
                    ))
                #expect(
                    refused.text.contains(
                        #"<input id="address1" name="address1" type="text" autocomplete="address-line1" value="12 St James&#39;s Square">"#
                    ))
                #expect(!refused.text.contains("<script>alert(") && !refused.text.contains("James's"))
                form["company"] = ""
                form["postcode"] = "M1 1AE"
                form["city"] = "Manchester"
                #expect(try await browser.post("/account/profile", form).status == .seeOther)
                let city = try await sandbox.store.read { db in
                    try String.fetchOne(db, sql: "SELECT city FROM whmcs_clients WHERE email = 'prof@example.com'")
                }
                #expect(city == "Manchester")
            }
        }
    }

    @Test(
        "a ticket round trip: the customer opens it in WHMCS, support answers from /admin/tickets, the customer is emailed and replies"
    )
    func tickets() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _, order) = try await Self.activeCustomer(
                    client, dependencies, email: "help@example.com", domain: "help.example")
                #expect(try await browser.get("/account/tickets").text.contains("No tickets yet"))
                let form = try await browser.get("/account/tickets/new")
                #expect(form.text.contains(">Support</option>") && form.text.contains("help.example"))
                let key = try #require(
                    form.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })

                let bad = try await browser.post(
                    "/account/tickets", ["department": "1", "subject": "", "message": "x", "idempotency_key": key])
                #expect(bad.status == .unprocessableContent && bad.text.contains("Sum the problem up"))
                let fields = [
                    "department": "1", "service": String(order.whmcsServiceID!), "subject": "Site is down",
                    "message": "It shows a blank page.\n\nSince this morning.", "idempotency_key": key,
                ]
                try await browser.get("/account/tickets/new")
                let opened = try await browser.post("/account/tickets", fields)
                #expect(opened.status == .seeOther)
                try await browser.get("/account/tickets/new")
                let again = try await browser.post("/account/tickets", fields)
                #expect(again.headers[.location] == opened.headers[.location], "a double submission opens one ticket")
                let path = try #require(opened.headers[.location])
                let thread = try await browser.get(path)
                #expect(thread.text.contains("Site is down") && thread.text.contains("<p>Since this morning.</p>"))
                let inWHMCS = try await sandbox.store.read { db in
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM whmcs_tickets WHERE title = 'Site is down' AND serviceid = ?",
                        arguments: [order.whmcsServiceID])
                }
                #expect(inWHMCS == 1)
                #expect(try await browser.get("/account").text.contains("1 open ticket."))

                // Support answers from the staff area; the customer is emailed and sees it.
                _ = try await makeAccount(dependencies, kind: .staff, email: "agent@acme.example", role: .support)
                try await dependencies.accounts("acme") { try await $0.setSetting(StaffTwoFactorPolicy.key, to: "off") }
                let agent = TestBrowser(client, host: "acme.localhost")
                try await signIn(agent, email: "agent@acme.example", staff: true)
                let queue = try await agent.get("/admin/tickets")
                #expect(queue.text.contains("Site is down") && queue.text.contains("help@example.com"))
                let id = String(path.split(separator: "/").last!)
                try await agent.get("/admin/tickets/\(id)")
                #expect(
                    try await agent.post("/admin/tickets/\(id)/reply", ["message": "We restarted the server."]).status
                        == .seeOther)
                #expect(try await browser.get(path).text.contains("We restarted the server."))
                #expect(
                    try await dependencies.outbox("acme").contains {
                        $0.kind == "ticket_reply" && $0.toAddress == "help@example.com"
                    })
                let replies = try await sandbox.store.read { db in
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM whmcs_ticket_replies WHERE admin != ''")
                }
                #expect(replies == 1)

                try await browser.get(path)
                #expect(try await browser.post("\(path)/reply", ["message": "Thanks, it works."]).status == .seeOther)
                #expect(try await browser.get(path).text.contains("Customer-Reply"))

                // A reply written in WHMCS itself reaches the customer's copy on the next refresh.
                let whmcsTicket = try #require(
                    try await sandbox.store.read { db in
                        try Int.fetchOne(db, sql: "SELECT id FROM whmcs_tickets WHERE title = 'Site is down'")
                    })
                let (whmcs, _) = try await dependencies.upstreams.whmcs(for: try dependencies.registryTenant("acme"))
                try await whmcs.addStaffReply(
                    ticketID: whmcsTicket, adminUsername: "Grace", message: "Answered from WHMCS directly.")
                try await browser.get("/account")
                #expect(try await browser.post("/account/billing/refresh", [:]).status == .seeOther)
                let mirrored = try await browser.get(path).text
                #expect(
                    mirrored.contains("Answered from WHMCS directly.") && mirrored.contains("Grace (support)")
                        && mirrored.contains("Answered"))
                #expect(mirrored.contains("Thanks, it works.") && mirrored.contains("<p>Since this morning.</p>"))

                // Nobody else can read it.
                let (other, _) = try await Commerce.customer(client, dependencies, email: "nosy@example.com")
                #expect(try await other.get(path).status == .notFound)
                try await other.get("/account")
                #expect(try await other.post("\(path)/reply", ["message": "hi"]).status == .notFound)

                // WHMCS down: a calm page, and no half-made ticket.
                sandbox.whmcsFaults.set(.http500)
                let down = try await browser.get("/account/tickets/new")
                #expect(down.status == .serviceUnavailable && down.text.contains("Reference:"))
                sandbox.whmcsFaults.clear()
            }
        }
    }
}

@Suite("Customer area: plan changes and cancellations")
struct ServiceChangeTests {
    @Test(
        "an upgrade shows WHMCS's prorated price, then the pipeline moves the service and the cPanel account to the new plan"
    )
    func upgrade() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _, order) = try await CustomerAreaTests.activeCustomer(
                    client, dependencies, email: "up@example.com", domain: "up.example")
                let serviceID = try #require(order.whmcsServiceID)
                let page = try await browser.get("/account/services/\(serviceID)?tab=change")
                #expect(
                    page.text.contains(#"value="plan-1|monthly""#) && !page.text.contains(#"value="plan-0|monthly""#))
                let preview = try await browser.get("/account/services/\(serviceID)/change?choice=plan-1%7Cmonthly")
                #expect(preview.status == .ok && preview.text.contains("Move from Acme Starter to Acme Business"))
                let quoted = try #require(
                    preview.text.firstMatch(of: /name="quoted" value="([0-9]+)"/).map { String($0.1) })
                let key = try #require(
                    preview.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
                let changed = try await browser.post(
                    "/account/services/\(serviceID)/change",
                    ["product": "plan-1", "cycle": "monthly", "quoted": quoted, "idempotency_key": key]
                )
                #expect(changed.status == .seeOther)
                let id = try #require(Int64(changed.headers[.location]?.split(separator: "/").last ?? ""))
                let done = try await Commerce.wait(for: id, dependencies, until: .active)
                #expect(done.change == .upgrade && done.totalMinor == Int64(quoted))
                #expect(
                    try await browser.get("/account/orders/\(id)").text.contains(
                        "Your service now runs on the new plan."))
                let (plan, product) = try await sandbox.store.read { db in
                    (
                        try String.fetchOne(db, sql: "SELECT plan FROM whm_accounts WHERE domain = 'up.example'"),
                        try String.fetchOne(
                            db,
                            sql:
                                "SELECT p.slug FROM whmcs_services s JOIN whmcs_products p ON p.id = s.packageid WHERE s.id = ?",
                            arguments: [serviceID])
                    )
                }
                #expect(plan == "racme_pro" && product?.hasPrefix("plan-1-") == true)
                // Billed on the portal's own invoice and moved with UpdateClientProduct: WHMCS emailed no one (its
                // UpgradeProduct would have sent its own order confirmation and invoice).
                #expect(
                    try await sandbox.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM whmcs_emails")
                    } == 0)
                #expect(try await browser.get("/account/services/\(serviceID)").text.contains("Acme Business"))
                // A stale quote is shown again rather than charged.
                let back = try await browser.get("/account/services/\(serviceID)/change?choice=plan-0%7Cmonthly")
                let key2 = try #require(
                    back.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
                let stale = try await browser.post(
                    "/account/services/\(serviceID)/change",
                    ["product": "plan-0", "cycle": "monthly", "quoted": "123456", "idempotency_key": key2])
                #expect(stale.status == .conflict && stale.text.contains("The price changed"))
            }
        }
    }

    @Test("a cancellation request goes to WHMCS through the pipeline: at the end of the term, or at once")
    func cancellation() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, account, order) = try await CustomerAreaTests.activeCustomer(
                    client, dependencies, email: "bye@example.com", domain: "bye.example")
                let serviceID = try #require(order.whmcsServiceID)
                let page = try await browser.get("/account/services/\(serviceID)?tab=cancel")
                let key = try #require(
                    page.text.firstMatch(of: /name="idempotency_key" value="([^"]+)"/).map { String($0.1) })
                // Its own confirmation step: what ends and when, changing nothing; a missing choice is asked again.
                let review = try await browser.post(
                    "/account/services/\(serviceID)/cancel",
                    ["when": "end", "reason": "Too dear", "step": "review", "idempotency_key": key])
                #expect(review.status == .ok && review.text.contains("Yes, cancel Acme Starter</button>"))
                #expect(review.text.contains("will end at the end of the term you paid for"))
                #expect(
                    review.text.contains(#"name="confirm" value="on""#) && review.text.contains("Your reason: Too dear")
                )
                let noChoice = try await browser.post(
                    "/account/services/\(serviceID)/cancel", ["step": "review", "idempotency_key": key])
                #expect(noChoice.status == .unprocessableContent)
                #expect(
                    noChoice.text.contains(
                        #"<p class="field__error" id="when-error">Choose when the service should end.</p>"#))
                #expect(
                    try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                        try await $0.orders.order(idempotencyKey: key, of: account.id)
                    } == nil, "reviewing places nothing")
                let unconfirmed = try await browser.post(
                    "/account/services/\(serviceID)/cancel", ["when": "end", "idempotency_key": key])
                #expect(unconfirmed.status == .conflict && unconfirmed.text.contains("tick the confirmation box"))
                try await browser.get("/account/services/\(serviceID)")
                let requested = try await browser.post(
                    "/account/services/\(serviceID)/cancel",
                    ["when": "now", "confirm": "on", "reason": "Moving on", "idempotency_key": key])
                #expect(requested.status == .seeOther)
                let id = try #require(Int64(requested.headers[.location]?.split(separator: "/").last ?? ""))
                try await Commerce.wait(for: id, dependencies, until: .active)
                #expect(try await browser.get("/account/orders/\(id)").text.contains("Your cancellation is done"))
                let (type, status) = try await sandbox.store.read { db in
                    (
                        try String.fetchOne(
                            db, sql: "SELECT type FROM whmcs_cancel_requests WHERE relid = ?", arguments: [serviceID]),
                        try String.fetchOne(
                            db, sql: "SELECT domainstatus FROM whmcs_services WHERE id = ?", arguments: [serviceID])
                    )
                }
                #expect(type == "Immediate" && status == "Cancelled")
                // One branded confirmation, linking to the service on the brand's own host.
                let confirmations = try await dependencies.accounts("acme") { try await $0.outbox() }
                    .filter { $0.kind == "cancellation_confirmed" && $0.toAddress == "bye@example.com" }
                #expect(confirmations.count == 1)
                #expect(
                    confirmations.first?.textBody.contains("We have cancelled Acme Starter for bye.example") == true
                        && confirmations.first?.textBody.contains("/account/services/\(serviceID)") == true
                        && confirmations.first?.textBody.contains("It ends now") == true,
                    "\(confirmations.first?.textBody ?? "")")
                #expect(
                    try await browser.get("/account/services/\(serviceID)").text.contains(
                        "<dt>Status</dt><dd>Cancelled</dd>"))
                // Someone else's service: 404.
                let (other, _) = try await Commerce.customer(client, dependencies, email: "not-mine@example.com")
                try await other.get("/account")
                #expect(
                    try await other.post(
                        "/account/services/\(serviceID)/cancel",
                        ["when": "now", "confirm": "on", "idempotency_key": key]
                    ).status == .notFound)
            }
        }
    }
}

extension CustomerAreaTests {
    /// The text of a PDF, as Debian's pdftotext reads it.
    static func pdfText(_ bytes: [UInt8]) async throws -> String {
        let folder = try TemporaryFolder()
        let path = folder.path + "/invoice.pdf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let tool = try ChildProcess("/usr/bin/pdftotext", ["-layout", path, "-"], standardOutput: .capture)
        let (termination, output, _) = await tool.run()
        #expect(termination == .exited(0))
        return String(decoding: output, as: UTF8.self)
    }
}

/// What a browser gets at an address outside the portal (a simulator's sign-in page), without following redirects.
private func fetchOutside(_ url: String) async throws -> String {
    let response = try await TestBrowser.http.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
    return String(buffer: try await response.body.collect(upTo: 1 << 20))
}
