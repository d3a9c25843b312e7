import Foundation
import Hummingbird
import Tenancy

extension KnowledgeBaseController {
    // MARK: Staff

    func listPage(_ context: StaffRequestContext, notice: Notice? = nil, page: Int = 1) async throws
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
        list.previousURL = page > 1 ? AdminPaths.help.link() + "?page=\(page - 1)" : nil
        list.nextURL = page * perPage < listed.total ? AdminPaths.help.link() + "?page=\(page + 1)" : nil
        return list
    }

    @Sendable func adminList(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let notice: Notice? = request.uri.queryParameters.get("done") == "saved" ? .success("Saved.") : nil
        let page = PageNumber.parse(request.uri.queryParameters.get("page"))
        return try flows.page(try await listPage(context, notice: notice, page: page), "admin/help")
    }

    func editPage(
        _ context: StaffRequestContext, article: KBArticle?, title: String, slug: String, markdown: String,
        category: String, published: Bool,
        errors: [String: String] = [:], notice: Notice? = nil, preview: Bool = false
    ) async throws -> EditPage {
        let categories = try await databases.withDatabase(for: context.tenant) {
            try await $0.knowledgeBase.categories()
        }
        return EditPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice,
            action: article?.id.map { AdminPaths.helpArticle.link($0) } ?? AdminPaths.help.link(), title: title,
            slug: slug,
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

    func stored(_ context: StaffRequestContext) async throws -> KBArticle {
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

    func save(_ request: Request, context: StaffRequestContext, existing: KBArticle?) async throws -> Response {
        let form = try await FormData.parse(request)
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
                return flows.redirect(to: AdminPaths.help.link() + "?done=saved")
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
        let form = try await FormData.parse(request)
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
                return flows.redirect(to: AdminPaths.help.link() + "?done=saved")
            } catch CatalogueError.duplicateSlug {
                problem = "Another category already uses this address."
            }
        }
        var page = try await listPage(context, notice: .error("The category was not saved."))
        page.categoryError = problem
        return try flows.page(page, "admin/help", status: .unprocessableContent)
    }
}
