import Foundation
import Hummingbird
import Integrations
import NIOCore
import Tenancy

/// Product, category, sitemap and robots pages, read from the tenant's cached catalogue.
extension StorefrontController {
    @Sendable func product(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        guard let slug = context.parameters.get("slug"),
            let entry = content.catalogue.localized(context.chrome.language).entry(slug: slug)
        else {
            throw PortalError.notFound
        }
        let category = content.catalogue.categories.first { $0.id == entry.product.categoryID }
        let page = ProductPage(
            chrome: context.chrome, entry: entry, category: category, currency: content.brand.currency,
            canonicalURL: siteURL(context.tenant) + StorefrontPaths.product.link(slug),
            resources: Self.resources(of: entry.product, map: resources)
        )
        return CachedResponse.html(try pages.render(page, template: "storefront/product"))
    }

    @Sendable func category(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        guard let slug = context.parameters.get("slug"), let category = content.catalogue.category(slug: slug) else {
            throw PortalError.notFound
        }
        let products = content.catalogue.localized(context.chrome.language).listed(in: category).map {
            ProductCard($0, currency: content.brand.currency)
        }
        let page = CategoryPage(
            chrome: context.chrome, name: category.name, description: category.description,
            canonicalURL: siteURL(context.tenant) + StorefrontPaths.category.link(slug), products: products,
            hasProducts: !products.isEmpty
        )
        return CachedResponse.html(try pages.render(page, template: "storefront/category"))
    }

    /// Home, categories and listed products on the tenant's primary domain; hidden products stay out.
    @Sendable func sitemap(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        let base = siteURL(context.tenant)
        var urls = [base + "/"]
        urls += content.catalogue.categories.filter { !content.catalogue.listed(in: $0).isEmpty }.map {
            base + StorefrontPaths.category.link($0.slug)
        }
        urls += content.catalogue.listed.map { base + StorefrontPaths.product.link($0.product.slug) }
        let (pageSlugs, newsSlugs) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.content.pages().filter(\.isPublished).map(\.slug),
                try await database.content.news(publishedOnly: true, limit: 1000).map(\.slug)
            )
        }
        urls += pageSlugs.map { base + ContentPaths.page.link($0) }
        if !newsSlugs.isEmpty { urls.append(base + ContentPaths.news.link()) }
        urls += newsSlugs.map { base + ContentPaths.newsPost.link($0) }
        // Each address in every language the brand offers, as hreflang alternates (Google's sitemap extension).
        let offered = context.chrome.languageCodes.count > 1 ? context.chrome.languageCodes : []
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">

            """
        for url in urls {
            xml += "  <url><loc>\(Escape.xml(url))</loc>"
            let path = String(url.dropFirst(base.count))
            for code in offered {
                xml +=
                    "<xhtml:link rel=\"alternate\" hreflang=\"\(code)\" href=\"\(Escape.xml(base + "/" + code + path))\"/>"
            }
            xml += "</url>\n"
        }
        xml += "</urlset>\n"
        return Response(
            status: .ok,
            headers: [.contentType: "application/xml; charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: xml))
        )
    }

    @Sendable func robots(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let lines = [
            "User-agent: *", "Disallow: /account", "Disallow: /admin", "Disallow: /order/", "Disallow: /login",
            "Disallow: /signup",
            "Allow: /", "", "Sitemap: \(siteURL(context.tenant))/sitemap.xml", "",
        ]
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n")))
        )
    }

    /// What a plan gives, in words: "2 vCPU", "10 GB disk space", … Never the infrastructure vendor's name: every
    /// customer-facing word about where a plan runs is the reseller's own, in its description.
    static func resources(of product: Product, map: ResourceMap) -> [String] {
        switch product.kind {
        case .cloudServer:
            guard let provider = product.cloudProvider, let size = product.cloudSize,
                let resources = map.resources(provider: provider, size: size)
            else { return [] }
            return [
                trCount("storefront.product.resource.vcpu", resources.cpu),
                tr(
                    "storefront.product.resource.ram",
                    ["size": trCount("storefront.product.resource.gb", resources.ramGB)]),
                tr(
                    "storefront.product.resource.storage",
                    ["size": trCount("storefront.product.resource.gb", resources.storageGB)]),
            ]
        case .sharedHosting, .resellerHosting:
            var lines: [String] = []
            if let disk = product.diskMB {
                lines.append(tr("storefront.product.resource.disk", ["size": Self.size(disk)]))
            }
            lines.append(
                product.bandwidthMB.map { tr("storefront.product.resource.bandwidth", ["size": Self.size($0)]) }
                    ?? tr("storefront.product.resource.unmetered"))
            if let accounts = product.resellerAccounts {
                lines.append(trCount("storefront.product.resource.cpanel_accounts", accounts))
            }
            return lines
        case .ssl:
            switch product.sslType {
            case .single: return [tr("storefront.product.resource.ssl_single")]
            case .multi: return [tr("storefront.product.resource.ssl_multi")]
            case .wildcard: return [tr("storefront.product.resource.ssl_wildcard")]
            case nil: return []
            }
        case .domain:
            return []
        }
    }

    private static func size(_ megabytes: Int) -> String {
        megabytes % 1024 == 0
            ? trCount("storefront.product.resource.gb", megabytes / 1024)
            : trCount("storefront.product.resource.mb", megabytes)
    }
}
