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
        _ context: StaffRequestContext, article: KBArticle?, form: KBArticleForm, errors: [String: String] = [:],
        notice: Notice? = nil, preview: Bool = false
    ) async throws -> EditPage {
        let categories = try await databases.withDatabase(for: context.tenant) {
            try await $0.knowledgeBase.categories()
        }
        return EditPage(
            form, article: article, categories: categories, errors: errors, notice: notice, preview: preview,
            context: context)
    }

    @Sendable func newArticle(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        return try flows.page(
            try await editPage(context, article: nil, form: KBArticleForm()), "admin/help-article")
    }

    @Sendable func edit(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let article = try await stored(context)
        return try flows.page(
            try await editPage(context, article: article, form: KBArticleForm(article)), "admin/help-article")
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
        let data = try await FormData.parse(request)
        let form = KBArticleForm(form: data)
        let categories = try await databases.withDatabase(for: context.tenant) {
            try await $0.knowledgeBase.categories()
        }
        var errors = form.problems(categories: categories)
        if data["preview"] == "1", errors.isEmpty {
            return try flows.page(
                try await editPage(context, article: existing, form: form, preview: true), "admin/help-article")
        }
        if errors.isEmpty {
            let now = flows.services.now()
            do {
                _ = try await databases.withDatabase(for: context.tenant) { database in
                    try await database.knowledgeBase.save(
                        form.article(id: existing?.id, now: now), actor: context.staff,
                        ip: context.origin.clientAddress ?? "", now: now)
                }
                return flows.redirect(to: AdminPaths.help.link() + "?done=saved")
            } catch CatalogueError.duplicateSlug {
                errors["slug"] = "Another article already uses this address."
            }
        }
        return try flows.page(
            try await editPage(
                context, article: existing, form: form, errors: errors,
                notice: .error("Nothing was saved: correct the marked fields.")),
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
