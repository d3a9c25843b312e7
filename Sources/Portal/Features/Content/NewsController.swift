import Branding
import Foundation
import Hummingbird
import Tenancy

/// The brand's news (owners and admins): dated posts signed by their author, in each language, published when
/// ready; the storefront lists them and serves an Atom feed.
struct NewsController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let desk: ContentDesk
    let pages: PageRenderer

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ContentPaths.adminNews.route, use: list)
        group.get(ContentPaths.adminNewPost.route, use: newPost)
        group.post(ContentPaths.adminNews.route, use: create)
        group.get(ContentPaths.adminPost.route, use: edit)
        group.post(ContentPaths.adminPost.route, use: update)
        group.post(ContentPaths.adminPostDelete.route, use: delete)
    }

    struct ListPage: Sendable {
        struct Row: Sendable {
            let title: String
            let editURL: String
            let date: String
            let author: String
            let published: Bool
        }
        let chrome: StorefrontChrome
        let notice: Notice?
        let rows: [Row]
        let hasRows: Bool
    }

    struct EditPage: Sendable {
        struct Fields: Sendable {
            let code: String
            let name: String
            let direction: String
            let title: String
            let body: String
            let titleError: String?
            let bodyError: String?
        }
        let chrome: StorefrontChrome
        let csrf: String
        let notice: Notice?
        let isNew: Bool
        let actionURL: String
        let deleteURL: String
        let slug: String
        let slugError: String?
        let date: String
        let dateError: String?
        let author: String
        let authorError: String?
        let published: Bool
        let languages: [Fields]
    }

    struct Form: Sendable {
        var slug: String
        var date: String
        var author: String
        var title: PerLanguage
        var body: PerLanguage
        var published: Bool

        init(post: NewsPost) {
            (slug, date, author, title, body, published) = (
                post.slug, post.date, post.author, post.title, post.body, post.published
            )
        }

        init(_ form: FormData, languages: [String]) {
            slug = form.trimmed("slug").lowercased()
            date = form.trimmed("date")
            author = form.trimmed("author")
            title = [:]
            body = [:]
            for code in languages {
                title[code] = form.trimmed("title_\(code)")
                body[code] = form["body_\(code)"].replacingOccurrences(of: "\r\n", with: "\n")
            }
            published = form["published"] == "on" || form["published"] == "1"
        }

        func problems(defaultLanguage: String, check: SiteLinkCheck) -> [String: String] {
            var problems: [String: String] = [:]
            if let problem = CatalogueRules.slugProblem(slug) { problems["slug"] = problem }
            if !SiteSettingsController.isDay(date) { problems["date"] = "Give the date as YYYY-MM-DD." }
            if author.isEmpty || author.count > 80 { problems["author"] = "Name the author (at most 80 characters)." }
            if (title[defaultLanguage] ?? "").isEmpty {
                problems["title_\(defaultLanguage)"] = "Give the post a title in the default language."
            }
            for (code, text) in title where text.count > 160 {
                problems["title_\(code)"] = "Keep the title to 160 characters."
            }
            if (body[defaultLanguage] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems["body_\(defaultLanguage)"] = "Write the post in the default language."
            }
            for (code, text) in body {
                for link in PageBlock.markdownLinks(text) {
                    if let problem = check.problem(link) {
                        problems["body_\(code)"] = "Link: \(problem)."
                        break
                    }
                }
            }
            return problems
        }
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let brand = try context.content.brand
        let posts = try await databases.withDatabase(for: context.tenant) {
            try await $0.content.news(publishedOnly: false)
        }
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "saved": .success("Saved.")
            case "deleted": .success("The post was deleted.")
            default: nil
            }
        let rows = posts.map {
            ListPage.Row(
                title: $0.title.text(in: brand.defaultLanguage, fallback: "en"),
                editURL: ContentPaths.adminPost.link($0.id.rawValue), date: $0.date, author: $0.author,
                published: $0.published)
        }
        return try flows.page(
            ListPage(chrome: context.chrome, notice: notice, rows: rows, hasRows: !rows.isEmpty), "admin/news")
    }

    func editor(
        _ context: StaffRequestContext, id: NewsPost.ID?, form: Form, errors: [String: String] = [:],
        notice: Notice? = nil
    ) throws -> EditPage {
        let languages = try PagesController.languages(context, pages)
        return EditPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, isNew: id == nil,
            actionURL: id.map { ContentPaths.adminPost.link($0.rawValue) } ?? ContentPaths.adminNews.link(),
            deleteURL: id.map { ContentPaths.adminPostDelete.link($0.rawValue) } ?? "", slug: form.slug,
            slugError: errors["slug"], date: form.date, dateError: errors["date"], author: form.author,
            authorError: errors["author"], published: form.published,
            languages: languages.map {
                .init(
                    code: $0.code, name: $0.name,
                    direction: pages.languages.catalogs[$0.code]?.direction.rawValue ?? "ltr",
                    title: form.title[$0.code] ?? "", body: form.body[$0.code] ?? "",
                    titleError: errors["title_\($0.code)"], bodyError: errors["body_\($0.code)"])
            })
    }

    @Sendable func newPost(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        var form = Form(FormData(fields: [:]), languages: [])
        form.date = DisplayCalendar.day(desk.now())
        form.author = context.staff.name.isEmpty ? context.staff.email : context.staff.name
        return try flows.page(try editor(context, id: nil, form: form), "admin/news-edit")
    }

    func stored(_ context: StaffRequestContext) async throws -> NewsPost {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let post = try await databases.withDatabase(
                for: context.tenant, { try await $0.content.post(NewsPost.ID(id)) })
        else { throw PortalError.notFound }
        return post
    }

    @Sendable func edit(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let post = try await stored(context)
        return try flows.page(try editor(context, id: post.id, form: Form(post: post)), "admin/news-edit")
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        return try await save(request, context: context, id: nil)
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        return try await save(request, context: context, id: try await stored(context).id)
    }

    private func save(_ request: Request, context: StaffRequestContext, id: NewsPost.ID?) async throws -> Response {
        let data = try await FormData.parse(request)
        let languages = try PagesController.languages(context, pages).map(\.code)
        let form = Form(data, languages: languages)
        let check = try await desk.linkCheck(context.tenant, content: try context.content, languages: languages)
        var errors = form.problems(defaultLanguage: try context.content.brand.defaultLanguage, check: check)
        if errors.isEmpty {
            let post = NewsPost(
                id: NewsPost.ID(0), slug: form.slug, date: form.date, author: form.author, title: form.title,
                body: form.body, published: form.published, updatedAt: desk.now())
            do {
                try await databases.withDatabase(for: context.tenant) { [now = desk.now()] database in
                    _ = try await database.content.savePost(post, id: id, now: now)
                }
                try await desk.audit(
                    id == nil ? "news.created" : "news.saved", form.slug, by: context.staff, in: context.tenant,
                    ip: context.origin.clientAddress ?? "")
                return flows.redirect(to: ContentPaths.adminNews.link() + "?done=saved")
            } catch ContentStore.Problem.slugTaken {
                errors["slug"] = "Another post already uses this address."
            }
        }
        return try flows.page(
            try editor(
                context, id: id, form: form, errors: errors,
                notice: .error("Nothing was saved: correct the marked fields.")),
            "admin/news-edit", status: .unprocessableContent)
    }

    @Sendable func delete(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let post = try await stored(context)
        try await databases.withDatabase(for: context.tenant) { try await $0.content.deletePost(post.id) }
        try await desk.audit(
            "news.deleted", post.slug, by: context.staff, in: context.tenant, ip: context.origin.clientAddress ?? "")
        return flows.redirect(to: ContentPaths.adminNews.link() + "?done=deleted")
    }
}
