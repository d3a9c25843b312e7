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

@Suite("Catalogue")
struct CatalogueTests {
    static let rules = try! CatalogueRules(directory: TestPaths.assets)

    static func hosting(price: String, cycle: String = "monthly", disk: String = "10240") -> ProductDraft {
        var draft = ProductDraft()
        draft.kind = "shared_hosting"
        draft.slug = "starter"
        draft.name = "Starter"
        draft.whmPackage = "starter"
        draft.diskMB = disk
        draft.prices = [.init(cycle: cycle, price: price)]
        return draft
    }

    static func problems(_ draft: ProductDraft, currency: String = "GBP") -> [String: String] {
        if case .failure(let list) = rules.validate(draft, currency: currency, categories: []) { return list.fields }
        return [:]
    }

    @Test("a price below the platform's cost is refused with the margin; unknown cycles, sizes and TLDs are named")
    func validation() throws {
        // 10 GB of shared hosting costs £1.00 + 10 × £0.04 = £1.40 a month.
        #expect(
            Self.problems(Self.hosting(price: "1.20"))["price_monthly"]
                == "£1.20 is below the platform's cost of £1.40 for monthly (margin -£0.20); charge at least £1.40.")
        #expect(Self.problems(Self.hosting(price: "1.40")).isEmpty)
        guard
            case .success(let entry) = Self.rules.validate(
                Self.hosting(price: "19.99", cycle: "annually"), currency: "GBP", categories: [])
        else { Issue.record("valid draft refused"); return }
        #expect(entry.prices == [ProductPrice(cycle: .annually, priceMinor: 1999, setupMinor: 0, costMinor: 1680)])

