import Branding
import Foundation
import Tenancy

/// The staff's list of the brand's pages.
struct PagesListPage: Sendable {
    struct Row: Sendable {
        let slug: String
        let title: String
        let editURL: String
        let viewURL: String
        let status: String
        let isPublished: Bool
        let isHome: Bool
        let updated: String
    }
    let chrome: StorefrontChrome
    let csrf: String
    let notice: Notice?
    let rows: [Row]
    let hasRows: Bool
    let newURL: String
    let siteURL: String
    let imagesURL: String
    let newsURL: String
}

/// One language's fields of the page editor.
struct LanguageFields: Sendable {
    let code: String
    let name: String
    let isDefault: Bool
    let direction: String
    let title: String
    let summary: String
    let body: String
    let titleError: String?
    let bodyError: String?
}

/// The page editor: slug, per-language text, image, and the publishing controls with the kept versions.
struct PageEditorPage: Sendable {
    struct ImageOption: Sendable {
        let file: String
        let url: String
        let selected: Bool
    }

    struct VersionRow: Sendable {
        let version: Int
        let publishedAt: String
        let publishedBy: String
        let restoreURL: String
        let isLive: Bool
    }

    let chrome: StorefrontChrome
    let csrf: String
    let notice: Notice?
    let isNew: Bool
    let actionURL: String
    let slug: String
    let slugError: String?
    let languages: [LanguageFields]
    let images: [ImageOption]
    let hasImages: Bool
    let noImageSelected: Bool
    let imagesURL: String
    var previewURL = ""
    var publishURL = ""
    var unpublishURL = ""
    var deleteURL = ""
    var viewURL = ""
    var isPublished = false
    var statusText = ""
    var versions: [VersionRow] = []
    var hasVersions = false
}

/// The page editor's form: per-language fields named `title_<code>`, `summary_<code>`, `body_<code>`.
struct PageForm: Sendable {
    var slug: String
    var content: PageContent

    init(slug: String, content: PageContent) {
        self.slug = slug
        self.content = content
    }

    init(_ form: FormData, languages: [String]) {
        slug = form.trimmed("slug").lowercased()
        var content = PageContent(image: form.trimmed("image"))
        for code in languages {
            content.title[code] = form.trimmed("title_\(code)")
            content.summary[code] = form.trimmed("summary_\(code)")
            content.body[code] = form["body_\(code)"].replacingOccurrences(of: "\r\n", with: "\n")
        }
        self.content = content
    }

    /// Problems by field; empty when the form can be saved.
    func problems(defaultLanguage: String, check: SiteLinkCheck) -> [String: String] {
        var problems: [String: String] = [:]
        if let problem = CatalogueRules.slugProblem(slug) { problems["slug"] = problem }
        for (code, title) in content.title where title.count > 120 {
            problems["title_\(code)"] = "Keep the title to 120 characters."
        }
        if (content.title[defaultLanguage] ?? "").isEmpty {
            problems["title_\(defaultLanguage)"] = "Give the page a title in its default language."
        }
        for (code, summary) in content.summary where summary.count > 300 {
            problems["title_\(code)"] = problems["title_\(code)"] ?? "Keep the description to 300 characters."
        }
        for (code, body) in content.body where body.utf8.count > 100_000 {
            problems["body_\(code)"] = "Keep the page under 100,000 characters."
        }
        if !content.image.isEmpty, !check.images.contains(content.image) {
            problems["image"] = "Choose one of the uploaded images."
        }
        problems.merge(ContentDesk.problems(of: content.body, field: "body", check: check)) { first, _ in first }
        return problems
    }
}
