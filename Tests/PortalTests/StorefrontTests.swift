import Branding
import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Storefront")
struct StorefrontTests {
    @Test("each tenant host shows only its own name, products and colours")
    func tenantsSeeOnlyTheirOwn() async throws {
        try await withPortal { client, _ in
            let acme = try await client.get("/", host: "acme.localhost")
            let globex = try await client.get("/", host: "globex.localhost")

            #expect(acme.status == .ok)
            #expect(acme.text.contains("<title>Acme Hosting"))
            #expect(acme.text.contains("Acme Starter") && acme.text.contains("Acme Business"))
            #expect(!acme.text.contains("Globex"))
            #expect(globex.status == .ok)
            #expect(globex.text.contains("<title>Globex Web"))
            #expect(globex.text.contains("Globex Launch"))
            #expect(!globex.text.contains("Acme"))

            let acmeTheme = try await client.get(Self.themeURL(in: acme.text), host: "acme.localhost")
            let globexTheme = try await client.get(Self.themeURL(in: globex.text), host: "globex.localhost")
            #expect(acmeTheme.text.contains("--brand-primary: #c2410c;"))
            #expect(globexTheme.text.contains("--brand-primary: #0f766e;"))
        }
    }

    @Test(
        "the home page: a domain search when the brand sells domains, monthly prices, Order beside Details, a comparison"
    )
    func homePage() async throws {
        try await withPortal { client, dependencies in
            let plain = try await client.get("/", host: "acme.localhost").text
            #expect(!plain.contains(#"action="/domains/search""#), "no search without domains for sale")
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                for (slug, features) in [
                    ("plan-0", "10 GB disk\nFree SSL"), ("plan-1", "50 GB disk\nFree SSL\nStaging"),
                ] {
                    var entry = try #require(try await database.catalogue.entry(slug: slug))
                    entry.product.features = features
                    entry.prices =
                        slug == "plan-0"
                        ? [
                            ProductPrice(cycle: .monthly, priceMinor: 299),
                            ProductPrice(cycle: .annually, priceMinor: 2_990),
                        ]
                        : [ProductPrice(cycle: .annually, priceMinor: 6_990)]
                    _ = try await database.catalogue.save(entry, actor: nil, via: "test", ip: "")
                }
                _ = try await database.catalogue.save(
                    CatalogueEntry(
                        product: Product(slug: "names", name: "Domain names", summary: "Names", kind: .domain),
                        domainPrices: [
                            DomainPrice(tld: "com", registerMinor: 999, transferMinor: 999, renewMinor: 1_199)
                        ]
                    ), actor: nil, via: "test", ip: "")
            }
            dependencies.storefront.invalidate(tenant)
            let home = try await client.get("/", host: "acme.localhost").text
            #expect(home.contains(#"<form class="hero__search" method="get" action="/domains/search" role="search""#))
            // Sold by the month and the year: £29.90 a year is £2.50 a month, rounded up, with the yearly price beside.
            #expect(home.contains("<strong>from £2.50/mo</strong>") && home.contains("(£29.90 per year)"), "\(home)")
            // Sold by the year only: a yearly figure.
            #expect(home.contains("<strong>from £69.90/yr</strong></p>"), "\(home)")
            #expect(
                home.contains(
                    #"<a class="button" href="/order/plan-0">Order<span class="visually-hidden"> Acme Starter</span></a>"#
                ))
            #expect(
                home.contains("<strong>from £9.99/yr</strong></p>") && home.contains(#"href="/domains/search">Order"#),
                "\(home)")
            // The two hosting plans compare feature by feature; the domain names are not part of it.
            let comparison = try #require(
                home.firstMatch(of: /<details class="comparison">(.*?)<\/details>/.dotMatchesNewlines()))
            let table = String(comparison.1)
            #expect(table.contains("<th scope=\"row\">Staging</th>") && table.contains("Not included"))
            #expect(table.contains("<th scope=\"col\">Acme Starter</th><th scope=\"col\">Acme Business</th>"))
            #expect(table.contains("Compare Web hosting"), "\(table)")
            #expect(!table.contains("Domain names"))
            #expect(!(try await client.get("/", host: "globex.localhost").text.contains("hero__search")))
        }
    }

    @Test("a custom domain, upper case, a port and a trailing dot all reach the same tenant")
    func hostVariants() async throws {
        try await withPortal { client, _ in
            for host in [
                "portal.acme.example", "PORTAL.ACME.EXAMPLE", "portal.acme.example:8443", "acme.localhost.",
                "Acme.LocalHost:80",
            ] {
                let response = try await client.get("/", host: host)
                #expect(response.status == .ok, "\(host)")
                #expect(response.text.contains("<title>Acme Hosting"), "\(host)")
            }
        }
    }

    @Test("a tenant without products shows a clear empty state")
    func emptyCatalogue() async throws {
        try await withPortal(tenants: [TestTenant(slug: "empty", name: "Empty Brand")]) { client, _ in
            let response = try await client.get("/", host: "empty.localhost")
            #expect(response.status == .ok)
            #expect(response.text.contains("No plans are on sale yet"))
            #expect(!response.text.contains("product-card"))
        }
    }

    @Test("the page is valid-looking HTML5 with no third-party requests and no inline script")
    func pageHygiene() async throws {
        try await withPortal { client, _ in
            let html = try await client.get("/", host: "acme.localhost").text
            #expect(html.hasPrefix("<!doctype html>"))
            #expect(html.contains("<html lang=\"en\" dir=\"ltr\">"))
            #expect(html.contains("name=\"viewport\""))
            #expect(!html.contains("<script"))
            #expect(!html.contains(" style=\""))
            // Everything the page loads (images, stylesheets, icons) comes from its own host; only links may leave.
            for match in html.matches(of: /(?:src|srcset)="([^"]+)"|<link[^>]+href="([^"]+)"/) {
                let url = String(match.1 ?? match.2 ?? "")
                // `data:,` is the empty icon of a brand without one: inline, so the browser asks no host for /favicon.ico.
                #expect(url.hasPrefix("/") || url == "data:,", "third-party resource \(url)")
            }
            for match in html.matches(of: /<a [^>]*href="([^"]+)"/) {
                let url = String(match.1)
                #expect(
                    url.hasPrefix("/") || url.hasPrefix("#") || url.hasPrefix("https://") || url.hasPrefix("mailto:")
                        || url.hasPrefix("tel:"), "unexpected link \(url)")
            }
        }
    }

    @Test("the home page answers 304 to its own ETag")
    func homeETag() async throws {
        try await withPortal { client, _ in
            let first = try await client.get("/", host: "acme.localhost")
            let etag = try #require(first.headers[.eTag])
            let second = try await client.get("/", host: "acme.localhost", headers: [.ifNoneMatch: etag])
            #expect(second.status == .notModified)
            #expect(second.body.readableBytes == 0)
        }
    }

    @Test("the theme stylesheet has a strong ETag, answers 304, and is immutable only at its current version")
    func themeCaching() async throws {
        try await withPortal { client, _ in
            let page = try await client.get("/", host: "acme.localhost").text
            let url = Self.themeURL(in: page)
            let theme = try await client.get(url, host: "acme.localhost")
            let etag = try #require(theme.headers[.eTag])
            #expect(theme.status == .ok)
            #expect(!etag.hasPrefix("W/"))
            #expect(theme.headers[.contentType] == "text/css; charset=utf-8")
            #expect(theme.headers[.cacheControl]?.contains("immutable") == true)

            let revalidated = try await client.get(url, host: "acme.localhost", headers: [.ifNoneMatch: etag])
            #expect(revalidated.status == .notModified)

            let stale = try await client.get("/theme.css?v=0000000000000000", host: "acme.localhost")
            #expect(stale.headers[.cacheControl]?.contains("immutable") == false)
        }
    }

    @Test("static files have strong ETags, 304s and versioned immutable URLs; unknown paths are 404")
    func staticFiles() async throws {
        try await withPortal { client, _ in
            let page = try await client.get("/", host: "acme.localhost").text
            let cssURL = try #require(page.firstMatch(of: /href="(\/static\/base\.css\?v=[0-9a-f]+)"/)).1
            let css = try await client.get(String(cssURL), host: "acme.localhost")
            let etag = try #require(css.headers[.eTag])
            #expect(css.status == .ok)
            #expect(css.headers[.cacheControl]?.contains("immutable") == true)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            let again = try await client.get(String(cssURL), host: "acme.localhost", headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)

            for path in [
                "/static/missing.css", "/static/../Package.swift", "/static/%2e%2e/Package.swift",
                "/static/templates/storefront/home.mustache",
            ] {
                #expect(try await client.get(path, host: "acme.localhost").status == .notFound, "\(path)")
            }
        }
    }

    @Test("a logo is served with its sniffed type and a sandbox policy, and only on its own tenant's host")
    func logos() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme, .globex], in: folder.path)
        let dataDirectory = DataDirectory(path: folder.path)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        let acme = try #require(try platform.tenant(slug: TenantSlug(validating: "acme")))
        let logo = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestPaths.assets + "/demo/acme-logo.png")))
        let name = try LogoStoreFixture.store(logo, tenant: acme, dataDirectory: dataDirectory)
        try platform.close()

        try await withExistingPortal(dataPath: folder.path) { client, _ in
            let served = try await client.get("/brand/logo/\(name)", host: "acme.localhost")
            #expect(served.status == .ok)
            #expect(served.headers[.contentType] == "image/png")
            #expect(served.headers[.contentSecurityPolicy] == "default-src 'none'; sandbox")
            #expect(Array(served.body.readableBytesView) == logo)

            let otherTenant = try await client.get("/brand/logo/\(name)", host: "globex.localhost")
            #expect(otherTenant.status == .notFound)
            let traversal = try await client.get("/brand/logo/..%2F..%2Fplatform.sqlite", host: "acme.localhost")
            #expect(traversal.status == .notFound)
        }
    }

    @Test("the storefront is served from memory until invalidated: no database read per request")
    func cachedUntilInvalidated() async throws {
        try await withPortal { client, dependencies in
            let tenant = try #require(dependencies.registry.tenant(forHost: "acme.localhost"))
            #expect(try await client.get("/", host: "acme.localhost").text.contains("Acme Starter"))

            try await dependencies.databases.withDatabase(for: tenant) { database in
                try await database.pool.write { db in
                    try db.execute(sql: "UPDATE products SET name = 'Renamed Plan' WHERE slug = 'plan-0'")
                }
            }
            #expect(try await client.get("/", host: "acme.localhost").text.contains("Acme Starter"))

            dependencies.storefront.invalidate(tenant)
            let fresh = try await client.get("/", host: "acme.localhost").text
            #expect(fresh.contains("Renamed Plan"))
            #expect(!fresh.contains(">Acme Starter<"))
            // Invalidating one tenant leaves the other's content alone.
            #expect(try await client.get("/", host: "globex.localhost").text.contains("Globex Launch"))
        }
    }

    static func themeURL(in html: String) -> String {
        html.firstMatch(of: /href="(\/theme\.css\?v=[0-9a-f]{16})"/).map { String($0.1) } ?? "/theme.css"
    }
}

enum LogoStoreFixture {
    static func store(_ bytes: [UInt8], tenant: Tenant, dataDirectory: DataDirectory) throws -> String {
        let name = try Branding.ImageStore(dataDirectory: dataDirectory).store(bytes, for: tenant.slug).name
        let database = try TenantDatabase.open(path: dataDirectory.tenantDatabasePath(tenant.slug), tenantID: tenant.id)
        defer { try? database.close() }
        try database.updateBrandNow { $0.logoFile = name }
        return name
    }
}
