import Foundation
import GRDB
import HTTPTypes
import Integrations
import Logging
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Cloud servers, certificates and domains through 20i and TheSSLStore")
struct ProvisioningTests {
    /// A cloud server, a single-name certificate and domain names, priced in the brand's currency.
    static func addProducts(_ dependencies: PortalDependencies, tenant slug: String = "acme") async throws {
        let tenant = try dependencies.registryTenant(slug)
        try await dependencies.databases.withDatabase(for: tenant) { database in
            var cloud = Product(slug: "cloud-medium", name: "Cloud Medium", summary: "A server", kind: .cloudServer)
            cloud.cloudProvider = "20i"
            cloud.cloudSize = "medium"
            _ = try await database.catalogue.save(
                CatalogueEntry(product: cloud, prices: [ProductPrice(cycle: .monthly, priceMinor: 1499)]), actor: nil,
                via: "test", ip: "")
            var ssl = Product(slug: "ssl-dv", name: "Domain SSL", summary: "HTTPS", kind: .ssl)
            ssl.sslType = .single
            ssl.sslProductCode = "positivessl"
            _ = try await database.catalogue.save(
                CatalogueEntry(product: ssl, prices: [ProductPrice(cycle: .annually, priceMinor: 2999)]), actor: nil,
                via: "test", ip: "")
            let domains = Product(slug: "domains", name: "Domain names", summary: "Names", kind: .domain)
            _ = try await database.catalogue.save(
                CatalogueEntry(
                    product: domains,
                    domainPrices: [
                        DomainPrice(tld: "com", registerMinor: 1199, transferMinor: 1099, renewMinor: 1399),
                        DomainPrice(tld: "co.uk", registerMinor: 799, transferMinor: 799, renewMinor: 899),
                    ]), actor: nil, via: "test", ip: "")
        }
        dependencies.storefront.invalidate(tenant)
    }

    /// Fast retries, and validation polled every 0.2 s rather than every 30.
    static func fast(_ configuration: inout PortalConfiguration) {
        OrderPipelineTests.fast(&configuration)
        configuration.pipelineRetry.paymentPollMinimum = 0.2
        configuration.pipelineRetry.paymentPollMaximum = 0.5
    }

