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

    package struct HelpPage: Sendable {
        package struct Section: Sendable {
            package let name: String
            package let articles: [Link]
        }

        package struct Link: Sendable {
            package let slug: String
            package let title: String
            package let summary: String
        }

        package let chrome: StorefrontChrome
        package let query: String
        package let searched: Bool
        package let results: [Link]
        package let hasResults: Bool
        package let sections: [Section]
        package let hasSections: Bool
        package let previousURL: String?
        package let nextURL: String?
    }

    package struct ArticlePage: Sendable {
        package let chrome: StorefrontChrome
        package let title: String
        package let html: String
        package let summary: String
        package let canonicalURL: String
        package let updated: String
    }

    package struct AdminListPage: Sendable {
        package struct Row: Sendable {
            package let id: Int64
            package let title: String
            package let slug: String
            package let published: Bool
            package let updated: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let rows: [Row]
        package let hasRows: Bool
        package let categories: [KBCategory]
        package var categoryError: String?
        package var previousURL: String?
        package var nextURL: String?
    }

    package struct EditPage: Sendable {
        package struct Choice: Sendable {
            package let value: String
            package let label: String
            package let selected: Bool
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let action: String
        package let title: String
        package let slug: String
        package let markdown: String
        package let published: Bool
        package let categories: [Choice]
        package let errors: [String: String]
        package let preview: String
        package let hasPreview: Bool
    }

    package func addPublicRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.get("/help", use: help)
        group.get("/help/{slug}", use: article)
    }

    package func addStaffRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get("/admin/help", use: adminList)
        group.get("/admin/help/new", use: newArticle)
        group.post("/admin/help", use: create)
        group.get("/admin/help/{id}", use: edit)
        group.post("/admin/help/{id}", use: update)
        group.post("/admin/help/categories", use: saveCategory)
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
        let (categories, listed, results) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.knowledgeBase.categories(),
                try await database.knowledgeBase.articles(
                    publishedOnly: true, limit: perPage, offset: (pageNumber - 1) * perPage),
                query.isEmpty ? [] : try await database.knowledgeBase.search(query)
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
                .init(name: sections.isEmpty ? "Articles" : "More articles", articles: loose.map(Self.link)))
        }
        let page = HelpPage(
            chrome: chrome, query: query, searched: !query.isEmpty, results: results.map(Self.link),
            hasResults: !results.isEmpty,
            sections: sections, hasSections: !sections.isEmpty,
            previousURL: pageNumber > 1 ? "/help?page=\(pageNumber - 1)" : nil,
            nextURL: pageNumber * perPage < listed.total ? "/help?page=\(pageNumber + 1)" : nil
        )
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
            canonicalURL: siteURL(context.tenant) + "/help/\(slug)", updated: PageDates.format(article.updatedAt)
        )
        return CachedResponse.html(try pages.render(page, template: "storefront/help-article"))
    }

    // MARK: Staff

    private func listPage(_ context: StaffRequestContext, notice: Notice? = nil, page: Int = 1) async throws
        -> AdminListPage
    {
        let perPage = 50
        let (listed, categories) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.knowledgeBase.articles(
                    publishedOnly: false, limit: perPage, offset: (page - 1) * perPage),
                try await database.knowledgeBase.categories()
            )
        }
        let articles = listed.items
        var list = AdminListPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice,
            rows: articles.map {
                .init(
                    id: $0.id ?? 0, title: $0.title, slug: $0.slug, published: $0.published,
                    updated: PageDates.format($0.updatedAt))
            },
            hasRows: !articles.isEmpty, categories: categories
        )
        list.previousURL = page > 1 ? "/admin/help?page=\(page - 1)" : nil
        list.nextURL = page * perPage < listed.total ? "/admin/help?page=\(page + 1)" : nil
        return list
    }

    @Sendable func adminList(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let notice: Notice? = request.uri.queryParameters.get("done") == "saved" ? .success("Saved.") : nil
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        return try flows.page(try await listPage(context, notice: notice, page: page), "admin/help")
    }

    private func editPage(
        _ context: StaffRequestContext, article: KBArticle?, title: String, slug: String, markdown: String,
        category: String, published: Bool,
        errors: [String: String] = [:], notice: Notice? = nil, preview: Bool = false
    ) async throws -> EditPage {
        let categories = try await databases.withDatabase(for: context.tenant) {
            try await $0.knowledgeBase.categories()
        }
        return EditPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice,
            action: article?.id.map { "/admin/help/\($0)" } ?? "/admin/help", title: title, slug: slug,
            markdown: markdown, published: published,
            categories: [.init(value: "", label: "No category", selected: category.isEmpty)]
                + categories.map {
                    .init(value: String($0.id ?? 0), label: $0.name, selected: String($0.id ?? 0) == category)
                },
            errors: errors, preview: preview ? SafeMarkdown.html(markdown) : "", hasPreview: preview
        )
    }

    @Sendable func newArticle(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        return try flows.page(
            try await editPage(
                context, article: nil, title: "", slug: "", markdown: "", category: "", published: false),
            "admin/help-article"
        )
    }

    @Sendable func edit(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let article = try await stored(context)
        return try flows.page(
            try await editPage(
                context, article: article, title: article.title, slug: article.slug, markdown: article.markdown,
                category: article.categoryID.map(String.init) ?? "", published: article.published),
            "admin/help-article"
        )
    }

    private func stored(_ context: StaffRequestContext) async throws -> KBArticle {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let article = try await databases.withDatabase(
                for: context.tenant, { try await $0.knowledgeBase.article(id: id) })
        else { throw PortalError.notFound }
        return article
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        return try await save(request, context: context, existing: nil)
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        return try await save(request, context: context, existing: try await stored(context))
    }

    private func save(_ request: Request, context: StaffRequestContext, existing: KBArticle?) async throws -> Response {
        var request = request
        let form = try await FormData.parse(&request)
        let title = form.trimmed("title")
        let slug = form.trimmed("slug").lowercased()
        let markdown = form["markdown"]
        let category = form["category"]
        let published = form["published"] == "on"
        var errors: [String: String] = [:]
        if title.isEmpty || title.count > 200 || title.contains(where: \.isNewline) {
            errors["title"] = "Give the article a one-line title of at most 200 characters."
        }
        if let problem = CatalogueRules.slugProblem(slug) { errors["slug"] = problem }
        if markdown.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || markdown.count > 100_000 {
            errors["markdown"] = "Write the article (at most 100,000 characters)."
        }
        let categories = try await databases.withDatabase(for: context.tenant) {
            try await $0.knowledgeBase.categories()
        }
        let categoryID = Int64(category)
        if !category.isEmpty, !categories.contains(where: { $0.id == categoryID }) {
            errors["category"] = "Choose one of the categories."
        }
        if form["preview"] == "1", errors.isEmpty {
            return try flows.page(
                try await editPage(
                    context, article: existing, title: title, slug: slug, markdown: markdown, category: category,
                    published: published,
                    preview: true),
                "admin/help-article"
            )
        }
        if errors.isEmpty {
            let html = SafeMarkdown.html(markdown)
            var article = KBArticle(
                slug: slug, title: title, categoryID: categoryID, markdown: markdown, html: html,
                text: SafeMarkdown.text(html), published: published,
                updatedAt: flows.services.now()
            )
            article.id = existing?.id
            do {
                _ = try await databases.withDatabase(for: context.tenant) { database in
                    try await database.knowledgeBase.save(
                        article, actor: context.staff, ip: context.origin.clientAddress ?? "", now: flows.services.now()
                    )
                }
                return flows.redirect(to: "/admin/help?done=saved")
            } catch CatalogueError.duplicateSlug {
                errors["slug"] = "Another article already uses this address."
            }
        }
        return try flows.page(
            try await editPage(
                context, article: existing, title: title, slug: slug, markdown: markdown, category: category,
                published: published,
                errors: errors, notice: .error("Nothing was saved: correct the marked fields.")),
            "admin/help-article", status: .unprocessableContent
        )
    }

    @Sendable func saveCategory(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        var request = request
        let form = try await FormData.parse(&request)
        let name = form.trimmed("name")
        let slug = form.trimmed("slug").lowercased()
        var problem: String?
        if name.isEmpty || name.count > 80 { problem = "Give the category a name of at most 80 characters." }
        if let slugProblem = CatalogueRules.slugProblem(slug) { problem = problem ?? "Address: \(slugProblem)" }
        if problem == nil {
            do {
                _ = try await databases.withDatabase(for: context.tenant) { database in
                    try await database.knowledgeBase.saveCategory(
                        KBCategory(slug: slug, name: name, position: Int(form.trimmed("position")) ?? 0),
                        actor: context.staff,
                        ip: context.origin.clientAddress ?? ""
                    )
                }
                return flows.redirect(to: "/admin/help?done=saved")
            } catch CatalogueError.duplicateSlug {
                problem = "Another category already uses this address."
            }
        }
        var page = try await listPage(context, notice: .error("The category was not saved."))
        page.categoryError = problem
        return try flows.page(page, "admin/help", status: .unprocessableContent)
    }
}
