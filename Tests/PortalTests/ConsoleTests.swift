import Foundation
import GRDB
import HummingbirdTesting
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// A platform user with two-factor on, signed in on the platform host through the real forms.
func consoleBrowser(_ client: any TestClientProtocol, _ dependencies: PortalDependencies, clock: TestClock) async throws
    -> TestBrowser
{
    let hash = try await dependencies.accountServices.hasher.hash("keep the lights on", brand: "test")
    let store = dependencies.platform.accounts
    let account = try await store.createAccount(
        kind: .platform, email: "ops@example.com", name: "Ops", passwordHash: hash, emailVerified: true)
    let secret = Array("12345678901234567890".utf8)
    try await store.enableTOTP(
        try dependencies.accountServices.secrets.seal(secret), step: 0, recoveryCodeHashes: [], for: account.id)
    let browser = TestBrowser(client, host: "platform.localhost")
    try await signIn(browser, email: "ops@example.com", password: "keep the lights on")
    try await browser.get("/login/two-factor")
    #expect(
        try await browser.post(
            "/login/two-factor", ["code": TOTP.code(secret: secret, step: TOTP.step(at: clock.now()))]
        ).status == .seeOther)
    #expect(try await browser.get("/").status == .ok)
    return browser
}

@Suite("Platform console")
struct ConsoleTests {
    @Test("the tenant list shows health, searches by slug, name or domain, sorts by any column and pages")
    func tenantList() async throws {
        let clock = TestClock()
        let many = (1...55).map { TestTenant(slug: String(format: "t%02d", $0), name: "Brand \($0)") }
        try await withPortal(tenants: [.acme, .globex] + many, clock: clock) { client, dependencies in
            try await makeAccount(dependencies, tenant: "globex", email: "one@example.com")
            try await makeAccount(dependencies, tenant: "globex", email: "two@example.com")
            await dependencies.healthCollector.collectAll()
            let console = try await consoleBrowser(client, dependencies, clock: clock)

            let first = try await console.get("/")
            #expect(first.text.contains("1–50 of 57 tenants"))
            #expect(first.text.contains(#"rel="next""#))
            #expect(
                first.text.contains(#"aria-sort="ascending"><a href="/?sort=slug&amp;dir=desc">Slug"#), "\(first.text)")
            let second = try await console.get("/?sort=slug&page=2")
            #expect(second.text.contains("51–57 of 57 tenants"))

            let byCustomers = try await console.get("/?sort=customers&dir=desc")
            let rows = byCustomers.text.matches(of: /<td data-label="Slug"><a href="\/tenants\/([a-z0-9-]+)">/).map {
                String($0.1)
            }
            #expect(rows.first == "globex", "\(rows.prefix(3))")
            #expect(byCustomers.text.contains(#"<td data-label="Customers" class="numeric">2</td>"#))

            let byDomain = try await console.get("/?q=portal.acme")
            #expect(byDomain.text.contains("1–1 of 1 tenant"))
            #expect(byDomain.text.contains("/tenants/acme"))
            let byName = try await console.get("/?q=globex+web")
            #expect(byName.text.contains("/tenants/globex"))
            #expect(!byName.text.contains("/tenants/acme"))
            let none = try await console.get("/?q=nothing-like-this")
            #expect(none.text.contains("No tenant matches"))
            #expect(try await console.get("/tenants/nobody").status == .notFound)
        }
    }

    @Test("suspend with a reason and WHM accounts, staff read why, customers get 503; resume restores both; audited")
    func suspendAndResume() async throws {
        let clock = TestClock()
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast, clock: clock) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "ada@example.com")
                let id = try await Commerce.order(browser, domain: "suspend.example")
                let order = try await Commerce.wait(for: id, dependencies, until: .active)
                let username = try #require(
                    try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                        try await $0.upstreams.hostingAccounts(of: order.accountID).first?.username
                    })
                try await twoFactorOptional(dependencies)
                try await makeAccount(dependencies, kind: .staff, email: "owner@acme.example", role: .owner)

                let console = try await consoleBrowser(client, dependencies, clock: clock)
                try await console.get("/tenants/acme")
                let missing = try await console.post("/tenants/acme/suspend", ["reason": "  "])
                #expect(missing.status == .unprocessableContent)
                #expect(missing.text.contains("suspend-reason-error"))
                #expect(try dependencies.registryTenant("acme").status == .active)

                try await console.get("/tenants/acme")
                let suspended = try await console.post(
                    "/tenants/acme/suspend", ["reason": "Unpaid platform invoice INV-7", "suspend_hosting": "on"])
                #expect(suspended.status == .seeOther)
                #expect(try dependencies.registryTenant("acme").status == .suspended)
                #expect(try await sandbox.whmAccountSuspended(username) == true)

                // Customers: the branded 503, on every page.
                #expect(try await client.get("/", host: "acme.localhost").status == .serviceUnavailable)
                #expect(try await browser.get("/account").status == .serviceUnavailable)
                // Staff: sign in and read why; changes are refused.
                let staff = TestBrowser(client, host: "acme.localhost")
                #expect(try await signIn(staff, email: "owner@acme.example", staff: true).status == .seeOther)
                let home = try await staff.get("/admin")
                #expect(home.status == .ok)
                #expect(home.text.contains("Unpaid platform invoice INV-7"))
                #expect(
                    try await staff.post("/admin/domains", ["hostname": "x.acme-brand.example"]).status
                        == .serviceUnavailable)
                // Other brands are untouched.
                #expect(try await client.get("/", host: "globex.localhost").status == .ok)

                try await console.get("/tenants/acme")
                #expect(try await console.post("/tenants/acme/resume", [:]).status == .seeOther)
                #expect(try dependencies.registryTenant("acme").status == .active)
                #expect(try await sandbox.whmAccountSuspended(username) == false)
                #expect(try await client.get("/", host: "acme.localhost").status == .ok)

                let page = try await console.get("/tenants/acme")
                #expect(page.text.contains("tenant.suspended"))
                #expect(page.text.contains("suspended 1 of 1 accounts"))
                #expect(page.text.contains("tenant.resumed"))
                let audit = try await dependencies.platform.accounts.auditEntries()
                #expect(
                    audit.contains {
                        $0.action == "tenant.suspended" && $0.target == "acme" && $0.actor.contains("ops@example.com")
                    })
            }
        }
    }

    @Test("export from the console downloads a signed archive; back up now; both audited")
    func exportAndBackup() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            let console = try await consoleBrowser(client, dependencies, clock: clock)
            try await console.get("/tenants/globex")
            #expect(try await console.post("/tenants/globex/export", [:]).status == .seeOther)
            let page = try await console.get("/tenants/globex?done=exported")
            let link = try #require(
                page.text.firstMatch(of: /href="(\/tenants\/globex\/exports\/globex-[0-9TZ]+\.tar\.gz)"/).map {
                    String($0.1)
                })
            let download = try await console.get(link)
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "application/gzip")
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(download.text.utf8.count > 100)
            // Another tenant's export name under this tenant's path is not served.
            #expect(
                try await console.get(link.replacingOccurrences(of: "/tenants/globex/", with: "/tenants/acme/")).status
                    == .notFound)

            #expect(try await console.post("/tenants/globex/backup", [:]).status == .seeOther)
            #expect(try dependencies.backups.list(try TenantSlug(validating: "globex")).count == 1)
            let actions = try await dependencies.platform.accounts.auditEntries().map(\.action)
            #expect(actions.contains("tenant.exported"))
            #expect(actions.contains("tenant.export_downloaded"))
            #expect(actions.contains("tenant.backed_up"))
        }
    }
}

extension Sandbox {
    /// Whether the simulated WHM has `user` suspended.
    func whmAccountSuspended(_ user: String) async throws -> Bool? {
        try await store.read { db in
            try Bool.fetchOne(db, sql: "SELECT suspended FROM whm_accounts WHERE user = ?", arguments: [user])
        }
    }
}
