import Branding
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Tenancy

/// The brand's own pages, its news (with an Atom feed) and the images they show, on its storefront.
package struct ContentController: Sendable {
    let databases: TenantDatabases
    let dataDirectory: DataDirectory
    let pages: PageRenderer
    /// The tenant's canonical address (`https://<primary domain>`), never built from the request's Host.
    let siteURL: @Sendable (Tenant) -> String

    package func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(ContentPaths.page.route, use: page)
        group.get(ContentPaths.news.route, use: news)
        group.get(ContentPaths.newsFeed.route, use: feed)
        group.get(ContentPaths.newsPost.route, use: post)
        group.get(ContentPaths.media.route, use: media)
    }

    /// The language text is shown in, and the one it falls back to.
    static func languages(_ content: StorefrontContent) -> (String, String) {
        (Localizer.current?.code ?? content.brand.defaultLanguage, content.brand.defaultLanguage)
    }

    @Sendable func page(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        guard let slug = context.parameters.get("slug"),
            let stored = try await databases.withDatabase(
                for: context.tenant, { try await $0.content.page(slug: slug) }),
            let published = stored.published
        else { throw PortalError.notFound }
        let view = Self.view(
            published, content: content, chrome: context.chrome,
            canonicalURL: siteURL(context.tenant) + ContentPaths.page.link(slug), siteURL: siteURL(context.tenant))
        return CachedResponse.html(try pages.render(view, template: "storefront/page"))
    }

    /// The view of one version of a page, in the request's language.
    static func view(
        _ page: PageContent, content: StorefrontContent, chrome: StorefrontChrome, canonicalURL: String, siteURL: String
    ) -> SitePageView {
        let (language, fallback) = languages(content)
        let body = page.body.text(in: language, fallback: fallback)
        let blocks = (try? PageBlock.parse(body)) ?? [.markdown(body)]
        return SitePageView(
            chrome: chrome, title: page.title.text(in: language, fallback: fallback),
            summary: page.summary.text(in: language, fallback: fallback),
            imageURL: page.image.isEmpty ? "" : siteURL + ContentPaths.media.link(page.image),
            canonicalURL: canonicalURL, sections: SitePageView.sections(blocks, content: content))
    }

    // MARK: News

    struct NewsPage: Sendable {
        struct Item: Sendable {
            let title: String
            let url: String
            let date: String
            let isoDate: String
            let author: String
            let excerpt: String
        }
        let chrome: StorefrontChrome
        let posts: [Item]
        let hasPosts: Bool
        let feedURL: String
    }

    struct PostPage: Sendable {
        let chrome: StorefrontChrome
        let title: String
        let html: String
        let summary: String
        let date: String
        let isoDate: String
        let author: String
        let canonicalURL: String
    }

    @Sendable func news(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        let (language, fallback) = Self.languages(content)
        let posts = try await databases.withDatabase(for: context.tenant) {
            try await $0.content.news(publishedOnly: true, limit: 100)
        }
        let items = posts.map { post in
            let html = SafeMarkdown.html(post.body.text(in: language, fallback: fallback))
            return NewsPage.Item(
                title: post.title.text(in: language, fallback: fallback), url: ContentPaths.newsPost.link(post.slug),
                date: DisplayCalendar.longDate(post.date), isoDate: post.date, author: post.author,
                excerpt: Self.excerpt(SafeMarkdown.text(html)))
        }
        let page = NewsPage(
            chrome: context.chrome, posts: items, hasPosts: !items.isEmpty, feedURL: ContentPaths.newsFeed.link())
        return CachedResponse.html(try pages.render(page, template: "storefront/news"))
    }

    @Sendable func post(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        let (language, fallback) = Self.languages(content)
        guard let slug = context.parameters.get("slug"),
            let post = try await databases.withDatabase(for: context.tenant, { try await $0.content.post(slug: slug) }),
            post.published
        else { throw PortalError.notFound }
        let html = SafeMarkdown.html(post.body.text(in: language, fallback: fallback))
        let page = PostPage(
            chrome: context.chrome, title: post.title.text(in: language, fallback: fallback), html: html,
            summary: Self.excerpt(SafeMarkdown.text(html)), date: DisplayCalendar.longDate(post.date),
            isoDate: post.date, author: post.author,
            canonicalURL: siteURL(context.tenant) + ContentPaths.newsPost.link(slug))
        return CachedResponse.html(try pages.render(page, template: "storefront/news-post"))
    }

    /// The Atom feed (RFC 4287) of the published posts, newest first, in the request's language.
    @Sendable func feed(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let content = try context.content
        let (language, fallback) = Self.languages(content)
        let posts = try await databases.withDatabase(for: context.tenant) {
            try await $0.content.news(publishedOnly: true, limit: 50)
        }
        let site = siteURL(context.tenant)
        let prefix = context.chrome.languagePrefix
        let xml = AtomFeed(
            id: site + prefix + ContentPaths.news.link(), title: tr("news.feed.title", ["brand": context.tenant.name]),
            siteURL: site + prefix + "/", feedURL: site + prefix + ContentPaths.newsFeed.link(), language: language,
            updated: posts.map(\.updatedAt).max() ?? Date(timeIntervalSince1970: 0),
            entries: posts.map { post in
                AtomFeed.Entry(
                    id: site + ContentPaths.newsPost.link(post.slug),
                    url: site + prefix + ContentPaths.newsPost.link(post.slug),
                    title: post.title.text(in: language, fallback: fallback), author: post.author, published: post.date,
                    updated: post.updatedAt, html: SafeMarkdown.html(post.body.text(in: language, fallback: fallback)))
            }
        ).xml
        let body = ByteBuffer(string: xml)
        return CachedResponse.make(
            request, body: body, etag: "\"\(ContentDigest.hex(of: xml).prefix(32))\"",
            contentType: "application/atom+xml; charset=utf-8", cacheControl: "public, max-age=300")
    }

    static func excerpt(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(197)) + "…" : text
    }

    // MARK: Images

    /// Page images are content-addressed: the name is checked for shape and joined only to this tenant's folder.
    @Sendable func media(_ request: Request, context: TenantRequestContext) async throws -> Response {
        try await StoredImageResponse.make(
            request, file: context.parameters.get("file"), in: Self.mediaFolder(dataDirectory, context.tenant.slug))
    }

    /// Where a brand's page images live: `DATA/<slug>/assets/media/`, apart from its logos.
    static func mediaFolder(_ dataDirectory: DataDirectory, _ slug: TenantSlug) -> URL {
        dataDirectory.tenantAssetsFolder(slug).appendingPathComponent("media")
    }
}