        #expect(
            Self.problems(Self.hosting(price: "9.99", cycle: "fortnightly"))["prices"]?.contains(
                "“fortnightly” is not a billing cycle") == true)
        #expect(Self.problems(Self.hosting(price: "9.999"))["price_monthly"] == "Enter an amount such as 4.99.")
        #expect(Self.problems(Self.hosting(price: "-1"))["price_monthly"] == "Enter an amount such as 4.99.")
        #expect(Self.problems(Self.hosting(price: "1e3"))["price_monthly"] == "Enter an amount such as 4.99.")
        #expect(Self.problems(Self.hosting(price: "9.99", disk: "lots"))["disk_mb"] != nil)
        #expect(
            Self.problems(Self.hosting(price: "9.99"), currency: "CHF")["prices"]?.contains("no costs in CHF") == true)

        var cloud = ProductDraft()
        cloud.kind = "cloud_server"
        cloud.slug = "vps"
        cloud.name = "VPS"
        cloud.cloudProvider = "20i"
        cloud.cloudSize = "huge"
        cloud.prices = [.init(cycle: "monthly", price: "99")]
        #expect(
            Self.problems(cloud)["cloud_size"]?.hasPrefix("“huge” is not a 20i size: use micro, small, medium") == true)
        cloud.cloudSize = "2xLarge"
        #expect(Self.problems(cloud).isEmpty)
        cloud.cloudProvider = "aws"
        #expect(Self.problems(cloud)["cloud_size"]?.contains("t3.micro") == true)
        cloud.cloudProvider = "azure"
        #expect(Self.problems(cloud)["cloud_provider"] == "Choose a provider: 20i, aws, gcp.")

        var ssl = ProductDraft()
        ssl.kind = "ssl"
        ssl.slug = "ssl"
        ssl.name = "SSL"
        ssl.sslType = "wildcard"
        ssl.sslProductCode = "positivessl_wildcard"
        ssl.prices = [.init(cycle: "monthly", price: "99")]
        #expect(Self.problems(ssl)["price_monthly"]?.contains("sold by the year") == true)
        ssl.prices = [.init(cycle: "biennially", price: "100.00")]
        #expect(Self.problems(ssl)["price_biennially"]?.contains("cost of £110.00") == true)

        var domains = ProductDraft()
        domains.kind = "domain"
        domains.slug = "domains"
        domains.name = "Domains"
        domains.domainPrices = [
            .init(tld: ".com", register: "9.99", transfer: "9.99", renew: "10.99"),
            .init(tld: "zz", register: "1", transfer: "1", renew: "1"),
        ]
        #expect(Self.problems(domains)["domain_prices"] == "The platform does not register .zz domains.")
        domains.domainPrices = [.init(tld: "com", register: "5.00", transfer: "9.99", renew: "10.99")]
        #expect(
            Self.problems(domains)["domain_prices"]?.hasPrefix(".com £5.00 is below the platform's cost of £7.50")
                == true)

        #expect(CatalogueRules.slugProblem("Starter Web") != nil)
        #expect(CatalogueRules.slugProblem("starter-web") == nil)
        #expect(MoneyInput.parse("£1,234.5", currency: .gbp) == 123_450)
        #expect(MoneyInput.parse("0.1", currency: .gbp) == 10)
        #expect(MoneyInput.parse("12.345", currency: .gbp) == nil)
    }

    @Test("the resource map is data: every 20i size of the platform description, and aws and gcp in the same form")
    func resourceMap() throws {
        let map = Self.rules.resources
        let medium = try #require(map.resources(provider: "20i", size: "medium"))
        #expect(medium.cpu == 2 && medium.ramGB == 4 && medium.storageGB == 80)
        let huge = try #require(map.resources(provider: "20i", size: "16xLarge"))
        #expect(huge.cpu == 32 && huge.ramGB == 96 && huge.storageGB == 1440)
        #expect(
            map.provider("20i")?.sizes.map(\.size) == [
                "micro", "small", "medium", "large", "xlarge", "2xLarge", "4xLarge", "8xLarge", "16xLarge", "32xLarge",
            ])
        #expect((map.provider("aws")?.sizes.count ?? 0) >= 4 && (map.provider("gcp")?.sizes.count ?? 0) >= 4)
        for provider in map.providers {
            for size in provider.sizes {
                #expect(Self.rules.costs.currency("GBP")?.cloudMonthly["\(provider.id)/\(size.size)"] != nil)
            }
        }
    }

    @Test(
        "staff add and edit products in the form; a duplicate slug or a price below cost is refused beside the field and nothing changes"
    )
    func adminForm() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(client, dependencies)
            let new = try await owner.get("/admin/products/new?kind=cloud_server")
            #expect(new.text.contains("20i medium: 2 vCPU, 4 GB RAM, 80 GB"))
            var form = [
                "kind": "cloud_server", "name": "Cloud M", "slug": "cloud-m", "visibility": "visible",
                "cloud_provider": "20i",
                "cloud_size": "medium", "price_monthly": "19.99", "setup_monthly": "5", "position": "1", "category": "",
            ]
            #expect(try await owner.post("/admin/products", form).status == .seeOther)

            form["slug"] = "plan-0"
            let duplicate = try await owner.post("/admin/products", form)
            #expect(duplicate.status == .unprocessableContent)
            #expect(duplicate.text.contains("Another product already uses “plan-0”"))
            #expect(duplicate.text.contains(#"id="slug-error""#))

            form["slug"] = "cloud-cheap"
            form["price_monthly"] = "5.00"
            let cheap = try await owner.post("/admin/products", form)
            #expect(cheap.status == .unprocessableContent)
            #expect(
                cheap.text.contains(
                    #"<p class="field__error" id="price-monthly-error">£5.00 is below the platform&#39;s cost of £9.00 for monthly (margin -£4.00); charge at least £9.00.</p>"#
                ))
            #expect(!cheap.text.contains("below the platform's cost"))
            #expect(cheap.text.contains(#"value="5.00""#), "the typed values stay in the form")

            let tenant = try dependencies.registryTenant("acme")
            let slugs = try await dependencies.databases.withDatabase(for: tenant) {
                try await $0.catalogue.entries().map(\.product.slug)
            }
            #expect(slugs.sorted() == ["cloud-m", "plan-0", "plan-1"])
            let list = try await owner.get("/admin/products")
            #expect(
                list.text.contains("Cloud M") && list.text.contains("£19.99 monthly") && list.text.contains("£10.99"),
                "margin shown")

            // The type cannot change on edit, and the storefront shows the change at once.
            let id = try #require(
                try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.catalogue.entry(slug: "cloud-m")?.product.id
                })
            form["slug"] = "cloud-m"
            form["kind"] = "ssl"
            form["price_monthly"] = "21.00"
            #expect(try await owner.post("/admin/products/\(id)", form).status == .seeOther)
            let page = try await client.get("/products/cloud-m", host: "acme.localhost")
            #expect(page.text.contains("£21.00") && page.text.contains("2 vCPU") && page.text.contains("£5.00"))

            // Support reads the catalogue but cannot change it; customers are sent to sign in.
            _ = try await makeAccount(dependencies, kind: .staff, email: "help@acme.example", role: .support)
            let support = TestBrowser(client, host: "acme.localhost")
            try await signIn(support, email: "help@acme.example", staff: true)
            #expect(try await support.get("/admin/products").status == .ok)
            #expect(try await support.post("/admin/products/\(id)", form).status == .forbidden)
            #expect(
                try await support.post("/admin/products/\(id)/visibility", ["visibility": "retired"]).status
                    == .forbidden)
            let audit = try await dependencies.accounts("acme") { try await $0.auditEntries() }.map(\.action)
            #expect(audit.filter { $0.hasPrefix("product.") }.count == 2)
        }
    }

    @Test("storefront pages per tenant: products, categories, canonical URLs on the primary domain, sitemap and robots")
    func storefrontPages() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(client, dependencies)
            try await owner.get("/admin/products")
            #expect(
                try await owner.post(
                    "/admin/products/categories", ["name": "Web hosting", "slug": "web", "position": "1"]
                ).status == .seeOther)
            let tenant = try dependencies.registryTenant("acme")
            let (plan0, plan1, category) = try await dependencies.databases.withDatabase(for: tenant) { database in
                (
                    try await database.catalogue.entry(slug: "plan-0")!,
                    try await database.catalogue.entry(slug: "plan-1")!,
                    try await database.catalogue.categories().first!
                )
            }
            var draft = ProductDraft(plan0, currency: .gbp)
            draft.categoryID = String(category.id!)
            draft.description = "Fast.\n\nFriendly."
            var form = Self.form(draft)
            #expect(try await owner.post("/admin/products/\(plan0.product.id!)", form).status == .seeOther)
            form = Self.form(ProductDraft(plan1, currency: .gbp))
            form["visibility"] = "hidden"
            #expect(try await owner.post("/admin/products/\(plan1.product.id!)", form).status == .seeOther)

            let acme = try await client.get("/products/plan-0", host: "acme.localhost")
            #expect(acme.status == .ok)
            #expect(acme.text.contains("<title>Acme Starter — Acme Hosting</title>"))
            #expect(acme.text.contains(#"<link rel="canonical" href="https://portal.acme.example/products/plan-0">"#))
            #expect(acme.text.contains("<p>Friendly.</p>") && acme.text.contains(#"href="/order/plan-0""#))
            #expect(acme.text.contains(#"<a href="/category/web">Web hosting</a>"#))
            let globex = try await client.get("/products/plan-0", host: "globex.localhost")
            #expect(globex.text.contains("Globex Launch") && !globex.text.contains("Acme"))

            let home = try await client.get("/", host: "acme.localhost")
            #expect(
                home.text.contains("Web hosting") && home.text.contains("Acme Starter")
                    && !home.text.contains("Acme Business"))
            #expect(
                try await client.get("/products/plan-1", host: "acme.localhost").status == .ok,
                "hidden: reachable by link")
            let categoryPage = try await client.get("/category/web", host: "acme.localhost")
            #expect(
                categoryPage.text.contains("Acme Starter")
                    && categoryPage.text.contains("https://portal.acme.example/category/web"))
            #expect(try await client.get("/category/web", host: "globex.localhost").status == .notFound)

            let sitemap = try await client.get("/sitemap.xml", host: "acme.localhost")
            #expect(sitemap.headers[.contentType] == "application/xml; charset=utf-8")
            #expect(sitemap.text.contains("<loc>https://portal.acme.example/products/plan-0</loc>"))
            #expect(sitemap.text.contains("<loc>https://portal.acme.example/category/web</loc>"))
            #expect(!sitemap.text.contains("plan-1"), "hidden products stay out of the sitemap")
            let globexMap = try await client.get("/sitemap.xml", host: "globex.localhost")
            #expect(globexMap.text.contains("globex.localhost") && !globexMap.text.contains("acme"))
            let robots = try await client.get("/robots.txt", host: "acme.localhost")
            #expect(
                robots.text.contains("Sitemap: https://portal.acme.example/sitemap.xml")
                    && robots.text.contains("Disallow: /admin"))

            #expect(
                try await owner.post("/admin/products/\(plan1.product.id!)/visibility", ["visibility": "retired"])
                    .status == .seeOther)
            #expect(try await client.get("/products/plan-1", host: "acme.localhost").status == .notFound)
            #expect(try await client.get("/order/plan-1", host: "acme.localhost").status == .notFound)
            #expect(try await owner.post("/admin/products/categories/\(category.id!)/delete", [:]).status == .conflict)
        }
    }

    static func form(_ draft: ProductDraft) -> [String: String] {
        var form = [
            "kind": draft.kind, "name": draft.name, "slug": draft.slug, "summary": draft.summary,
            "description": draft.description,
            "features": draft.features, "position": draft.position, "visibility": draft.visibility,
            "category": draft.categoryID,
            "disk_mb": draft.diskMB, "bandwidth_mb": draft.bandwidthMB, "whm_package": draft.whmPackage,
        ]
        for price in draft.prices {
            form["price_\(price.cycle)"] = price.price
            form["setup_\(price.cycle)"] = price.setup
        }
        return form
    }
}
