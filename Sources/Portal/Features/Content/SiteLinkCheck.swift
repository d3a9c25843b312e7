import Foundation

/// Checks the addresses a brand puts in its pages, menu, footer and announcement: an internal link must lead to
/// something that exists (a missing page is refused), an external one must be web, mail or phone.
struct SiteLinkCheck: Sendable {
    var pages: Set<String> = []
    var news: Set<String> = []
    var products: Set<String> = []
    var categories: Set<String> = []
    var help: Set<String> = []
    var images: Set<String> = []
    /// Language codes a link may start with (`/ar/…`).
    var languages: [String] = []

    /// Fixed addresses of the storefront and customer area.
    static let fixed: Set<String> = [
        "/", "/help", "/domains/search", "/news", "/news/feed.xml", "/account", "/signup", "/login",
        "/forgot-password", "/sitemap.xml",
    ]

    /// Why `url` cannot be used, or nil when it can.
    func problem(_ url: String) -> String? {
        let url = url.trimmingCharacters(in: .whitespaces)
        guard !url.isEmpty else { return "the address is empty" }
        if url.hasPrefix("#") { return nil }
        let lower = url.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") {
            guard let components = URLComponents(string: url), let host = components.host, host.contains(".")
            else { return "\(url) is not a web address" }
            return nil
        }
        if lower.hasPrefix("mailto:") {
            return url.dropFirst(7).contains("@") ? nil : "\(url) is not an email address"
        }
        if lower.hasPrefix("tel:") {
            let digits = url.dropFirst(4).filter(\.isNumber)
            return digits.count >= 3 ? nil : "\(url) is not a phone number"
        }
        guard url.hasPrefix("/"), !url.hasPrefix("//") else {
            return "\(url) is neither an address on this site (starting with /) nor a web, mail or phone link"
        }
        var path = String(url.prefix { $0 != "?" && $0 != "#" })
        if let (_, rest) = LanguagePrefix.split(path, offered: languages) { path = rest }
        if path.count > 1, path.hasSuffix("/") { path.removeLast() }
        if Self.fixed.contains(path) || path.hasPrefix("/account/") { return nil }
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count == 2 else { return "\(url) is not a page of this site" }
        let (section, slug) = (parts[0], parts[1])
        switch section {
        case "pages": return pages.contains(slug) ? nil : "there is no page \"\(slug)\" (\(url))"
        case "news": return news.contains(slug) ? nil : "there is no news post \"\(slug)\" (\(url))"
        case "products": return products.contains(slug) ? nil : "there is no product \"\(slug)\" (\(url))"
        case "category": return categories.contains(slug) ? nil : "there is no category \"\(slug)\" (\(url))"
        case "help": return help.contains(slug) ? nil : "there is no help article \"\(slug)\" (\(url))"
        case "media": return images.contains(slug) ? nil : "there is no uploaded image \"\(slug)\" (\(url))"
        case "order": return products.contains(slug) ? nil : "there is no product \"\(slug)\" to order (\(url))"
        default: return "\(url) is not a page of this site"
        }
    }
}
