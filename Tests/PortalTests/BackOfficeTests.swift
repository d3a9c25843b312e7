import Foundation
import GRDB
import HummingbirdTesting
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Back office: customers")
struct BackOfficeTests {
    @Test(
        "search by name, email, company or domain, paged; one customer's page; notes by admins only; other brands' customers are not found"
    )
    func searchDetailNotes() async throws {
        try await withPortal { client, dependencies in
            try await twoFactorOptional(dependencies)
            let ada = try await dependencies.accounts("acme") { store in
                for index in 0..<52 {
                    _ = try await store.createAccount(
                        kind: .customer, email: "bulk\(index)@example.com", name: "Bulk \(index)", passwordHash: nil)
                }
                return try await store.createAccount(
                    kind: .customer, email: "ada@analytical.example", name: "Ada Lovelace", company: "Engines Ltd",
                    passwordHash: nil)
            }
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                let entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
                let order = Order(
                    accountID: ada.id, number: "F1", idempotencyKey: "f1", entry: entry, cycle: .monthly,
                    domain: "findme.example",
                    domainAction: .existing, currency: "GBP", priceMinor: 299, setupMinor: 0, domainMinor: 0,
                    now: Date()
                )
                _ = try await database.orders.place(order, profile: nil, confirmation: nil, actor: ada, ip: "")
            }
            // Another brand's customer: never found from this brand.
            _ = try await dependencies.accounts("globex") {
                try await $0.createAccount(
                    kind: .customer, email: "other@globex-customer.example", name: "Other Brand", passwordHash: nil)
            }
            let support = try await staffBrowser(client, dependencies, role: .support)

            let all = try await support.get("/admin/customers")
            #expect(all.text.contains("1–50 of 53 customers") && all.text.contains(#"rel="next""#))
            #expect(try await support.get("/admin/customers?page=2").text.contains("51–53 of 53 customers"))
            for query in ["lovelace", "analytical", "Engines", "findme"] {
                let found = try await support.get("/admin/customers?q=\(query)")
                #expect(
                    found.text.contains("1–1 of 1 customer")
                        && found.text.contains("/admin/customers/\(ada.id.rawValue)"), "\(query)")
            }
            #expect(try await support.get("/admin/customers?q=globex-customer").text.contains("No customer matches"))
            // A form's "+" is a space and "%2B" a plus sign; absurd page numbers are answered, not crashed on.
            #expect(try await support.get("/admin/customers?q=Ada+Lovelace").text.contains("1–1 of 1 customer"))
            #expect(try await support.get("/admin/customers?q=ada%2B").text.contains("No customer matches “ada+”"))
            #expect(try await support.get("/admin/customers?page=9223372036854775807").status == .ok)
            #expect(try await support.get("/admin/orders?page=9223372036854775807").status == .ok)
            #expect(
                try await support.get("/admin/customers?q=%25").text.contains("No customer matches"),
                "a % is searched for, not a wildcard")

            let page = try await support.get("/admin/customers/\(ada.id.rawValue)")
            #expect(page.status == .ok)
            for text in [
                "Ada Lovelace", "Engines Ltd", "F1: Acme Starter", "No services.", "No invoices.", "No tickets.",
                "No notes yet.",
            ] {
                #expect(page.text.contains(text), "\(text)")
            }
            #expect(
                !page.text.contains("Sign in as this customer") && !page.text.contains(#"name="note""#),
                "support reads only")
            #expect(!page.text.contains("Audit trail"), "the audit trail is for owners and admins, as the audit log is")
            #expect(
                try await support.post("/admin/customers/\(ada.id.rawValue)/notes", ["note": "x"]).status == .forbidden)
            // Ids are per brand: a number only ever names this brand's customer.
            #expect(try await support.get("/admin/customers/99999").status == .notFound)
            let staffMember = try await dependencies.accounts("acme") {
                try await $0.account(kind: .staff, email: "support@acme.example")
            }
            #expect(
                try await support.get("/admin/customers/\(try #require(staffMember).id.rawValue)").status == .notFound,
                "staff are not customers")

            let admin = try await staffBrowser(client, dependencies, role: .admin)
            try await admin.get("/admin/customers/\(ada.id.rawValue)")
            let empty = try await admin.post("/admin/customers/\(ada.id.rawValue)/notes", ["note": "  "])
            #expect(empty.status == .unprocessableContent && empty.text.contains("note-error"))
            #expect(
                try await admin.post("/admin/customers/\(ada.id.rawValue)/notes", ["note": "Prefers email <b>only</b>"])
                    .status == .seeOther)
            let noted = try await admin.get("/admin/customers/\(ada.id.rawValue)?done=note")
            #expect(
                noted.text.contains("Prefers email &lt;b&gt;only&lt;/b&gt;")
                    && noted.text.contains("admin@acme.example"))
            #expect(noted.text.contains("customer.note_added"), "in the customer's audit trail")
            // The customer never sees notes.
            #expect(
                try await dependencies.databases.withDatabase(for: tenant) { try await $0.customers.notes(of: ada.id) }
                    .count == 1)
        }
    }

    @Test(
        "suspend and restore a service through WHMCS, resend its welcome email, email a password reset; all audited; support may not"
    )
    func serviceActions() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: OrderPipelineTests.fast) { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let (browser, _) = try await Commerce.customer(client, dependencies, email: "ada@example.com")
                let id = try await Commerce.order(browser, domain: "actions.example")
                let order = try await Commerce.wait(for: id, dependencies, until: .active)
                let tenant = try dependencies.registryTenant("acme")
                let service = try #require(
                    try await dependencies.databases.withDatabase(for: tenant) {
                        try await $0.billing.services(of: order.accountID).items.first
                    })
                try await twoFactorOptional(dependencies)
                let support = try await staffBrowser(client, dependencies, role: .support)
                let base = "/admin/customers/\(order.accountID.rawValue)"
                try await support.get(base)
                for action in [
                    "services/\(service.whmcsServiceID)/suspend", "services/\(service.whmcsServiceID)/welcome",
                    "password-reset", "sign-in-as",
                ] {
                    #expect(try await support.post("\(base)/\(action)", [:]).status == .forbidden, "\(action)")
                }

                let admin = try await staffBrowser(client, dependencies, role: .admin)
                #expect(
                    try await admin.get(base).text.contains(
                        ">Suspend<span class=\"visually-hidden\"> actions.example</span></button>"))
                #expect(
                    try await admin.post("\(base)/services/\(service.whmcsServiceID)/suspend", [:]).status == .seeOther)
                #expect(try await sandbox.whmcsServiceStatus(service.whmcsServiceID) == "Suspended")
                #expect(try await admin.get("\(base)?done=suspended").text.contains(">Restore<span"))
                #expect(
                    try await admin.post("\(base)/services/\(service.whmcsServiceID)/unsuspend", [:]).status
                        == .seeOther)
                #expect(try await sandbox.whmcsServiceStatus(service.whmcsServiceID) == "Active")
                // Another customer's service id under this customer is not found.
                #expect(try await admin.post("\(base)/services/999999/suspend", [:]).status == .notFound)

                let before = try await dependencies.outbox("acme").count
                #expect(
                    try await admin.post("\(base)/services/\(service.whmcsServiceID)/welcome", [:]).status == .seeOther)
                #expect(try await admin.post("\(base)/password-reset", [:]).status == .seeOther)
                let mails = try await dependencies.outbox("acme")
                #expect(mails.count == before + 2)
                #expect(mails.prefix(2).allSatisfy { $0.toAddress == "ada@example.com" })
                let actions = try await dependencies.accounts("acme") { try await $0.auditEntries(limit: 50) }.map(
                    \.action)
                for action in [
                    "service.suspended", "service.unsuspended", "customer.welcome_resent",
                    "customer.password_reset_sent",
                ] {
                    #expect(actions.contains(action), "\(action)")
                }
            }
        }
    }

    @Test(
        "sign in as a customer: owners and admins only, a banner on every page, no security settings, an hour at most, audited"
    )
    func signInAs() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            try await twoFactorOptional(dependencies)
            let ada = try await makeAccount(dependencies, email: "ada@example.com")
            // The customer's own session shows no banner.
            let own = TestBrowser(client, host: "acme.localhost")
            try await signIn(own)
            #expect(!(try await own.get("/account").text.contains("impersonation-banner")))

            let owner = try await staffBrowser(client, dependencies, role: .owner)
            let page = try await owner.get("/admin/customers/\(ada.id.rawValue)")
            #expect(page.text.contains("Sign in as this customer"))
            let started = try await owner.post("/admin/customers/\(ada.id.rawValue)/sign-in-as", [:])
            #expect(started.status == .seeOther && started.headers[.location] == "/account")
            let account = try await owner.get("/account")
            #expect(account.status == .ok)
            #expect(
                account.text.contains("impersonation-banner") && account.text.contains("ada@example.com")
                    && account.text.contains("owner@acme.example"))
            #expect(try await owner.get("/account/services").text.contains("impersonation-banner"), "on every page")
            #expect(try await owner.get("/account/security").status == .forbidden)
            // However the path is written: the router drops empty segments, so each of these is a security page
            // and is refused (403), never served and never a 404 that hides it.
            for path in [
                "//account/security", "/account//security/two-factor", "/account/security/",
                "//account//security//two-factor",
            ] {
                let status = try await owner.get(path).status
                #expect(status == .forbidden, "\(path): \(status)")
            }
            #expect(
                try await owner.post("/account/security/password", ["current_password": "x", "new_password": "y"])
                    .status == .forbidden)
            // The staff session was replaced: the back office asks to sign in again.
            #expect(try await owner.get("/admin").status == .seeOther)
            let audit = try await dependencies.accounts("acme") {
                try await $0.auditEntries(action: "customer.signed_in_as")
            }
            #expect(
                audit.count == 1 && audit[0].actor.contains("owner@acme.example")
                    && audit[0].target == "ada@example.com")

            // An hour at most, however active.
            for _ in 0..<7 {
                clock.advance(by: 600)
                _ = try await owner.get("/account")
            }
            #expect(try await owner.get("/account").status == .seeOther, "expired after an hour")

            // A staff member who is no longer owner or admin loses the customer session at once.
            let demoted = try await staffBrowser(client, dependencies, role: .admin, email: "demoted@acme.example")
            try await demoted.get("/admin/customers/\(ada.id.rawValue)")
            try await demoted.post("/admin/customers/\(ada.id.rawValue)/sign-in-as", [:])
            #expect(try await demoted.get("/account").status == .ok)
            try await dependencies.accounts("acme") { store in
                let member = try #require(try await store.account(kind: .staff, email: "demoted@acme.example"))
                _ = try await store.setRole(.support, for: member.id)
            }
            #expect(try await demoted.get("/account").status == .seeOther)

            // Ending: sign out.
            let again = try await staffBrowser(client, dependencies, role: .admin)
            try await again.get("/admin/customers/\(ada.id.rawValue)")
            try await again.post("/admin/customers/\(ada.id.rawValue)/sign-in-as", [:])
            try await again.get("/account")
            #expect(try await again.post("/logout", [:]).status == .seeOther)
            #expect(try await again.get("/account").status == .seeOther)
            // Changes made in such a session are audited as the staff member's.
            let actedAs = try await dependencies.accounts("acme") {
                try await $0.auditEntries(action: "customer.acted_as")
            }
            #expect(
                actedAs.contains {
                    $0.actor.contains("admin@acme.example") && $0.target == "ada@example.com"
                        && $0.detail == "POST /logout → 303"
                })
        }
    }

    @Test(
        "every back-office route against every role: support reads, owners and admins act, customers and visitors get nothing"
    )
    func roleMatrix() async throws {
        try await withPortal { client, dependencies in
            try await twoFactorOptional(dependencies)
            let ada = try await makeAccount(dependencies, email: "ada@example.com")
            let reads = [
                "/admin", "/admin/customers", "/admin/customers/\(ada.id.rawValue)", "/admin/reports",
                "/admin/reports/revenue-by-month.csv", "/admin/reports/revenue-by-product.csv",
            ]
            let writes = [
                "/admin/customers/\(ada.id.rawValue)/notes", "/admin/customers/\(ada.id.rawValue)/password-reset",
                "/admin/customers/\(ada.id.rawValue)/sign-in-as",
            ]
            for role in [Account.Role.owner, .admin, .support] {
                let staff = try await staffBrowser(client, dependencies, role: role)
                for path in reads { #expect(try await staff.get(path).status == .ok, "\(role) GET \(path)") }
                try await staff.get("/admin/customers/\(ada.id.rawValue)")
                for path in writes.dropLast() {
                    let status = try await staff.post(path, ["note": "n"]).status
                    #expect(
                        role == .support ? status == .forbidden : status == .seeOther, "\(role) POST \(path): \(status)"
                    )
                }
            }
            let customer = TestBrowser(client, host: "acme.localhost")
            try await signIn(customer)
            try await customer.get("/account")
            let visitor = TestBrowser(client, host: "acme.localhost")
            try await visitor.get("/")
            for browser in [customer, visitor] {
                for path in reads {
                    let response = try await browser.get(path)
                    #expect(
                        response.status == .seeOther && response.headers[.location]?.hasPrefix("/admin/login") == true,
                        "GET \(path)")
                }
                for path in writes {
                    let response = try await browser.post(path, ["note": "n"])
                    if browser === customer {
                        // The customer's form token is valid for their own session, so the CSRF check passes and the
                        // staff area sends them to the staff sign-in (no ?next= after a POST).
                        #expect(
                            response.status == .seeOther && response.headers[.location] == "/admin/login",
                            "POST \(path): \(response.status)")
                    } else {
                        // The visitor was never served a form token (the storefront has no session), so the CSRF
                        // check refuses the post before the staff area is reached.
                        #expect(response.status == .forbidden, "POST \(path): \(response.status)")
                    }
                }
            }
            #expect(
                try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                    try await $0.customers.notes(of: ada.id)
                }.count == 2,
                "only the owner's and the admin's notes")
        }
    }
}

extension Sandbox {
    /// The status WHMCS has for a service.
    func whmcsServiceStatus(_ id: Int) async throws -> String? {
        try await store.read { db in
            try String.fetchOne(db, sql: "SELECT domainstatus FROM whmcs_services WHERE id = ?", arguments: [id])
        }
    }
}
