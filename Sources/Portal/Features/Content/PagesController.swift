import Branding
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Tenancy

/// The staff's "Pages" section (owners and admins): write, preview, publish, unpublish and restore the brand's
/// pages. Visitors only ever see a published version.
struct PagesController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let desk: ContentDesk
    let pages: PageRenderer
    let siteURL: @Sendable (Tenant) -> String

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ContentPaths.adminPages.route, use: list)
        group.get(ContentPaths.adminNewPage.route, use: newPage)
        group.post(ContentPaths.adminPages.route, use: create)
        group.get(ContentPaths.adminPage.route, use: edit)
        group.post(ContentPaths.adminPage.route, use: update)
        group.get(ContentPaths.adminPagePreview.route, use: preview)
        group.post(ContentPaths.adminPagePublish.route, use: publish)
        group.post(ContentPaths.adminPageUnpublish.route, use: unpublish)
        group.post(ContentPaths.adminPageDelete.route, use: delete)
        group.post(ContentPaths.adminPageRestore.route, use: restore)
    }

    /// The brand's languages, default first, with their names.
    static func languages(_ context: StaffRequestContext, _ pages: PageRenderer) throws -> [(
        code: String, name: String
    )] {
        let brand = try context.content.brand
        return LanguageMiddleware.offered(by: brand, shipped: pages.languages).map {
            ($0, pages.languages.catalogs[$0]?.name ?? $0)
        }
    }

    // MARK: List

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let done = request.uri.queryParameters.get("done")
        let notice: Notice? =
            switch done {
            case "deleted": .success("The page was deleted.")
            case "saved": .success("Saved.")
            default: nil
            }
        let brand = try context.content.brand
        let (stored, site) = try await databases.withDatabase(for: context.tenant) { database in
            (try await database.content.pages(), try await database.content.site())
        }
        let rows = stored.map { page in
            PagesListPage.Row(
                slug: page.slug, title: page.draft.title.text(in: brand.defaultLanguage, fallback: "en"),
                editURL: ContentPaths.adminPage.link(page.id.rawValue), viewURL: ContentPaths.page.link(page.slug),
                status: page.isPublished ? "Published (version \(page.publishedVersion ?? 0))" : "Draft",
                isPublished: page.isPublished, isHome: site.homePage == page.slug,
                updated: PageDates.format(page.updatedAt))
        }
        return try flows.page(
            PagesListPage(
                chrome: context.chrome, csrf: context.csrfToken, notice: notice, rows: rows, hasRows: !rows.isEmpty,
                newURL: ContentPaths.adminNewPage.link(), siteURL: ContentPaths.adminSite.link(),
                imagesURL: ContentPaths.adminImages.link(), newsURL: ContentPaths.adminNews.link()),
            "admin/pages")
    }

    // MARK: Editor

    func editor(
        _ context: StaffRequestContext, page: SitePage?, form: PageForm, errors: [String: String] = [:],
        notice: Notice? = nil
    ) async throws -> PageEditorPage {
        let languages = try Self.languages(context, pages)
        let brand = try context.content.brand
        let (images, versions) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.content.images(),
                try await page.asyncMap { try await database.content.versions(of: $0.id) } ?? []
            )
        }
        let fields = languages.map { language in
            LanguageFields(
                code: language.code, name: language.name, isDefault: language.code == brand.defaultLanguage,
                direction: pages.languages.catalogs[language.code]?.direction.rawValue ?? "ltr",
                title: form.content.title[language.code] ?? "", summary: form.content.summary[language.code] ?? "",
                body: form.content.body[language.code] ?? "", titleError: errors["title_\(language.code)"],
                bodyError: errors["body_\(language.code)"])
        }
        var editor = PageEditorPage(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, isNew: page == nil,
            actionURL: page.map { ContentPaths.adminPage.link($0.id.rawValue) } ?? ContentPaths.adminPages.link(),
            slug: form.slug, slugError: errors["slug"], languages: fields,
            images: images.map {
                .init(file: $0.file, url: ContentPaths.media.link($0.file), selected: $0.file == form.content.image)
            },
            hasImages: !images.isEmpty, noImageSelected: form.content.image.isEmpty,
            imagesURL: ContentPaths.adminImages.link())
        if let page {
            let id = page.id.rawValue
            editor.previewURL = ContentPaths.adminPagePreview.link(id)
            editor.publishURL = ContentPaths.adminPagePublish.link(id)
            editor.unpublishURL = ContentPaths.adminPageUnpublish.link(id)
            editor.deleteURL = ContentPaths.adminPageDelete.link(id)
            editor.viewURL = ContentPaths.page.link(page.slug)
            editor.isPublished = page.isPublished
            editor.statusText =
                page.isPublished
                ? "Published: version \(page.publishedVersion ?? 0)"
                    + (page.published == page.draft ? "." : ", with unpublished changes in the draft.")
                : "Not published: visitors cannot see this page."
            editor.versions = versions.map {
                .init(
                    version: $0.version, publishedAt: PageDates.format($0.publishedAt), publishedBy: $0.publishedBy,
                    restoreURL: ContentPaths.adminPageRestore.link(id, $0.version),
                    isLive: page.publishedVersion == $0.version)
            }
            editor.hasVersions = !versions.isEmpty
        }
        return editor
    }

    @Sendable func newPage(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        return try flows.page(
            try await editor(context, page: nil, form: PageForm(slug: "", content: PageContent())), "admin/page-edit")
    }

    func stored(_ context: StaffRequestContext) async throws -> SitePage {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let page = try await databases.withDatabase(
                for: context.tenant, { try await $0.content.page(SitePage.ID(id)) })
        else { throw PortalError.notFound }
        return page
    }

    @Sendable func edit(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let page = try await stored(context)
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "saved": .success("The draft is saved. Visitors see it once you publish.")
            case "published": .success("Published: visitors now see this version.")
            case "unpublished": .success("Unpublished: visitors no longer see this page.")
            case "restored": .success("The version is restored and published.")
            default: nil
            }
        return try flows.page(
            try await editor(context, page: page, form: PageForm(slug: page.slug, content: page.draft), notice: notice),
            "admin/page-edit")
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        return try await save(request, context: context, existing: nil)
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        return try await save(request, context: context, existing: try await stored(context))
    }

    private func save(_ request: Request, context: StaffRequestContext, existing: SitePage?) async throws -> Response {
        let data = try await FormData.parse(request)
        let languages = try Self.languages(context, pages).map(\.code)
        let form = PageForm(data, languages: languages)
        let brand = try context.content.brand
        var check = try await desk.linkCheck(context.tenant, content: try context.content, languages: languages)
        // A page may link to itself under its new address.
        check.pages.insert(form.slug)
        var errors = form.problems(defaultLanguage: brand.defaultLanguage, check: check)
        if errors.isEmpty {
            let now = desk.now()
            do {
                let id = try await databases.withDatabase(for: context.tenant) { database -> SitePage.ID in
                    if let existing {
                        try await database.content.saveDraft(
                            existing.id, slug: form.slug, draft: form.content, now: now)
                        return existing.id
                    }
                    return try await database.content.createPage(slug: form.slug, draft: form.content, now: now)
                }
                try await desk.audit(
                    existing == nil ? "page.created" : "page.saved", form.slug, by: context.staff, in: context.tenant,
                    ip: context.origin.clientAddress ?? "")
                if data["publish"] == "1" {
                    try await publish(id, slug: form.slug, context: context)
                    return flows.redirect(to: ContentPaths.adminPage.link(id.rawValue) + "?done=published")
                }
                return flows.redirect(to: ContentPaths.adminPage.link(id.rawValue) + "?done=saved")
            } catch ContentStore.Problem.slugTaken {
                errors["slug"] = "Another page already uses this address."
            }
        }
        return try flows.page(
            try await editor(
                context, page: existing, form: form, errors: errors,
                notice: .error("Nothing was saved: correct the marked fields.")),
            "admin/page-edit", status: .unprocessableContent)
    }

    // MARK: Publishing

    private func publish(_ id: SitePage.ID, slug: String, context: StaffRequestContext) async throws {
        let version = try await databases.withDatabase(for: context.tenant) { [now = desk.now()] database in
            try await database.content.publish(id, by: context.staff.email, now: now)
        }
        try await desk.audit(
            "page.published", "\(slug) v\(version)", by: context.staff, in: context.tenant,
            ip: context.origin.clientAddress ?? "")
        desk.changed(context.tenant)
    }

    @Sendable func publish(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let page = try await stored(context)
        try await publish(page.id, slug: page.slug, context: context)
        return flows.redirect(to: ContentPaths.adminPage.link(page.id.rawValue) + "?done=published")
    }

    @Sendable func unpublish(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let page = try await stored(context)
        try await databases.withDatabase(for: context.tenant) { [now = desk.now()] database in
            try await database.content.unpublish(page.id, now: now)
        }
        try await desk.audit(
            "page.unpublished", page.slug, by: context.staff, in: context.tenant, ip: context.origin.clientAddress ?? ""
        )
        desk.changed(context.tenant)
        return flows.redirect(to: ContentPaths.adminPage.link(page.id.rawValue) + "?done=unpublished")
    }

    @Sendable func restore(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let page = try await stored(context)
        guard let version = context.parameters.get("version").flatMap(Int.init) else { throw PortalError.notFound }
        let published: Int
        do {
            published = try await databases.withDatabase(for: context.tenant) { [now = desk.now()] database in
                try await database.content.restore(page.id, version: version, by: context.staff.email, now: now)
            }
        } catch ContentStore.Problem.notFound {
            throw PortalError.notFound
        }
        try await desk.audit(
            "page.restored", "\(page.slug) v\(version) as v\(published)", by: context.staff, in: context.tenant,
            ip: context.origin.clientAddress ?? "")
        desk.changed(context.tenant)
        return flows.redirect(to: ContentPaths.adminPage.link(page.id.rawValue) + "?done=restored")
    }

    @Sendable func delete(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let page = try await stored(context)
        let site = try await databases.withDatabase(for: context.tenant) { try await $0.content.site() }
        guard site.homePage != page.slug else {
            return try flows.page(
                try await editor(
                    context, page: page, form: PageForm(slug: page.slug, content: page.draft),
                    notice: .error("This page is the home page: choose another home page before deleting it.")),
                "admin/page-edit", status: .conflict)
        }
        try await databases.withDatabase(for: context.tenant) { try await $0.content.deletePage(page.id) }
        try await desk.audit(
            "page.deleted", page.slug, by: context.staff, in: context.tenant, ip: context.origin.clientAddress ?? "")
        desk.changed(context.tenant)
        return flows.redirect(to: ContentPaths.adminPages.link() + "?done=deleted")
    }

    // MARK: Preview

    /// The draft as visitors would see it, in `?lang=` (the brand's default otherwise); never cached or indexed.
    @Sendable func preview(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let page = try await stored(context)
        let content = try context.content
        let offered = LanguageMiddleware.offered(by: content.brand, shipped: pages.languages)
        let asked = request.uri.queryParameters.get("lang") ?? content.brand.defaultLanguage
        let code = offered.contains(asked) ? asked : content.brand.defaultLanguage
        let localizer = pages.languages.localizer(code, fallback: content.brand.defaultLanguage)
        var chrome = context.chrome
        chrome.language = code
        chrome.direction = localizer.direction.rawValue
        chrome.frame = nil
        let html = try Localizer.$current.withValue(localizer) {
            var view = ContentController.view(
                page.draft, content: content, chrome: chrome,
                canonicalURL: siteURL(context.tenant) + ContentPaths.page.link(page.slug),
                siteURL: siteURL(context.tenant))
            view.isDraftPreview = true
            return try pages.render(view, template: "storefront/page")
        }
        var response = Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
        response.headers[HTTPField.Name("X-Robots-Tag")!] = "noindex"
        return response
    }
}