    @Test(
        "search a domain, register it with the brand's nameservers, edit its DNS and settings; order a cloud server and certificates: installed on cPanel, by DNS for download, validated by the customer elsewhere, reissued"
    )
    func journey() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.fast) { client, dependencies in
                try await Commerce.connect(
                    "acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL, cloudAndCertificates: true)
                try await Self.addProducts(dependencies)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "grace@example.com")

                // Storefront search: availability from 20i, prices from the brand's list, links into checkout.
                let search = try await browser.get("/domains/search?q=GraceBrand")
                #expect(search.status == .ok)
                #expect(search.text.contains("gracebrand.com") && search.text.contains("gracebrand.co.uk"))
                #expect(search.text.contains("£11.99") && search.text.contains("£7.99"))
                #expect(
                    search.text.contains("/order/domains?domain=gracebrand.com&amp;domain_action=register"),
                    "\(search.text)")
                let taken = try await browser.get("/domains/search?q=takenbrand.com")
                #expect(taken.text.contains("Taken") && taken.text.contains("Transfer takenbrand.com to us"))
                let bad = try await browser.get("/domains/search?q=bad_name!")
                #expect(bad.status == .unprocessableContent && bad.text.contains("letters, digits and hyphens"))
                let unsold = try await browser.get("/domains/search?q=brand.xyz")
                #expect(unsold.status == .unprocessableContent && unsold.text.contains("We do not sell .xyz names"))
                // When 20i does not answer, the brand's prices are still shown, with a notice.
                sandbox.twentyIFaults.set(.http500, count: 10)
                let down = try await browser.get("/domains/search?q=downtime")
                sandbox.twentyIFaults.settings = .init()
                #expect(
                    down.status == .ok && down.text.contains("Availability cannot be checked right now")
                        && down.text.contains("£11.99"))
                // Each address has a budget of 30 searches a minute at this brand. Three searches above were counted
                // (GraceBrand, takenbrand.com, downtime; refused input is not), so 27 more are answered and the next is not.
                for attempt in 0..<27 {
                    let answer = try await browser.get("/domains/search?q=busy\(attempt)")
                    #expect(answer.status == .ok, "search \(attempt + 4) of 30")
                }
                let throttled = try await browser.get("/domains/search?q=busy27")
                #expect(throttled.status == .tooManyRequests)
                let wait = try #require(throttled.headers[.retryAfter].flatMap(Int.init))
                #expect((1...60).contains(wait), "the rest of the minute on the wall clock: \(wait)")
                #expect(
                    throttled.text.contains(
                        #"<p class="field__error" id="q-error">Too many searches from your connection. Please try again in \#(wait) \#(wait == 1 ? "second" : "seconds").</p>"#
                    ))
                // Another brand's budget is its own.
                try await Self.addProducts(dependencies, tenant: "globex")
                let neighbour = TestBrowser(client, host: "globex.localhost")
                #expect(try await neighbour.get("/domains/search?q=elsewhere").status == .ok)

                // Register: the domain is at 20i with the brand's nameservers.
                let domainOrder = try await Commerce.order(
                    browser, slug: "domains", cycle: "annually", domain: "gracebrand.com", action: "register")
                try await Commerce.wait(for: domainOrder, dependencies, until: .active)
                let registered = try await sandbox.store.read { db in
                    try String.fetchOne(
                        db, sql: "SELECT nameservers FROM twentyi_domains WHERE name = 'gracebrand.com'")
                }
                #expect(registered == "ns1.acme.example,ns2.acme.example")
                // The customer hears it from the brand: what happened, until when, and the nameservers.
                let notice = try #require(
                    try await dependencies.outbox("acme").first {
                        $0.kind == "domain_registered" && $0.toAddress == "grace@example.com"
                    })
                #expect(notice.subject.hasPrefix("gracebrand.com is registered"))
                #expect(notice.textBody.contains("ns1.acme.example\nns2.acme.example"))
                #expect(notice.textBody.contains("/account/domains/gracebrand.com"))
                let domainPage = try await browser.get("/account/domains/gracebrand.com")
                #expect(domainPage.status == .ok && domainPage.text.contains("ns1.acme.example"))
                #expect(try await browser.get("/account/domains").text.contains("gracebrand.com"))

                // DNS editor: each type's rule beside its field, nothing sent; a valid record reaches the zone.
                for (fields, message) in [
                    (["type": "A", "host": "www", "value": "300.1.1.1"], "IPv4"),
                    (["type": "AAAA", "host": "@", "value": "192.0.2.1"], "IPv6"),
                    (["type": "CNAME", "host": "@", "value": "target.example.com"], "CNAME"),
                    (["type": "MX", "host": "@", "value": "mail.example.com", "priority": ""], "priority"),
                    (
                        [
                            "type": "SRV", "host": "sip", "value": "sip.example.com", "priority": "10", "weight": "5",
                            "port": "5060",
                        ], "_service._protocol"
                    ),
                    (["type": "CAA", "host": "@", "value": "letsencrypt.org", "flags": "0", "tag": "bogus"], "issue"),
                    (["type": "TXT", "host": "@", "value": String(repeating: "x", count: 3000)], "2,048"),
                ] {
                    let refused = try await browser.post("/account/domains/gracebrand.com/dns", fields)
                    #expect(refused.status == .unprocessableContent, "\(fields)")
                    #expect(
                        refused.text.contains("field__error") && refused.text.localizedCaseInsensitiveContains(message),
                        "\(fields): \(refused.text.prefix(200))")
                }
                #expect(
                    try await sandbox.store.read { db in
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM twentyi_dns WHERE domain = 'gracebrand.com'")
                    } == 0)
                let added = try await browser.post(
                    "/account/domains/gracebrand.com/dns", ["type": "A", "host": "www", "value": "192.0.2.55"])
                #expect(added.status == .seeOther)
                let withRecord = try await browser.get("/account/domains/gracebrand.com")
                #expect(withRecord.text.contains("192.0.2.55"))
                let recordID = try #require(
                    withRecord.text.firstMatch(of: /name="record" value="([0-9]+)"/).map { String($0.1) })
                #expect(
                    try await browser.post("/account/domains/gracebrand.com/dns/delete", ["record": recordID]).status
                        == .seeOther)
                #expect(!(try await browser.get("/account/domains/gracebrand.com").text.contains("192.0.2.55")))

                // Nameservers: refused when too few, saved at 20i otherwise.
                let few = try await browser.post(
                    "/account/domains/gracebrand.com/nameservers", ["nameservers": "ns1.other.example"])
                #expect(few.status == .unprocessableContent && few.text.contains("between 2 and 13"))
                #expect(
                    try await browser.post(
                        "/account/domains/gracebrand.com/nameservers",
                        ["nameservers": "ns1.other.example\r\nns2.other.example"]
                    ).status == .seeOther)
                // Auto-renew off, WHOIS privacy on.
                #expect(
                    try await browser.post("/account/domains/gracebrand.com/auto-renew", ["enabled": "0"]).status
                        == .seeOther)
                #expect(
                    try await browser.post("/account/domains/gracebrand.com/privacy", ["enabled": "1"]).status
                        == .seeOther)
                let after = try await sandbox.store.read { db in
                    try String.fetchOne(
                        db,
                        sql: "SELECT nameservers || ' ' || privacy FROM twentyi_domains WHERE name = 'gracebrand.com'")
                }
                #expect(after == "ns1.other.example,ns2.other.example 1")
                #expect(try await browser.get("/account/domains/gracebrand.com").text.contains("Turn auto-renew on"))
                let odd = try await browser.post("/account/domains/gracebrand.com/privacy", ["enabled": "maybe"])
                #expect(odd.status == .unprocessableContent && odd.text.contains("Choose on or off"))
                #expect(
                    try await sandbox.store.read { db in
                        try Bool.fetchOne(db, sql: "SELECT privacy FROM twentyi_domains WHERE name = 'gracebrand.com'")
                    } == true)

                // Cloud server: 20i builds it with the size's CPU, RAM and storage from the resource map.
                let cloudOrder = try await Commerce.order(browser, slug: "cloud-medium", cycle: "monthly", domain: "")
                try await Commerce.wait(for: cloudOrder, dependencies, until: .active)
                let built = try await sandbox.store.read { db in
                    try String.fetchOne(
                        db,
                        sql:
                            "SELECT cpu || '/' || ram || '/' || storage || ' ' || stack_user FROM twentyi_cloud_servers"
                    )
                }
                #expect(built?.hasPrefix("2/4/80 stack-user:") == true, "\(built ?? "none")")
                let servers = try await browser.get("/account/cloud")
                let serverID = try #require(
                    servers.text.firstMatch(of: /href="\/account\/cloud\/([0-9]+)"/).map { String($0.1) })
                let server = try await browser.get("/account/cloud/\(serverID)")
                #expect(
                    server.text.contains("2 vCPU") && server.text.contains("4 GB") && server.text.contains("80 GB")
                        && server.text.contains("running"))
                // StackCP single sign-on lands on a session that opens once.
                let sso = try await browser.post("/account/cloud/\(serverID)/control-panel", [:])
                #expect(sso.status == .ok)
                let landing = try #require(
                    sso.text.firstMatch(of: /<meta http-equiv="refresh" content="0;url=([^"]+)">/).map {
                        String($0.1).replacingOccurrences(of: "&amp;", with: "&")
                    })
                #expect(landing.contains("/login/sso?PHPSESSID="))

                // Certificate for a domain hosted here: proof saved on cPanel, issued, installed with installssl.
                let hostingOrder = try await Commerce.order(browser, domain: "hosted-grace.example")
                try await Commerce.wait(for: hostingOrder, dependencies, until: .active)
                let hostedCertificate = try await Commerce.order(
                    browser, slug: "ssl-dv", cycle: "annually", domain: "hosted-grace.example")
                try await Commerce.wait(for: hostedCertificate, dependencies, until: .active)
                let installed = try await sandbox.store.read { db in
                    try String.fetchOne(db, sql: "SELECT crt || key FROM whm_ssl WHERE domain = 'hosted-grace.example'")
                }
                #expect(installed?.contains("BEGIN CERTIFICATE") == true && installed?.contains("PRIVATE KEY") == true)
                // The certificate authority's own mail goes to the brand's support address, never to the customer.
                let contacts = try await sandbox.store.read { db in
                    try String.fetchAll(db, sql: "SELECT DISTINCT contact_email FROM sslstore_orders")
                }
                #expect(
                    !contacts.isEmpty && !contacts.contains("grace@example.com") && !contacts.contains(""),
                    "\(contacts)")
                #expect(
                    try await sandbox.store.read { db in
                        try Int.fetchOne(
                            db,
                            sql:
                                "SELECT count(*) FROM whm_files WHERE path LIKE 'public_html/.well-known/pki-validation/%'"
                        )
                    } == 1)

                // Certificate for the domain registered here: CNAME added to its zone, issued, offered for download.
                let dnsCertificate = try await Commerce.order(
                    browser, slug: "ssl-dv", cycle: "annually", domain: "gracebrand.com")
                try await Commerce.wait(for: dnsCertificate, dependencies, until: .active)
                let list = try await browser.get("/account/certificates")
                let acmeTenant = try dependencies.registryTenant("acme")
                let (hostedRecord, dnsRecord, zone) = try await dependencies.databases.withDatabase(for: acmeTenant) {
                    database in
                    (
                        try await database.provisioned.certificate(order: Order.ID(hostedCertificate)),
                        try await database.provisioned.certificate(order: Order.ID(dnsCertificate)),
                        try await TenantMailSettings.load(from: database.accounts).zone
                    )
                }
                for (record, domain) in [(hostedRecord, "hosted-grace.example"), (dnsRecord, "gracebrand.com")] {
                    let certificate = try #require(record, "\(domain)")
                    let expiry = try #require(certificate.expiresAt, "\(domain)")
                    let expires = ReminderScheduler.long(expiry, zone)
                    #expect(
                        list.text.contains(
                            #"<tr><td data-label="Domain"><a href="/account/certificates/\#(certificate.id!.rawValue)">\#(domain)</a></td><td data-label="Status"><span class="badge" data-status="Issued">Issued</span></td><td data-label="Expires">\#(expires)</td></tr>"#
                        ), "\(domain): \(list.text)")
                }
                let ids = list.text.matches(of: /href="\/account\/certificates\/([0-9]+)"/).map { String($0.1) }
                #expect(ids.count == 2)
                var downloaded = false
                for id in ids {
                    let page = try await browser.get("/account/certificates/\(id)")
                    if page.text.contains("Certificate for gracebrand.com") {
                        #expect(!page.text.contains("Installed on your hosting account"))
                        let file = try await browser.get("/account/certificates/\(id)/download")
                        #expect(
                            file.status == .ok && file.text.contains("BEGIN CERTIFICATE")
                                && !file.text.contains("PRIVATE KEY"))
                        downloaded = true
                    } else {
                        #expect(page.text.contains("Installed on your hosting account"))
                    }
                }
                #expect(downloaded)
                var mails = try await dependencies.outbox("acme").filter { $0.toAddress == "grace@example.com" }
                #expect(mails.filter { $0.kind == "certificate_issued" }.count == 2)

                // A domain hosted and registered elsewhere: the customer is shown the CNAME to publish; issued once the CA sees it.
                let elsewhere = try await Commerce.order(
                    browser, slug: "ssl-dv", cycle: "annually", domain: "elsewhere-grace.example")
                try await Commerce.wait(for: elsewhere, dependencies, until: .provisioning)
                let tenant = try dependencies.registryTenant("acme")
                var waiting: SSLCertificate?
                for _ in 0..<100 where waiting?.upstreamID.isEmpty ?? true {
                    waiting = try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.provisioned.certificate(order: Order.ID(elsewhere))
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let pending = try #require(waiting)
                let instructions = try await browser.get("/account/certificates/\(pending.id!.rawValue)")
                #expect(
                    instructions.text.contains("Add this CNAME record") && instructions.text.contains(pending.cnameName)
                        && instructions.text.contains(pending.cnameValue))
                #expect(instructions.text.contains(#"http-equiv="refresh""#))
                try await sandbox.sslStore.completeValidation(orderID: pending.upstreamID)
                try await Commerce.wait(for: elsewhere, dependencies, until: .active)

                // Reissue the installed one: a new key, proven again on cPanel, installed in place of the old.
                let hostedID = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.provisioned.certificate(order: Order.ID(hostedCertificate))?.id?.rawValue
                    })
                let before = try await sandbox.store.read { db in
                    try String.fetchOne(db, sql: "SELECT crt FROM whm_ssl WHERE domain = 'hosted-grace.example'")
                }
                #expect(
                    try await browser.get("/account/certificates/\(hostedID)").text.contains("Reissue the certificate"))
                let reissued = try await browser.post("/account/certificates/\(hostedID)/reissue", [:])
                #expect(reissued.status == .seeOther)
                let afterReissue = try await browser.get(try #require(reissued.headers[.location]))
                #expect(afterReissue.text.contains("Issued") && afterReissue.text.contains("being reissued"))
                let installedNow = try await sandbox.store.read { db in
                    try String.fetchOne(db, sql: "SELECT crt FROM whm_ssl WHERE domain = 'hosted-grace.example'")
                }
                #expect(installedNow != nil && installedNow != before)
                let (newKey, newCertificate) = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) { database in
                        try await database.provisioned.certificate(.init(hostedID)).map {
                            ($0.privateKeySealed, $0.certificate)
                        }
                    })
                _ = try IssuedCertificate.read(
                    newCertificate,
                    privateKeyPEM: try dependencies.upstreams.open(newKey, tenant, TenantUpstreams.certificateKeyField))
                mails = try await dependencies.outbox("acme").filter { $0.toAddress == "grace@example.com" }
                #expect(mails.filter { $0.kind == "certificate_issued" }.count == 4)

                // Transfer in: the authorisation code is asked for in the posted form, required, and reaches 20i sealed in between.
                let review = try await browser.get(
                    "/order/domains/review?cycle=annually&domain=moving.com&domain_action=transfer")
                #expect(review.text.contains("Transfer authorisation (EPP) code for moving.com"))
                let noCode = try await browser.post(
                    "/order/domains",
                    Commerce.billing.merging([
                        "cycle": "annually", "domain": "moving.com", "domain_action": "transfer", "transfer_code": "",
                        "idempotency_key": String(repeating: "k", count: 24), "quoted_total": "1099",
                    ]) { $1 })
                #expect(
                    noCode.status == .unprocessableContent
                        && noCode.text.contains("Enter the transfer authorisation (EPP) code"))
                let transfer = try await Commerce.order(
                    browser, slug: "domains", cycle: "annually", domain: "moving.com", action: "transfer",
                    extra: ["transfer_code": "Xy7#kQ2!pL"])
                try await Commerce.wait(for: transfer, dependencies, until: .active)
                #expect(
                    try await sandbox.store.read { db in
                        try Bool.fetchOne(db, sql: "SELECT transferred FROM twentyi_domains WHERE name = 'moving.com'")
                    } == true)
                let stored = try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.orders.order(Order.ID(transfer))?.transferCode
                }
                #expect(stored.map { !String(decoding: $0, as: UTF8.self).contains("Xy7#kQ2!pL") } == true)

                // Another customer of the brand reaches none of it, and cannot register the same name over it.
                let (other, _) = try await Commerce.customer(client, dependencies, email: "eve@example.com")
                let takeover = try await Commerce.order(
                    other, slug: "domains", cycle: "annually", domain: "gracebrand.com", action: "register")
                let refused = try await Commerce.wait(for: takeover, dependencies, until: .failed)
                #expect(refused.failure?.contains("already registered here") == true)
                #expect(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.provisioned.domain(named: "gracebrand.com")?.orderID
                    } == Order.ID(domainOrder))
                for path in ["/account/domains/gracebrand.com", "/account/cloud/\(serverID)"]
                    + ids.flatMap({ ["/account/certificates/\($0)", "/account/certificates/\($0)/download"] })
                {
                    #expect(try await other.get(path).status == .notFound, "\(path)")
                }
                // Each change is posted from a page of the customer's own (with its form token): the answer is 404, not a refused token.
                func postAsOther(_ path: String, _ fields: [String: String]) async throws -> HTTPResponse.Status {
                    let own = try await other.get("/account/domains")
                    #expect(!own.text.contains("gracebrand.com"))
                    return try await other.post(path, fields).status
                }
                #expect(
                    try await postAsOther(
                        "/account/domains/gracebrand.com/dns", ["type": "A", "host": "x", "value": "192.0.2.9"])
                        == .notFound)
                #expect(try await postAsOther("/account/domains/gracebrand.com/privacy", ["enabled": "0"]) == .notFound)
                #expect(
                    try await postAsOther(
                        "/account/domains/gracebrand.com/nameservers", ["nameservers": "ns1.x.example\nns2.x.example"])
                        == .notFound)
                #expect(try await postAsOther("/account/cloud/\(serverID)/control-panel", [:]) == .notFound)
                for id in ids {
                    #expect(try await postAsOther("/account/certificates/\(id)/reissue", [:]) == .notFound)
                }

                // Nor a customer of another brand with the same ids.
                let (stranger, _) = try await Commerce.customer(
                    client, dependencies, tenant: "globex", email: "grace@example.com")
                for path in ["/account/domains/gracebrand.com", "/account/cloud/\(serverID)"]
                    + ids.map({ "/account/certificates/\($0)" })
                {
                    #expect(try await stranger.get(path).status == .notFound, "\(path)")
                }
            }
        }
    }

    @Test(
        "domain search: 30 searches a minute per address and brand, the 31st is 429 with the exact wait; another address and another brand have budgets of their own; the next minute starts afresh"
    )
    func domainSearchBudget() async throws {
        let clock = TestClock.frozen()
        // Through a trusted proxy, so each request can say which client it comes from. No 20i account: every search
        // is answered with prices and a notice, and counts all the same.
        try await withPortal(configure: { $0.trustedProxies = [CIDR("127.0.0.1/32")!] }, clock: clock) {
            client, dependencies in
            try await Self.addProducts(dependencies)
            try await Self.addProducts(dependencies, tenant: "globex")
            let first: HTTPFields = [.testForwardedFor: "203.0.113.10"]
            let second: HTTPFields = [.testForwardedFor: "203.0.113.20"]
            let acme = TestBrowser(client, host: "acme.localhost")
            let limitedLine = { (seconds: Int) in
                #"<p class="field__error" id="q-error">Too many searches from your connection. Please try again in \#(seconds) seconds.</p>"#
            }

            // Refused input and an empty box are not counted.
            #expect(try await acme.get("/domains/search?q=bad_name!", headers: first).status == .unprocessableContent)
            #expect(try await acme.get("/domains/search?q=brand.xyz", headers: first).status == .unprocessableContent)
            #expect(try await acme.get("/domains/search", headers: first).status == .ok)
            for attempt in 1...30 {
                let answer = try await acme.get("/domains/search?q=busy\(attempt)", headers: first)
                #expect(answer.status == .ok, "search \(attempt)")
                #expect(answer.headers[.retryAfter] == nil)
            }
            let limited = try await acme.get("/domains/search?q=busy31", headers: first)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "60")
            #expect(limited.text.contains(limitedLine(60)))
            #expect(
                limited.text.contains(
                    #"<input id="q" name="q" value="busy31" autocomplete="off" spellcheck="false" aria-invalid="true" aria-describedby="q-error">"#
                ))

            // Another address at this brand, and this address at another brand, are answered.
            #expect(try await acme.get("/domains/search?q=other", headers: second).status == .ok)
            #expect(
                try await TestBrowser(client, host: "globex.localhost").get(
                    "/domains/search?q=elsewhere", headers: first
                ).status == .ok)

            // Half a minute on, the wait is the rest of the minute.
            clock.advance(by: 30)
            let later = try await acme.get("/domains/search?q=later", headers: first)
            #expect(later.status == .tooManyRequests && later.headers[.retryAfter] == "30")
            #expect(later.text.contains(limitedLine(30)))

            // A minute after the first search, a new window with the whole budget.
            clock.advance(by: 30)
            for attempt in 1...30 {
                #expect(
                    try await acme.get("/domains/search?q=again\(attempt)", headers: first).status == .ok,
                    "search \(attempt) of the new minute")
            }
            let again = try await acme.get("/domains/search?q=again31", headers: first)
            #expect(again.status == .tooManyRequests && again.headers[.retryAfter] == "60")
        }
    }

    @Test(
        "renewals at 30 days with an injected clock: an auto-renewing domain and an issued certificate each get one renewal order, carried through the pipeline, with a reminder email; auto-renew off gets reminders only"
    )
    func renewals() async throws {
        let clock = TestClock()
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast, clock: clock) { client, dependencies in
                try await Commerce.connect(
                    "acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL, cloudAndCertificates: true)
                try await Self.addProducts(dependencies)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "renew@example.com")
                let first = try await Commerce.order(
                    browser, slug: "domains", cycle: "annually", domain: "renewme.com", action: "register")
                try await Commerce.wait(for: first, dependencies, until: .active)
                let second = try await Commerce.order(
                    browser, slug: "domains", cycle: "annually", domain: "lapse.co.uk", action: "register")
                try await Commerce.wait(for: second, dependencies, until: .active)
                #expect(
                    try await browser.post("/account/domains/lapse.co.uk/auto-renew", ["enabled": "0"]).status
                        == .seeOther)
                let certificateOrder = try await Commerce.order(
                    browser, slug: "ssl-dv", cycle: "annually", domain: "renewme.com")
                try await Commerce.wait(for: certificateOrder, dependencies, until: .active)

                let tenant = try dependencies.registryTenant("acme")
                let (domain, certificate) = try await dependencies.databases.withDatabase(for: tenant) { database in
                    (
                        try #require(try await database.provisioned.domain(named: "renewme.com")),
                        try #require(try await database.provisioned.certificate(order: Order.ID(certificateOrder)))
                    )
                }
                let scheduler = RenewalScheduler(
                    registry: dependencies.registry, databases: dependencies.databases,
                    upstreams: dependencies.upstreams,
                    storefront: dependencies.storefront, flows: dependencies.accountFlows,
                    realm: { dependencies.tenantRealm($0) },
                    orderQueue: dependencies.orderQueue, steps: dependencies.orderSteps, alerts: dependencies.alerts,
                    now: clock.now, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
                )
                _ = try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example", role: .owner)
                // 31 days before expiry: nothing is due.
                func move(to date: Date) { clock.advance(by: date.timeIntervalSince(clock.now())) }
                let expiries = [domain.expiresAt, try #require(certificate.expiresAt)]
                move(to: expiries.min()!.addingTimeInterval(-31 * 86_400))
                #expect(await scheduler.runOnce() == 0)
                // 29 days before the certificate's and the domain's expiry: one renewal each, never twice. With the
                // domain product retired, the domain's renewal cannot be placed: its owners are alerted once, and
                // the alert clears when a later pass places it.
                move(to: expiries.max()!.addingTimeInterval(-29 * 86_400))
                let domainsProduct = try await dependencies.databases.withDatabase(for: tenant) {
                    try #require(try await $0.catalogue.entry(slug: "domains")).product.id!
                }
                func setDomains(_ visibility: Product.Visibility) async throws {
                    _ = try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.catalogue.setVisibility(
                            domainsProduct, visibility, actor: nil, via: "test", ip: "127.0.0.1")
                    }
                }
                try await setDomains(.retired)
                #expect(await scheduler.runOnce() == 1)
                #expect(await scheduler.runOnce() == 0)
                let renewalAlerts = try await dependencies.outbox("acme").filter { $0.kind == "staff_alert" }
                #expect(renewalAlerts.count == 1)
                #expect(renewalAlerts.first?.subject.contains("The renewal of renewme.com could not be placed") == true)
                let incident = "renewal:domain:\(domain.id!.rawValue)"
                #expect(
                    try await dependencies.databases.withDatabase(for: tenant) { try await $0.alerts.isOpen(incident) })
                try await setDomains(.visible)
                #expect(await scheduler.runOnce() == 1)
                #expect(await scheduler.runOnce() == 0)
                #expect(
                    !(try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.alerts.isOpen(incident)
                    }))
                let renewals = try await dependencies.databases.withDatabase(for: tenant) { database in
                    try await database.pool.read { db in try Order.filter(Column("renewal_of") != nil).fetchAll(db) }
                }
                #expect(
                    Set(renewals.compactMap(\.renewalOf)) == [
                        "domain:\(domain.id!.rawValue)", "certificate:\(certificate.id!.rawValue)",
                    ])
                for renewal in renewals {
                    try await Commerce.wait(for: renewal.id!.rawValue, dependencies, until: .active)
                }
                let (renewedDomain, renewedCertificates) = try await dependencies.databases.withDatabase(for: tenant) {
                    database in
                    (
                        try await database.provisioned.domain(named: "renewme.com"),
                        try await database.provisioned.certificates(of: domain.accountID)
                    )
                }
                #expect(renewedDomain!.expiresAt > domain.expiresAt.addingTimeInterval(300 * 86_400))
                #expect(renewedCertificates.contains { $0.id == certificate.id && $0.status == .renewed })
                #expect(
                    renewedCertificates.contains {
                        $0.id != certificate.id && $0.status == .issued && $0.domain == "renewme.com"
                    })
                let invoices = try await sandbox.store.read { db in
                    try String.fetchAll(
                        db,
                        sql:
                            "SELECT notes FROM whmcs_invoices WHERE notes LIKE 'portal renewal order %' AND status = 'Paid'"
                    )
                }
                #expect(invoices.count == 2)
                let mails = try await dependencies.outbox("acme").filter { $0.kind == "renewal_reminder" }
                // renewal_reminder.subject: "{{service.name}} for {{service.domain}} renews on {{renewal.date}} — {{brand.name}}",
                // the date in the tenant's zone (UTC unless set), as RenewalScheduler fills it in.
                let (zone, lapse) = try await dependencies.databases.withDatabase(for: tenant) { database in
                    (
                        try await TenantMailSettings.load(from: database.accounts).zone,
                        try await database.provisioned.domain(named: "lapse.co.uk")
                    )
                }
                let subjects = Set(mails.map(\.subject))
                let certificateExpiry = try #require(certificate.expiresAt)
                #expect(
                    subjects.contains(
                        "Domain registration for renewme.com renews on \(ReminderScheduler.long(domain.expiresAt, zone)) — Acme Hosting"
                    ), "\(subjects)")
                #expect(
                    subjects.contains(
                        "Domain SSL for renewme.com renews on \(ReminderScheduler.long(certificateExpiry, zone)) — Acme Hosting"
                    ), "\(subjects)")
                // Auto-renew off: a reminder for lapse.co.uk, no renewal order.
                #expect(!renewals.contains { $0.domain == "lapse.co.uk" })
                let lapseExpiry = try #require(lapse).expiresAt
                #expect(
                    subjects.contains(
                        "Domain registration (auto-renew is off) for lapse.co.uk renews on \(ReminderScheduler.long(lapseExpiry, zone)) — Acme Hosting"
                    ), "\(subjects)")
            }
        }
    }
}

