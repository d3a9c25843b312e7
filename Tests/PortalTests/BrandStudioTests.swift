import Branding
import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// The brand studio: drafts, preview, publish, history, uploads and isolation.
@Suite("Brand studio")
struct BrandStudioTests {
    /// The brand page's fields for a complete, valid brand.
    static func form(primary: String = "#1f4fd1", text: String = "#1b1f24", link: String = "#1f4fd1") -> [String:
        String]
    {
        var fields = [
            "company_name": "Acme Hosting Ltd", "tagline": "Hosting that just works",
            "support_email": "help@acme.example",
            "support_phone": "+44 20 7946 0123", "postal_address": "1 Example Street\nLondon",
            "sender_name": "Acme Hosting",
            "sender_email": "hello@acme.example", "primary_color": primary, "accent_color": "#0b7a53",
            "background_color": "#ffffff", "text_color": text, "link_color": link, "font": "humanist",
            "nameservers": "ns1.acme.example\nns2.acme.example",
            "link_label_0": "Terms", "link_url_0": "https://acme.example/terms",
        ]
        for index in 1..<8 {
            fields["link_label_\(index)"] = ""
            fields["link_url_\(index)"] = ""
        }
        return fields
    }

    static func themeURL(_ html: String) -> String? {
        html.firstMatch(of: /href="(\/theme\.css\?v=[0-9a-f]+)"/).map { String($0.1) }
    }

    @Test(
        "a draft is private until published; publishing changes the live site, its stylesheet URL and ETag, atomically")
    func draftPreviewPublish() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            let admin = try await staffBrowser(
                client, dependencies, role: .admin, email: "admin@acme.example", landing: "/admin/brand")
            let before = try await client.get("/", host: "acme.localhost").text
            let beforeTheme = try #require(Self.themeURL(before))
            let beforeETag = try await client.get(beforeTheme, host: "acme.localhost").headers[.eTag]

            let saved = try await owner.post("/admin/brand", Self.form(primary: "#5b21b6"))
            #expect(saved.status == .seeOther)
            #expect(try await owner.get("/admin/brand?done=saved").text.contains("Draft saved."))

            // Customers see the live brand; the other staff member sees the live brand too.
            #expect(try await client.get("/", host: "acme.localhost").text == before)
            #expect(!(try await client.get(beforeTheme, host: "acme.localhost").text.contains("#5b21b6")))
            #expect(!(try await admin.get("/admin/brand").text.contains("#5b21b6")))
            #expect(!(try await admin.get("/admin/brand/preview/theme.css").text.contains("#5b21b6")))
            // The owner's preview shows the draft.
            let preview = try await owner.get("/admin/brand/preview")
            #expect(preview.text.contains("Preview of your draft"))
            #expect(preview.headers[.cacheControl] == "no-store")
            #expect(try await owner.get("/admin/brand/preview/theme.css").text.contains("--brand-primary: #5b21b6"))
            let customer = TestBrowser(client, host: "acme.localhost")
            #expect(try await customer.get("/admin/brand/preview").status == .seeOther)

