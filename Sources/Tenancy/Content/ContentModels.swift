import Foundation

/// Text a brand writes once per language it offers, by language code.
package typealias PerLanguage = [String: String]

extension Dictionary where Key == String, Value == String {
    /// The text in `language`, else in `fallback` (the brand's default), else any; "" when there is none.
    package func text(in language: String, fallback: String) -> String {
        if let text = self[language], !text.isEmpty { return text }
        if let text = self[fallback], !text.isEmpty { return text }
        return values.first { !$0.isEmpty } ?? ""
    }
}

/// What one version of a page says: per language its title, meta description and body (Markdown with `:::` blocks),
/// and the Open Graph image (a file name among the brand's uploaded images, or "").
package struct PageContent: Codable, Hashable, Sendable {
    package var title: PerLanguage
    package var summary: PerLanguage
    package var body: PerLanguage
    package var image: String

    package init(title: PerLanguage = [:], summary: PerLanguage = [:], body: PerLanguage = [:], image: String = "") {
        self.title = title
        self.summary = summary
        self.body = body
        self.image = image
    }
}

/// A page of the brand's site: its draft, and what visitors see (nil while unpublished).
package struct SitePage: Sendable, Hashable {
    package typealias ID = TypedID<SitePage>
    package let id: ID
    package var slug: String
    package var draft: PageContent
    package var published: PageContent?
    /// The version number of what is published; versions count up from 1 on every publish.
    package var publishedVersion: Int?
    package var updatedAt: Date

    package var isPublished: Bool { published != nil }
}

/// A published version of a page, kept (the last 20) so any can be restored.
package struct PageVersion: Sendable, Hashable {
    package let version: Int
    package let content: PageContent
    package let publishedAt: Date
    package let publishedBy: String
}

/// A news post: dated, signed by its author, written per language; visible once published.
package struct NewsPost: Sendable, Hashable {
    package typealias ID = TypedID<NewsPost>
    package let id: ID
    package var slug: String
    /// The day it is dated, `YYYY-MM-DD`.
    package var date: String
    package var author: String
    package var title: PerLanguage
    package var body: PerLanguage
    package var published: Bool
    package var updatedAt: Date

    package init(
        id: ID, slug: String, date: String, author: String, title: PerLanguage, body: PerLanguage, published: Bool,
        updatedAt: Date
    ) {
        (self.id, self.slug, self.date, self.author, self.title, self.body, self.published, self.updatedAt) = (
            id, slug, date, author, title, body, published, updatedAt
        )
    }
}

/// A link of the brand's menu or footer: its label per language and where it goes.
package struct SiteLink: Codable, Hashable, Sendable {
    package var label: PerLanguage
    package var url: String

    package init(label: PerLanguage, url: String) {
        self.label = label
        self.url = url
    }
}

/// A bar above every storefront page between two days (inclusive), with an optional link.
package struct Announcement: Codable, Hashable, Sendable {
    package var text: PerLanguage
    package var url: String
    /// `YYYY-MM-DD`, inclusive; "" for open-ended.
    package var starts: String
    package var ends: String

    package init(text: PerLanguage, url: String, starts: String, ends: String) {
        self.text = text
        self.url = url
        self.starts = starts
        self.ends = ends
    }

    /// Whether it shows on `day` (`YYYY-MM-DD`).
    package func isShown(on day: String) -> Bool {
        (starts.isEmpty || starts <= day) && (ends.isEmpty || day <= ends) && text.values.contains { !$0.isEmpty }
    }
}

/// The site around the pages: which page is the home page, the menu, the footer links and the announcement.
/// An empty menu is the default one (Products, Domains, Help, Account).
package struct SiteSettings: Codable, Hashable, Sendable {
    package var homePage: String
    package var menu: [SiteLink]
    package var footer: [SiteLink]
    package var announcement: Announcement?

    package init(
        homePage: String = "", menu: [SiteLink] = [], footer: [SiteLink] = [], announcement: Announcement? = nil
    ) {
        self.homePage = homePage
        self.menu = menu
        self.footer = footer
        self.announcement = announcement
    }
}

/// An image a brand uploaded for its pages, stored content-addressed under its assets folder.
package struct StoredImage: Sendable, Hashable {
    package let file: String
    package let bytes: Int
    package let width: Int
    package let height: Int
    package let uploadedAt: Date
    /// Since when no page, version, post or setting uses it; removed 30 days later.
    package let unusedSince: Date?
}
