import Foundation
import GRDB
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// The frames around the signed-in areas: the customer menu and its drawer, the staff sidebar with counts and
/// breadcrumbs, the console's own frame.
@Suite("Area frames")
struct AreaFrameTests {
    @Test("the customer menu marks the current section, as a bar and as a drawer for phones")
    func customerMenu() async throws {
        try await withPortal { client, dependencies in
            _ = try await makeAccount(dependencies, email: "menu@example.com")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser, email: "menu@example.com")
            let list = try await browser.get("/account/services")
            #expect(list.text.contains(#"<a href="/account/services" aria-current="page">Services</a>"#))
            #expect(list.text.contains(#"<details class="menu-drawer">"#))
            #expect(list.text.contains(#"<summary>Menu<span class="menu-drawer__current">: Services</span></summary>"#))
            #expect(!list.text.contains(#"<a href="/account/invoices" aria-current"#))
            // Another section's own page is marked instead.
            let orders = try await browser.get("/account/orders/999")
            #expect(
                orders.status == .notFound
                    || orders.text.contains(#"<a href="/account/orders" aria-current="true">Orders</a>"#))
            let security = try await browser.get("/account/security")
            #expect(
                security.text.contains(#"<a href="/account/security" aria-current="page">Security</a>"#),
                "\(security.text)")
            // The storefront itself has no account menu.
            #expect(!(try await browser.get("/").text.contains("menu-drawer")))
        }
    }

    @Test("the staff sidebar shows what the role may open, the work waiting, and breadcrumbs; no storefront footer")
    func staffSidebar() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(client, dependencies, role: .owner)
            let support = try await staffBrowser(client, dependencies, role: .support)
            let home = try await owner.get("/admin")
            #expect(home.text.contains(#"<nav class="staff-sidebar" aria-label="Staff sections">"#))
            #expect(home.text.contains(#"href="/admin/staff""#) && home.text.contains(#"href="/admin/integrations""#))
            #expect(!home.text.contains("All rights reserved"), "the staff frame has no storefront footer")
            #expect(!home.text.contains(#"class="count""#), "no figure at zero")
            let supportHome = try await support.get("/admin")
            #expect(
                !supportHome.text.contains(#"href="/admin/staff""#)
                    && !supportHome.text.contains(#"href="/admin/brand""#))
            #expect(supportHome.text.contains(#"href="/admin/tickets""#))

            // An unpaid invoice shows on Reports, in figures and in words.
            let customer = try await makeAccount(dependencies, email: "owes@example.com")
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                try await database.pool.write { db in
                    try MirroredInvoice(
                        whmcsInvoiceID: 77, accountID: customer.id, number: "77", date: "2026-12-01",
                        dueDate: "2026-12-08", totalMinor: 999, status: "Unpaid", currency: "GBP"
                    ).insert(db)
                }
            }
            let counted = try await owner.get("/admin/orders")
            #expect(
                counted.text.contains(
                    #"<span>Reports</span> <span class="count"><span aria-hidden="true">1</span><span class="visually-hidden">1 unpaid invoice</span></span>"#
                ),
                "\(counted.text)")
            #expect(counted.text.contains(#"<a href="/admin/orders" aria-current="page">"#))
            // Breadcrumbs lead back up from a page below a section.
            let style = try await owner.get("/admin/style")
            #expect(style.status == .ok && style.text.contains("Style guide"))
            #expect(
                style.text.contains(
                    #"<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/admin">Staff</a></li></ol></nav>"#
                ))
            // Another brand's staff see their own brand's counts only.
            let globex = try await staffBrowser(client, dependencies, role: .owner, tenant: "globex")
            #expect(!(try await globex.get("/admin/orders").text.contains("unpaid invoice")))
            // The style guide is for staff only.
            let stranger = TestBrowser(client, host: "acme.localhost")
            #expect(try await stranger.get("/admin/style").status == .seeOther)
        }
    }

    @Test("the console has its own frame: no storefront links and no brand footer, signed in or not")
    func consoleFrame() async throws {
        try await withPortal { client, dependencies in
            let login = try await client.get("/login", host: dependencies.configuration.platformHost)
            #expect(login.status == .ok && login.text.contains("site-header--console"))
            #expect(!login.text.contains(#"href="/help""#) && !login.text.contains("All rights reserved"))
            #expect(!login.text.contains("Support:"))
            let console = try await consoleBrowser(client, dependencies, clock: TestClock())
            let home = try await console.get("/")
            #expect(home.text.contains(#"<a href="/" aria-current="page">Tenants</a>"#))
            #expect(!home.text.contains(#"href="/#products""#) && !home.text.contains("All rights reserved"))
            let tenant = try await console.get("/tenants/acme")
            #expect(tenant.text.contains(#"<a href="/" aria-current="page">Tenants</a>"#))
        }
    }
}