            #expect(try await owner.post("/admin/brand/publish", [:]).status == .seeOther)
            let after = try await client.get("/", host: "acme.localhost").text
            let afterTheme = try #require(Self.themeURL(after))
            #expect(afterTheme != beforeTheme)
            let served = try await client.get(afterTheme, host: "acme.localhost")
            #expect(served.text.contains("--brand-primary: #5b21b6"))
            #expect(served.headers[.eTag] != beforeETag)
            #expect(
                after.contains("Acme Hosting Ltd") && after.contains("help@acme.example")
                    && after.contains("https://acme.example/terms"))
            // Tenant B never shows tenant A's brand.
            let globex = try await client.get("/", host: "globex.localhost").text
            #expect(!globex.contains("Acme Hosting Ltd") && !globex.contains("#5b21b6"))
            #expect(
                !(try await client.get(Self.themeURL(globex) ?? "/theme.css", host: "globex.localhost").text.contains(
                    "#5b21b6")))

            let audit = try await dependencies.accounts("acme") { try await $0.auditEntries(action: "brand.published") }
            #expect(audit.count == 1 && audit.first?.actor == "owner@acme.example")
            let page = try await owner.get("/admin/brand")
            #expect(page.text.contains("live brand") && page.text.contains("<span class=\"badge\">live</span>"))
        }
    }

    @Test("bad fields are refused one by one beside each field, and nothing is stored")
    func validation() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            var form = Self.form()
            form["company_name"] = ""
            form["support_email"] = "not-an-email"
            form["primary_color"] = "blue"
            form["link_url_0"] = "javascript:alert(1)"
            form["nameservers"] = "ns1.acme.example"
            form["font"] = "comic-sans"
            form["sender_name"] = "Evil <script>"
            form["country"] = "XX"
            form["tax_number"] = String(repeating: "9", count: 41)
            form["terms_url"] = "http://acme.example/terms"
            let refused = try await owner.post("/admin/brand", form)
            #expect(refused.status == .unprocessableContent)
            for message in [
                "Enter the company name shown in the footer and on invoices.",
                "Enter an email address such as support@example.com.",
                "Enter a colour as # and six hexadecimal digits", "Link 1 needs an https:// address",
                "Give 2 to 4 nameservers", "Choose one of the listed fonts.", "Keep the sender name to 80 characters",
                "Choose the country from the list.", "Keep the tax number to 40 characters on one line.",
                "Enter an https:// address such as https://example.com/terms.", "Nothing was saved",
            ] {
                #expect(refused.text.contains(message), "missing: \(message)")
            }
            #expect(refused.text.contains(#"value="javascript:alert(1)""#), "what was typed is kept in the form")
            #expect(refused.text.contains(#"id="primary-color-error""#))
            let tenant = try dependencies.registryTenant("acme")
            let owned = try await dependencies.accounts("acme") {
                try await $0.account(kind: .staff, email: "owner@acme.example")
            }
            let draft = try await dependencies.databases.withDatabase(for: tenant) {
                try await $0.brandStudio.draft(of: owned!.id)
            }
            #expect(draft == nil)
        }
    }

    @Test("the business details are saved with the brand; times follow its country until the owner picks a zone")
    func businessDetails() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            let tenant = try dependencies.registryTenant("acme")
            #expect(try await dependencies.databases.timeZone(of: tenant) == TimeZone(identifier: "UTC"))
            var form = Self.form()
            form["country"] = "AE"
            form["company_number"] = "DMCC-12345"
            form["tax_number"] = "TRN 100123456700003"
            form["terms_url"] = "https://acme.example/terms"
            #expect(try await owner.post("/admin/brand", form).status == .seeOther)
            let page = try await owner.get("/admin/brand")
            #expect(page.text.contains(#"<option value="AE" selected>United Arab Emirates</option>"#))
            #expect(page.text.contains(#"value="TRN 100123456700003""#))
            // Only the rows in use, and one empty row to add another.
            #expect(page.text.contains(#"id="link-label-1""#) && !page.text.contains(#"id="link-label-2""#))
            #expect(try await owner.post("/admin/brand/publish", [:]).status == .seeOther)
            let brand = try await dependencies.databases.withDatabase(for: tenant) { try await $0.storefront().brand }
            #expect(brand.country == "AE" && brand.companyNumber == "DMCC-12345" && brand.termsURL.hasSuffix("/terms"))
            #expect(try await dependencies.databases.timeZone(of: tenant).identifier == "Asia/Dubai")
            // Another brand keeps its own.
            let globex = try dependencies.registryTenant("globex")
            #expect(try await dependencies.databases.timeZone(of: globex) == TimeZone(identifier: "UTC"))
        }
    }

    @Test("a palette that fails contrast can be saved as a draft but not published, with suggested colours")
    func contrastGate() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            let before = try await client.get("/", host: "acme.localhost").text
            #expect(
                try await owner.post("/admin/brand", Self.form(text: "#aaaaaa", link: "#99ccff")).status == .seeOther)
            let page = try await owner.get("/admin/brand")
            #expect(page.text.contains("2.32:1"))
            #expect(page.text.contains("try text colour <code>#"))
            #expect(page.text.contains("can be saved as a draft, but not published"))
            let refused = try await owner.post("/admin/brand/publish", [:])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("This palette cannot be published"))
            #expect(try await client.get("/", host: "acme.localhost").text == before)
        }
    }

    @Test("any of the last 20 published versions can be restored in one click, and restoring is audited")
    func versionsAndRestore() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            let tenant = try dependencies.registryTenant("acme")
            for index in 0..<22 {
                let colour = String(format: "#%02x2040", index * 5)
                #expect(try await owner.post("/admin/brand", Self.form(primary: colour)).status == .seeOther)
                #expect(try await owner.post("/admin/brand/publish", [:]).status == .seeOther)
            }
            let versions = try await dependencies.databases.withDatabase(for: tenant) {
                try await $0.brandStudio.versions()
            }
            #expect(versions.count == 20)
            let live = try #require(versions.first)
            let older = try #require(versions.last)
            let restored = try await owner.post("/admin/brand/versions/\(older.version)/restore", [:])
            #expect(restored.status == .seeOther)
            let theme = try await client.get(
                Self.themeURL(try await client.get("/", host: "acme.localhost").text)!, host: "acme.localhost")
            #expect(theme.text.contains("--brand-primary: \(older.brand.primaryColor.hex)"))
            #expect(
                try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.brandStudio.published().version
                } == live.version + 1)
            #expect(
                try await dependencies.accounts("acme") { try await $0.auditEntries(action: "brand.restored") }.count
                    == 1)
            #expect(try await owner.post("/admin/brand/versions/1/restore", [:]).status == .notFound)
        }
    }

    @Test("every bad upload is refused with a clear error and the previous logo stays; a good one is served safely")
    func uploads() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            let logo = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.assets + "/demo/acme-logo.png")))
            let uploaded = try await owner.upload(
                "/admin/brand/images", ["kind": "logo"], file: ("file", "logo.png", logo))
            #expect(uploaded.status == .seeOther)
            #expect(try await owner.post("/admin/brand/publish", [:]).status == .seeOther)
            let home = try await client.get("/", host: "acme.localhost").text
            let logoURL = try #require(
                home.firstMatch(of: /src="(\/brand\/logo\/[0-9a-f]{64}\.png)"/).map { String($0.1) })
            let served = try await client.get(logoURL, host: "acme.localhost")
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "image/png")
            #expect(served.headers[.contentSecurityPolicy] == "default-src 'none'; sandbox")
            #expect(served.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(served.headers[.cacheControl]?.contains("immutable") == true)
            #expect(try await client.get(logoURL, host: "globex.localhost").status == .notFound)

            var png = [UInt8](logo)
            let bad: [(String, [UInt8], String)] = [
                (
                    "page.png", Array("<html><body><script>alert(1)</script></body></html>".utf8),
                    "is HTML or XML, not an image"
                ),
                ("cut.png", Array(png.prefix(png.count / 2)), "the PNG file is damaged or incomplete"),
                ("huge.png", Self.pngHeader(width: 20000, height: 20000), "20000×20000 pixels; at most 4096×4096"),
                ("big.png", logo + [UInt8](repeating: 0, count: 5 << 20), "the limit is 1 MiB"),
                (
                    "logo.svg", Array("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".utf8),
                    "SVG files are refused because they can contain scripts"
                ),
            ]
            png.removeAll()
            for (name, bytes, message) in bad {
                let refused = try await owner.upload(
                    "/admin/brand/images", ["kind": "logo"], file: ("file", name, bytes))
                #expect(refused.status == .unprocessableContent, "\(name)")
                #expect(refused.text.contains(message), "\(name): \(message)")
                #expect(
                    try await client.get("/", host: "acme.localhost").text.contains(logoURL), "\(name): the logo stays")
            }
            let wrongKind = try await owner.upload(
                "/admin/brand/images", ["kind": "banner"], file: ("file", "logo.png", logo))
            #expect(wrongKind.status == .unprocessableContent)
        }
    }

    @Test("publishing a draft started before someone else's publish asks for confirmation instead of undoing it")
    func staleDraft() async throws {
        try await withPortal { client, dependencies in
            let first = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            let second = try await staffBrowser(
                client, dependencies, role: .admin, email: "admin@acme.example", landing: "/admin/brand")
            try await first.post("/admin/brand", Self.form(primary: "#111177"))
            try await second.post("/admin/brand", Self.form(primary: "#771111"))
            #expect(try await second.post("/admin/brand/publish", [:]).status == .seeOther)
            try await first.get("/admin/brand")
            let stale = try await first.post("/admin/brand/publish", [:])
            #expect(
                stale.status == .conflict && stale.text.contains("The live brand changed")
                    && stale.text.contains("Publish anyway"))
            let theme = try await client.get(
                Self.themeURL(try await client.get("/", host: "acme.localhost").text)!, host: "acme.localhost")
            #expect(theme.text.contains("#771111"))
            #expect(try await first.post("/admin/brand/publish", ["force": "1"]).status == .seeOther)
        }
    }

    @Test("uploads are accepted only on the upload path, from signed-in staff")
    func uploadsOnlyWhereExpected() async throws {
        try await withPortal { client, dependencies in
            let logo = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.assets + "/demo/acme-logo.png")))
            // Signed-in staff, another path: the body is not read as an upload at all.
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            #expect(
                try await owner.upload("/admin/brand", ["company_name": "x"], file: ("file", "x.png", logo)).status
                    == .forbidden)
            // A signed-in customer, the upload path: refused before the body is read.
            try await makeAccount(dependencies, email: "ada@example.com")
            let customer = TestBrowser(client, host: "acme.localhost")
            try await signIn(customer)
            try await customer.get("/account")
            #expect(
                try await customer.upload("/admin/brand/images", ["kind": "logo"], file: ("file", "x.png", logo)).status
                    == .forbidden)
            // The owner on the upload path is accepted.
            try await owner.get("/admin/brand")
            #expect(
                try await owner.upload("/admin/brand/images", ["kind": "logo"], file: ("file", "x.png", logo)).status
                    == .seeOther)
        }
    }

    @Test("customers see their brand's published nameservers with their hosting, and only their own brand's")
    func nameserversForCustomers() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(
                client, dependencies, email: "owner@acme.example", landing: "/admin/brand")
            var form = Self.form()
            form["nameservers"] = "ns1.brand-acme.example\nns2.brand-acme.example"
            try await owner.post("/admin/brand", form)
            let customer = try await makeAccount(dependencies, tenant: "acme", email: "ada@example.com")
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            #expect(
                !(try await browser.get("/account").text.contains("ns1.brand-acme.example")), "a draft is not shown")
            try await owner.post("/admin/brand/publish", [:])
            let home = try await browser.get("/account").text
            #expect(home.contains("<code>ns1.brand-acme.example</code>") && home.contains("No active services yet"))

            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                let pending = try await database.upstreams.pendingHostingAccount(
                    account: customer.id, domain: "ada.example", plan: "racme_starter", reseller: "racme",
                    username: { "adaexamp0001" }
                )
                _ = try await database.upstreams.activateHostingAccount(
                    pending.id, nameservers: ["ns1.brand-acme.example", "ns2.brand-acme.example"])
                try await database.billing.replace(
                    customer.id,
                    services: [
                        MirroredService(
                            whmcsServiceID: 7, accountID: customer.id, whmcsOrderID: 1, whmcsProductID: 1,
                            productName: "Starter",
                            domain: "ada.example", status: "Active", billingCycle: "Monthly", recurringMinor: 299,
                            nextDueDate: "2030-01-01", username: "adaexamp0001")
                    ], invoices: [])
            }
            let withHosting = try await browser.get("/account").text
            #expect(withHosting.contains("/account/services/7") && withHosting.contains("ada.example"))
            let service = try await browser.get("/account/services/7").text
            #expect(
                service.contains("<code>adaexamp0001</code>") && service.contains("<code>ns1.brand-acme.example</code>")
            )

            try await makeAccount(dependencies, tenant: "globex", email: "ada@example.com")
            let other = TestBrowser(client, host: "globex.localhost")
            try await signIn(other)
            let globexHome = try await other.get("/account").text
            #expect(!globexHome.contains("brand-acme") && !globexHome.contains("ada.example"))
            #expect(try await other.get("/account/services/7").status == .notFound)
        }
    }

    /// A PNG whose header claims a size, with valid chunks and CRCs.
    static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return withUnsafeBytes(of: UInt32(data.count).bigEndian) { Array($0) } + body
                + withUnsafeBytes(of: CRC32.checksum(body).bigEndian) { Array($0) }
        }
        let header =
            withUnsafeBytes(of: width.bigEndian) { Array($0) } + withUnsafeBytes(of: height.bigEndian) { Array($0) } + [
                8, 6, 0, 0, 0,
            ]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header) + chunk("IDAT", [0])
            + chunk("IEND", [])
    }
}