/// A StackCP user is made once per customer and never taken over from someone else.
@Suite("StackCP users")
struct StackUserTests {
    @Test("a 20i stack user with the customer's address that this brand did not make is refused, not taken over")
    func foreignStackUser() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: ProvisioningTests.fast) { client, dependencies in
                try await Commerce.connect(
                    "acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL, cloudAndCertificates: true)
                try await ProvisioningTests.addProducts(dependencies)
                // Another brand on the same 20i account already has a customer with this address.
                try await sandbox.store.write { db in
                    try db.execute(
                        sql: "INSERT INTO twentyi_stack_users (email, name) VALUES (?, ?)",
                        arguments: ["shared@example.com", "Someone Else"])
                }
                let (browser, account) = try await Commerce.customer(client, dependencies, email: "shared@example.com")
                let order = try await Commerce.order(browser, slug: "cloud-medium", cycle: "monthly", domain: "")
                let failed = try await Commerce.wait(for: order, dependencies, until: .failed)
                #expect(failed.failure?.contains("already has a StackCP user for shared@example.com") == true)

                let (recorded, servers) = try await (
                    dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                        try await $0.provisioned.stackUser(of: account.id)
                    },
                    sandbox.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM twentyi_cloud_servers") }
                )
                #expect(recorded == nil, "someone else's stack user was taken over")
                #expect(servers == 0)
            }
        }
    }
}
