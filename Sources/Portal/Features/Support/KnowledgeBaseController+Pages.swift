import Foundation
import Hummingbird
import Tenancy

extension KnowledgeBaseController {
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
        /// The brand's own pages and news that match the search.
        package var contentResults: [ContentLink] = []
        package var hasContentResults = false
        package var hasAnyResults = false
    }

    /// A page or news post found by the help search.
    package struct ContentLink: Sendable {
        package let title: String
        package let url: String
        package let summary: String
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
}
