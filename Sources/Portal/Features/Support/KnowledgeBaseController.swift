import Foundation
import Hummingbird
import Tenancy

/// The help centre: public at `/help` (categories, articles, search); written by staff (owner, admin, support) at
/// `/admin/help` in Markdown, rendered and sanitised when saved.
package struct KnowledgeBaseController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let storefront: StorefrontService
    let pages: PageRenderer
    let siteURL: @Sendable (Tenant) -> String

    package func addPublicRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get(StorefrontPaths.help.route, use: help)
        group.get(StorefrontPaths.helpArticle.route, use: article)
    }

    package func addStaffRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.help.route, use: adminList)
        group.get(AdminPaths.newHelpArticle.route, use: newArticle)
        group.post(AdminPaths.help.route, use: create)
        group.get(AdminPaths.helpArticle.route, use: edit)
        group.post(AdminPaths.helpArticle.route, use: update)
        group.post(AdminPaths.helpCategories.route, use: saveCategory)
    }

    static func link(_ article: KBArticle) -> HelpPage.Link {
        .init(
            slug: article.slug, title: article.title,
            summary: article.text.count > 160 ? String(article.text.prefix(157)) + "…" : article.text)
    }

    // MARK: Public

    @Sendable func help(_ request: Request, context: TenantRequestContext) async throws -> Response {
        let chrome = context.chrome
        let query = String(
            (request.uri.queryParameters.get("q") ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
        let perPage = 30
        let pageNumber = PageNumber.parse(request.uri.queryParameters.get("page"))
        let (categories, listed, results, found) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.knowledgeBase.categories(),
                try await database.knowledgeBase.articles(
                    publishedOnly: true, limit: perPage, offset: (pageNumber - 1) * perPage),
                query.isEmpty ? [] : try await database.knowledgeBase.search(query),
                query.isEmpty
                    ? (pages: [SitePage](), news: [NewsPost]()) : try await database.content.searchPublished(query)
            )
        }
        let articles = listed.items
        var sections = categories.compactMap { category -> HelpPage.Section? in
            let inside = articles.filter { $0.categoryID == category.id }
            return inside.isEmpty ? nil : .init(name: category.name, articles: inside.map(Self.link))
        }
        let loose = articles.filter { article in !categories.contains { $0.id == article.categoryID } }
        if !loose.isEmpty {
            sections.append(
                .init(
                    name: sections.isEmpty ? tr("support.help.articles") : tr("support.help.more_articles"),
                    articles: loose.map(Self.link)))
        }
        let language = chrome.language
        let fallback = context.storefront?.brand.defaultLanguage ?? language
        let contentResults =
            found.pages.compactMap { page -> ContentLink? in
                guard let published = page.published else { return nil }
                return ContentLink(
                    title: published.title.text(in: language, fallback: fallback),
                    url: ContentPaths.page.link(page.slug),
                    summary: published.summary.text(in: language, fallback: fallback))
            }
            + found.news.map { post in
                ContentLink(
                    title: post.title.text(in: language, fallback: fallback),
                    url: ContentPaths.newsPost.link(post.slug),
                    summary: ContentController.excerpt(
                        SafeMarkdown.text(SafeMarkdown.html(post.body.text(in: language, fallback: fallback)))))
            }
        var page = HelpPage(
            chrome: chrome, query: query, searched: !query.isEmpty, results: results.map(Self.link),
            hasResults: !results.isEmpty,
            sections: sections, hasSections: !sections.isEmpty,
            previousURL: pageNumber > 1 ? StorefrontPaths.help.link() + "?page=\(pageNumber - 1)" : nil,
            nextURL: pageNumber * perPage < listed.total ? StorefrontPaths.help.link() + "?page=\(pageNumber + 1)" : nil
        )
        page.contentResults = contentResults
        page.hasContentResults = !contentResults.isEmpty
        page.hasAnyResults = page.hasResults || page.hasContentResults
        return CachedResponse.html(try pages.render(page, template: "storefront/help"))
    }

    @Sendable func article(_ request: Request, context: TenantRequestContext) async throws -> Response {
        guard let slug = context.parameters.get("slug"),
            let article = try await databases.withDatabase(
                for: context.tenant, { try await $0.knowledgeBase.article(slug: slug) }),
            article.published
        else { throw PortalError.notFound }
        let chrome = context.chrome
        let page = ArticlePage(
            chrome: chrome, title: article.title, html: article.html, summary: String(article.text.prefix(160)),
            canonicalURL: siteURL(context.tenant) + StorefrontPaths.helpArticle.link(slug),
            updated: PageDates.format(article.updatedAt)
        )
        return CachedResponse.html(try pages.render(page, template: "storefront/help-article"))
    }

}
