import Branding
import Foundation
import Hummingbird
import Tenancy

/// The site around the pages (owners and admins): which page is home, the menu, the footer links and the
/// announcement bar. Every link is checked before anything is saved.
struct SiteSettingsController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let desk: ContentDesk
    let pages: PageRenderer

    /// Rows the menu and the footer forms offer; empty rows are ignored.
    static let rows = 8

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ContentPaths.adminSite.route, use: show)
        group.post(ContentPaths.adminSite.route, use: save)
    }

    struct LinkRow: Sendable {
        struct Label: Sendable {
            let code: String
            let name: String
            let value: String
            let field: String
        }
        let index: Int
        let url: String
        let urlField: String
        let labels: [Label]
        let error: String?
    }

    struct TextField: Sendable {
        let code: String
        let name: String
        let value: String
        let field: String
        let direction: String
    }

    struct Page: Sendable {
        struct HomeOption: Sendable {
            let slug: String
            let title: String
            let selected: Bool
        }
        let chrome: StorefrontChrome
        let csrf: String
        let notice: Notice?
        let homeOptions: [HomeOption]
        let catalogueHome: Bool
        let homeError: String?
        let menu: [LinkRow]
        let footer: [LinkRow]
        let announcement: [TextField]
        let announcementURL: String
        let announcementStarts: String
        let announcementEnds: String
        let announcementError: String?
    }

    func page(
        _ context: StaffRequestContext, site: SiteSettings, errors: [String: String] = [:], notice: Notice? = nil
    ) async throws -> Page {
        let languages = try PagesController.languages(context, pages)
        let stored = try await databases.withDatabase(for: context.tenant) { try await $0.content.pages() }
        let brand = try context.content.brand
        func rows(_ links: [SiteLink], _ prefix: String) -> [LinkRow] {
            (0..<Self.rows).map { index in
                let link = index < links.count ? links[index] : nil
                return LinkRow(
                    index: index + 1, url: link?.url ?? "", urlField: "\(prefix)_url_\(index)",
                    labels: languages.map {
                        .init(
                            code: $0.code, name: $0.name, value: link?.label[$0.code] ?? "",
                            field: "\(prefix)_label_\(index)_\($0.code)")
                    }, error: errors["\(prefix)_\(index)"])
            }
        }
        return Page(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice,
            homeOptions: stored.filter(\.isPublished).map {
                .init(
                    slug: $0.slug, title: $0.draft.title.text(in: brand.defaultLanguage, fallback: "en"),
                    selected: $0.slug == site.homePage)
            },
            catalogueHome: site.homePage.isEmpty, homeError: errors["home"], menu: rows(site.menu, "menu"),
            footer: rows(site.footer, "footer"),
            announcement: languages.map {
                .init(
                    code: $0.code, name: $0.name, value: site.announcement?.text[$0.code] ?? "",
                    field: "announcement_\($0.code)",
                    direction: pages.languages.catalogs[$0.code]?.direction.rawValue ?? "ltr")
            },
            announcementURL: site.announcement?.url ?? "", announcementStarts: site.announcement?.starts ?? "",
            announcementEnds: site.announcement?.ends ?? "", announcementError: errors["announcement"])
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let site = try await databases.withDatabase(for: context.tenant) { try await $0.content.site() }
        let notice: Notice? = request.uri.queryParameters.get("done") == "saved" ? .success("Saved.") : nil
        return try flows.page(try await page(context, site: site, notice: notice), "admin/site")
    }

    @Sendable func save(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let form = try await FormData.parse(request)
        let languages = try PagesController.languages(context, pages).map(\.code)
        let check = try await desk.linkCheck(context.tenant, content: try context.content, languages: languages)
        var errors: [String: String] = [:]
        var site = SiteSettings()
        let published = try await databases.withDatabase(for: context.tenant) {
            try await $0.content.pages().filter(\.isPublished).map(\.slug)
        }
        site.homePage = form.trimmed("home")
        if !site.homePage.isEmpty, !published.contains(site.homePage) {
            errors["home"] = "Choose a published page, or the catalogue."
        }
        func links(_ prefix: String) -> [SiteLink] {
            var links: [SiteLink] = []
            for index in 0..<Self.rows {
                let url = form.trimmed("\(prefix)_url_\(index)")
                var label: PerLanguage = [:]
                for code in languages {
                    label[code] = String(form.trimmed("\(prefix)_label_\(index)_\(code)").prefix(60))
                }
                let hasLabel = label.values.contains { !$0.isEmpty }
                if url.isEmpty, !hasLabel { continue }
                if url.isEmpty {
                    errors["\(prefix)_\(index)"] = "Give this link an address."
                } else if let problem = check.problem(url) {
                    errors["\(prefix)_\(index)"] = "This link was refused: \(problem)."
                } else if !hasLabel {
                    errors["\(prefix)_\(index)"] = "Give this link a label."
                }
                links.append(SiteLink(label: label, url: url))
            }
            return links
        }
        site.menu = links("menu")
        site.footer = links("footer")
        var text: PerLanguage = [:]
        for code in languages { text[code] = form.trimmed("announcement_\(code)") }
        let url = form.trimmed("announcement_url")
        let (starts, ends) = (form.trimmed("announcement_starts"), form.trimmed("announcement_ends"))
        if text.values.contains(where: { !$0.isEmpty }) || !url.isEmpty || !starts.isEmpty || !ends.isEmpty {
            site.announcement = Announcement(text: text, url: url, starts: starts, ends: ends)
            if !text.values.contains(where: { !$0.isEmpty }) {
                errors["announcement"] = "Write the announcement, or clear every field to have none."
            } else if text.values.contains(where: { $0.count > 200 }) {
                errors["announcement"] = "Keep the announcement to 200 characters."
            } else if [starts, ends].contains(where: { !$0.isEmpty && !Self.isDay($0) }) {
                errors["announcement"] = "Give the dates as YYYY-MM-DD, such as 2026-12-24."
            } else if !starts.isEmpty, !ends.isEmpty, ends < starts {
                errors["announcement"] = "The last day comes before the first."
            } else if !url.isEmpty, let problem = check.problem(url) {
                errors["announcement"] = "The link was refused: \(problem)."
            }
        }
        guard errors.isEmpty else {
            return try flows.page(
                try await page(
                    context, site: site, errors: errors, notice: .error("Nothing was saved: correct the marked fields.")
                ),
                "admin/site", status: .unprocessableContent)
        }
        try await databases.withDatabase(for: context.tenant) { try await $0.content.saveSite(site) }
        try await desk.audit(
            "site.saved", site.homePage.isEmpty ? "home: catalogue" : "home: \(site.homePage)", by: context.staff,
            in: context.tenant, ip: context.origin.clientAddress ?? "")
        desk.changed(context.tenant)
        return flows.redirect(to: ContentPaths.adminSite.link() + "?done=saved")
    }

    /// `YYYY-MM-DD` naming a real day.
    static func isDay(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components) else { return false }
        return calendar.component(.day, from: date) == day && calendar.component(.month, from: date) == month
    }
}
