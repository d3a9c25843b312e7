import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The brand's own pages, news, menu, announcement and images.
@Suite("Brand content")
struct ContentTests {
    static let body = """
        Welcome to **Acme**. Read [our help](/help).

        ::: hero
        title: Hosting for busy people
        text: Fast and friendly.
        button: See the plans | /#products
        :::

        ::: features
        title: Every plan includes
        - Free SSL
        - Daily backups
        :::

        ::: pricing
        title: Our plans
        :::

        ::: faq
        Q: Can I move my site?
        A: Yes, for free.
        :::

        ::: testimonial
        quote: They answered in minutes.
        author: Sara
        role: Shop owner
        :::

        ::: contact
        :::

        ::: domain-search
        title: Find your name
        :::
        """

    /// Posts the page form; `extra` adds or overrides fields.
    static func savePage(
        _ staff: TestBrowser, to path: String = "/admin/pages", slug: String, title: String = "About us",
        body: String = "Hello.", extra: [String: String] = [:]
    ) async throws -> BrowserResponse {
        var fields = ["slug": slug, "title_en": title, "summary_en": "All about us", "body_en": body, "image": ""]
        fields.merge(extra) { _, new in new }
        return try await staff.post(path, fields)
    }

    static func pageID(_ dependencies: PortalDependencies, _ slug: String, tenant: String = "acme") async throws
        -> Int64
    {
        let stored = try await dependencies.databases.withDatabase(for: try dependencies.registryTenant(tenant)) {
            try await $0.content.page(slug: slug)
        }
        return try #require(stored?.id.rawValue)
    }

