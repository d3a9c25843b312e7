import Branding
import Foundation
import Tenancy

/// The language a request is answered in, and what chose it.
package struct LanguageChoice: Sendable {
    /// Where the language came from, weakest first: a stronger source is never overridden by a weaker one.
    package enum Source: Int, Sendable, Comparable {
        case brandDefault, acceptLanguage, preference, path

        package static func < (lhs: Source, rhs: Source) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    package var localizer: Localizer
    package var source: Source
    /// The path as the routes know it: without the `/ar` prefix it may have come with.
    package let path: String
    /// The query string (without `?`), kept on the switcher's links.
    package let query: String
    /// The brand's languages that ship, its default first.
    package let offered: [String]
    /// What the choice is made against, shared by reference: the context is copied at every middleware, and copying
    /// one reference costs less than copying the brand's every field.
    package let scope: Scope

    /// The shipped languages, the host's storefront (brand and site settings) and the moment of the request.
    package final class Scope: Sendable {
        package let languages: Languages
        /// The host's storefront, by reference: its brand and site settings are not copied per request.
        package let content: StorefrontContent
        /// When the request came, to show the announcement on.
        package let now: Date

        package init(languages: Languages, content: StorefrontContent, now: Date) {
            self.languages = languages
            self.content = content
            self.now = now
        }
    }

    package var languages: Languages { scope.languages }
    /// The brand: its default language (every lookup falls back to it before English) and its taglines.
    package var brand: Brand { scope.content.brand }
    /// The brand's menu, footer and announcement.
    package var site: SiteSettings { scope.content.site }
    package var now: Date { scope.now }

    package var code: String { localizer.code }
    /// `/ar` when the path chose the language: every local link of the page keeps it.
    package var prefix: String { source == .path ? "/\(code)" : "" }

    /// The same request answered in `code`, chosen by `source`.
    package func switched(to code: String, source: Source) -> LanguageChoice {
        var choice = self
        choice.localizer = languages.localizer(code, fallback: scope.content.brand.defaultLanguage)
        choice.source = source
        return choice
    }
}