    @Test(
        "a draft is private until published; 22 publishes keep the last 20 versions; any can be restored; unpublish hides it"
    )
    func versions() async throws {
        try await withPortal { client, dependencies in
            let staff = try await staffBrowser(client, dependencies, landing: "/admin/pages/new")
            let created = try await Self.savePage(staff, slug: "about-us", body: "Version 0")
            #expect(created.status == .seeOther)
            let id = try await Self.pageID(dependencies, "about-us")
            #expect(
                try await client.get("/pages/about-us", host: "acme.localhost").status == .notFound,
                "a draft is private")
            let preview = try await staff.get("/admin/pages/\(id)/preview")
            #expect(preview.status == .ok && preview.text.contains("Version 0") && preview.text.contains("noindex"))
            let visitor = TestBrowser(client, host: "acme.localhost")
            #expect(try await visitor.get("/admin/pages/\(id)/preview").status == .seeOther, "only staff preview")
            for version in 1...22 {
                try await staff.get("/admin/pages/\(id)")
                let saved = try await Self.savePage(
                    staff, to: "/admin/pages/\(id)", slug: "about-us", body: "Version \(version)",
                    extra: ["publish": "1"])
                #expect(saved.status == .seeOther)
            }
            let live = String(buffer: try await client.get("/pages/about-us", host: "acme.localhost").body)
            #expect(live.contains("Version 22"))
            let tenant = try dependencies.registryTenant("acme")
            let kept = try await dependencies.databases.withDatabase(for: tenant) {
                try await $0.content.versions(of: SitePage.ID(id))
            }
            #expect(kept.map(\.version) == Array((3...22).reversed()), "the last 20")
            let editor = try await staff.get("/admin/pages/\(id)")
            #expect(editor.text.contains("Restore version 3") && !editor.text.contains("Restore version 2<"))
            #expect(try await staff.post("/admin/pages/\(id)/versions/2/restore", [:]).status == .notFound)
            #expect(try await staff.post("/admin/pages/\(id)/versions/5/restore", [:]).status == .seeOther)
            let restored = String(buffer: try await client.get("/pages/about-us", host: "acme.localhost").body)
            #expect(restored.contains("Version 5") && !restored.contains("Version 22"))
            #expect(try await staff.post("/admin/pages/\(id)/unpublish", [:]).status == .seeOther)
            #expect(try await client.get("/pages/about-us", host: "acme.localhost").status == .notFound)
            let audit = try await dependencies.accounts("acme") { try await $0.auditEntries(limit: 100) }.map(\.action)
            #expect(
                audit.contains("page.restored") && audit.contains("page.unpublished")
                    && audit.contains("page.published"))
        }
    }

    @Test("every block renders from our own templates, pricing from the live catalogue; Markdown is made safe")
    func blocks() async throws {
        try await withPortal { client, dependencies in
            try await ProvisioningTests.addProducts(dependencies)
            let staff = try await staffBrowser(client, dependencies, landing: "/admin/pages/new")
            let saved = try await Self.savePage(
                staff, slug: "welcome", body: Self.body + "\n\n<script>alert(1)</script>", extra: ["publish": "1"])
            #expect(saved.status == .seeOther)
            let html = String(buffer: try await client.get("/pages/welcome", host: "acme.localhost").body)
            #expect(
                html.contains(#"<section class="hero block-hero"><h2 class="hero__title">Hosting for busy people</h2>"#)
            )
            #expect(html.contains(#"<a class="button" href="/#products">See the plans</a>"#))
            #expect(html.contains("<li>Free SSL</li>") && html.contains("<li>Daily backups</li>"))
            #expect(html.contains("Cloud Medium") && html.contains("£14.99"), "pricing from the catalogue")
            #expect(html.contains("<summary>Can I move my site?</summary><p>Yes, for free.</p>"))
            #expect(
                html.contains("<blockquote><p>They answered in minutes.</p></blockquote><figcaption>Sara, Shop owner"))
            #expect(html.contains(#"class="block-contact panel""#))
            #expect(html.contains(#"action="/domains/search""#) && html.contains("Find your name"))
            #expect(html.contains(#"<a href="/help">our help</a>"#))
            #expect(!html.contains("<script>"), "markup that is not allowed is shown as text")
            #expect(html.contains(#"<meta property="og:title" content="About us">"#))
        }
    }

    @Test("a broken block or a link to a missing page is refused beside the field, and nothing is stored")
    func linkChecks() async throws {
        try await withPortal { client, dependencies in
            let staff = try await staffBrowser(client, dependencies, landing: "/admin/pages/new")
            let unclosed = try await Self.savePage(staff, slug: "a", body: "::: hero\ntitle: Hi")
            #expect(unclosed.status == .unprocessableContent)
            #expect(unclosed.text.contains("Line 1: the hero block is never closed with :::."))
            let unknown = try await Self.savePage(staff, slug: "a", body: "::: carousel\n:::")
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.text.contains("Line 1: there is no &quot;carousel&quot; block"))
            let missing = try await Self.savePage(staff, slug: "a", body: "See [the team](/pages/team).")
            #expect(missing.status == .unprocessableContent)
            #expect(missing.text.contains("there is no page"))
            let button = try await Self.savePage(
                staff, slug: "a", body: "::: hero\ntitle: Hi\nbutton: Go | javascript:alert(1)\n:::")
            #expect(button.status == .unprocessableContent)
            let badSlug = try await Self.savePage(staff, slug: "Not A Slug", body: "Hi")
            #expect(badSlug.status == .unprocessableContent)
            let pages = try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                try await $0.content.pages()
            }
            #expect(pages.isEmpty, "nothing was stored")
            #expect(try await Self.savePage(staff, slug: "team", body: "Us.").status == .seeOther)
            #expect(try await Self.savePage(staff, slug: "a", body: "See [the team](/pages/team).").status == .seeOther)
            let other = try await Self.savePage(staff, slug: "team", body: "Again")
            #expect(other.text.contains("Another page already uses this address."))
        }
    }

    @Test(
        "the brand chooses its home page, menu, footer and a dated announcement; a menu link to a missing page is refused"
    )
    func site() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            let staff = try await staffBrowser(client, dependencies, landing: "/admin/pages/new")
            #expect(
                try await Self.savePage(
                    staff, slug: "home", title: "Welcome home", body: "Our own home page.", extra: ["publish": "1"]
                ).status == .seeOther)
            try await staff.get("/admin/site")
            let refused = try await staff.post(
                "/admin/site", ["home": "home", "menu_url_0": "/pages/nowhere", "menu_label_0_en": "Nowhere"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("This link was refused: there is no page"))
            #expect(
                String(buffer: try await client.get("/", host: "acme.localhost").body).contains("Plans"), "unchanged")
            let today = DisplayCalendar.day(clock.now())
            let tomorrow = DisplayCalendar.day(clock.now().addingTimeInterval(86_400))
            let saved = try await staff.post(
                "/admin/site",
                [
                    "home": "home", "menu_url_0": "/pages/home", "menu_label_0_en": "Start",
                    "menu_url_1": "/news", "menu_label_1_en": "Our news", "footer_url_0": "/pages/home",
                    "footer_label_0_en": "About", "announcement_en": "Sale this week",
                    "announcement_url": "/pages/home",
                    "announcement_starts": today, "announcement_ends": tomorrow,
                ])
            #expect(saved.status == .seeOther)
            let home = String(buffer: try await client.get("/", host: "acme.localhost").body)
            #expect(home.contains("Our own home page."))
            #expect(
                home.contains(#"<a href="/pages/home">Start</a>"#) && home.contains(#"<a href="/news">Our news</a>"#))
            #expect(!home.contains(#"href="/#products">Products</a>"#), "the brand's menu replaces the default")
            #expect(home.contains(#"class="announcement""#) && home.contains("Sale this week"))
            try await staff.get("/admin/site")
            let badDates = try await staff.post(
                "/admin/site", ["announcement_en": "x", "announcement_starts": tomorrow, "announcement_ends": today])
            #expect(badDates.status == .unprocessableContent)
            #expect(badDates.text.contains("The last day comes before the first."))
            clock.advance(by: 3 * 86_400)
            let later = String(buffer: try await client.get("/help", host: "acme.localhost").body)
            #expect(!later.contains("Sale this week"), "the announcement ends on its last day")
        }
    }

    @Test("news: dated and signed, listed newest first, in a well-formed Atom feed, the sitemap and the help search")
    func news() async throws {
        try await withPortal { client, dependencies in
            let staff = try await staffBrowser(client, dependencies, landing: "/admin/news/new")
            for (slug, day, title) in [
                ("launch", "2026-11-01", "We launched"), ("sale", "2026-12-01", "Winter & sale <now>"),
            ] {
                let saved = try await staff.post(
                    "/admin/news",
                    [
                        "slug": slug, "date": day, "author": "Sara", "title_en": title,
                        "body_en": "News about **\(slug)**.", "published": "on",
                    ])
                #expect(saved.status == .seeOther)
            }
            let draft = try await staff.post(
                "/admin/news",
                ["slug": "secret", "date": "2026-12-05", "author": "Sara", "title_en": "Secret", "body_en": "Not yet."])
            #expect(draft.status == .seeOther)
            let bad = try await staff.post(
                "/admin/news", ["slug": "x", "date": "2026-02-30", "author": "", "title_en": "", "body_en": ""])
            #expect(bad.status == .unprocessableContent && bad.text.contains("Give the date as YYYY-MM-DD."))
            let list = String(buffer: try await client.get("/news", host: "acme.localhost").body)
            let sale = try #require(list.range(of: "Winter &amp; sale &lt;now&gt;"))
            let launch = try #require(list.range(of: "We launched"))
            #expect(sale.lowerBound < launch.lowerBound, "newest first")
            #expect(!list.contains("Secret"))
            let feed = try await client.get("/news/feed.xml", host: "acme.localhost")
            #expect(feed.headers[.contentType] == "application/atom+xml; charset=utf-8")
            let xml = String(buffer: feed.body)
            #expect(xml.contains("<title>Winter &amp; sale &lt;now&gt;</title>"))
            #expect(xml.contains("<author><name>Sara</name></author>"))
            #expect(xml.contains("<published>2026-12-01T00:00:00Z</published>"))
            #expect(!xml.contains("Secret"))
            let parser = XMLParser(data: Data(xml.utf8))
            #expect(parser.parse(), "the feed is well-formed XML")
            let sitemap = String(buffer: try await client.get("/sitemap.xml", host: "acme.localhost").body)
            #expect(sitemap.contains("/news/launch") && sitemap.contains("/news/sale") && !sitemap.contains("secret"))
            let search = String(buffer: try await client.get("/help?q=launched", host: "acme.localhost").body)
            #expect(search.contains(#"<a href="/news/launch">We launched</a>"#))
        }
    }

    @Test(
        "images: checked like logos, content-addressed, within a quota shown on the page; unused ones go after 30 days")
    func images() async throws {
        let clock = TestClock()
        try await withPortal(configure: { $0.imageQuota = 150 }, clock: clock) { client, dependencies in
            let staff = try await staffBrowser(client, dependencies, landing: "/admin/images")
            let fake = try await staff.upload("/admin/images", [:], file: ("file", "x.png", Array("not an image".utf8)))
            #expect(fake.status == .unprocessableContent && fake.text.contains("That file was not stored"))
            let first = BrandStudioTests.pngHeader(width: 10, height: 10)
            let second = BrandStudioTests.pngHeader(width: 20, height: 10)
            let third = BrandStudioTests.pngHeader(width: 30, height: 10)
            #expect(try await staff.upload("/admin/images", [:], file: ("file", "a.png", first)).status == .seeOther)
            #expect(try await staff.upload("/admin/images", [:], file: ("file", "b.png", second)).status == .seeOther)
            let full = try await staff.upload("/admin/images", [:], file: ("file", "c.png", third))
            #expect(full.status == .unprocessableContent && full.text.contains("storage limit"))
            let page = try await staff.get("/admin/images")
            let used = FileSize.text(Int64(first.count + second.count))
            #expect(page.text.contains("Storage: \(used) of \(FileSize.text(150)) used."))
            #expect(page.text.contains(#"<meter min="0" max="150" value="\#(first.count + second.count)""#))
            let tenant = try dependencies.registryTenant("acme")
            let files = try await dependencies.databases.withDatabase(for: tenant) { try await $0.content.images() }
                .map(\.file)
            #expect(files.count == 2)
            let (kept, unused) = (files[0], files[1])
            let served = try await client.get("/media/\(kept)", host: "acme.localhost")
            #expect(served.status == .ok && served.headers[.cacheControl]?.contains("immutable") == true)
            #expect(
                try await client.get("/media/\(kept)", host: "globex.localhost").status == .notFound,
                "not on another brand")
            try await staff.get("/admin/pages/new")
            #expect(
                try await Self.savePage(staff, slug: "gallery", body: "![Us](/media/\(kept))", extra: ["image": kept])
                    .status == .seeOther)
            let desk = dependencies.contentDesk
            #expect(try await desk.sweepImages(of: tenant).isEmpty, "marked, not removed")
            clock.advance(by: 29 * 86_400)
            #expect(try await desk.sweepImages(of: tenant).isEmpty)
            clock.advance(by: 2 * 86_400)
            #expect(try await desk.sweepImages(of: tenant) == [unused])
            #expect(
                try await client.get("/media/\(unused)", host: "acme.localhost").status == .notFound, "the file is gone"
            )
            #expect(try await client.get("/media/\(kept)", host: "acme.localhost").status == .ok, "a used image stays")
            // A month on, the session has ended: sign in again to upload into the space freed.
            try await signIn(staff, email: "owner@acme.example", staff: true)
            try await staff.get("/admin/images")
            #expect(try await staff.upload("/admin/images", [:], file: ("file", "c.png", third)).status == .seeOther)
        }
    }

    @Test("one brand's pages and news never show on another; support staff cannot write pages")
    func isolation() async throws {
        try await withPortal { client, dependencies in
            let staff = try await staffBrowser(client, dependencies, landing: "/admin/pages/new")
            #expect(
                try await Self.savePage(staff, slug: "secret-plan", body: "Acme only", extra: ["publish": "1"]).status
                    == .seeOther)
            #expect(try await client.get("/pages/secret-plan", host: "globex.localhost").status == .notFound)
            #expect(
                !String(buffer: try await client.get("/sitemap.xml", host: "globex.localhost").body).contains(
                    "secret-plan"))
            #expect(
                !String(buffer: try await client.get("/help?q=Acme", host: "globex.localhost").body).contains(
                    "secret-plan"))
            let id = try await Self.pageID(dependencies, "secret-plan")
            let globex = try await staffBrowser(client, dependencies, tenant: "globex", landing: "/admin/pages")
            #expect(try await globex.get("/admin/pages/\(id)").status == .notFound)
            let support = try await staffBrowser(client, dependencies, role: .support, landing: "/admin")
            #expect(try await support.get("/admin/pages").status == .forbidden)
        }
    }

    @Test("a page is written per language: Arabic readers get the Arabic text, a missing language shows the default")
    func languages() async throws {
        try await withPortal { client, dependencies in
            try await offerArabic(dependencies)
            let staff = try await staffBrowser(client, dependencies, landing: "/admin/pages/new")
            let form = try await staff.get("/admin/pages/new")
            #expect(form.text.contains(#"name="body_ar""#) && form.text.contains(#"dir="rtl""#))
            #expect(
                try await Self.savePage(
                    staff, slug: "about", title: "About", body: "In English.",
                    extra: ["title_ar": "من نحن", "body_ar": "بالعربية.", "publish": "1"]
                ).status == .seeOther)
            #expect(
                try await Self.savePage(staff, slug: "only-english", body: "Only English.", extra: ["publish": "1"])
                    .status == .seeOther)
            let arabic = String(buffer: try await client.get("/ar/pages/about", host: "acme.localhost").body)
            #expect(arabic.contains("بالعربية.") && arabic.contains("من نحن") && arabic.contains(#"dir="rtl""#))
            let fallback = String(buffer: try await client.get("/ar/pages/only-english", host: "acme.localhost").body)
            #expect(fallback.contains("Only English."))
        }
    }
}
