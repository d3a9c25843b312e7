/// The `/ar/…` path prefix: reading it off a request's path, and keeping it on a page's local links.
enum LanguagePrefix {
    /// The language a path starts with and the path without it: `/ar/help` → ("ar", "/help"), `/ar` → ("ar", "/").
    static func split(_ path: String, offered: [String]) -> (code: String, rest: String)? {
        guard path.utf8.count >= 3, path.hasPrefix("/") else { return nil }
        let afterSlash = path.dropFirst()
        let segment = afterSlash.prefix(while: { $0 != "/" })
        guard segment.count >= 2, segment.count <= 7, offered.contains(String(segment)) else { return nil }
        let rest = afterSlash.dropFirst(segment.count)
        return (String(segment), rest.isEmpty ? "/" : String(rest))
    }

    /// Paths that are the same in every language (files, feeds for machines, the staff area): never prefixed.
    static let unprefixed: [String] =
        [
            OperationsPaths.staticFiles, StorefrontPaths.brandLogo, StorefrontPaths.theme, StorefrontPaths.robots,
            StorefrontPaths.sitemap, OperationsPaths.ready, OperationsPaths.metrics, OperationsPaths.tlsAsk,
            OperationsPaths.health, OperationsPaths.benchPlaintext, AdminPaths.home, ContentPaths.media,
        ].map(\.fixedPrefix) + [ProductAPIPaths.prefix]

    static func keepsPrefix(_ path: Substring) -> Bool {
        // Asked on every request: only the prefixes that start with the path's second byte are compared.
        // (Every entry is `/` and at least one more byte, so a path shorter than that keeps its prefix.)
        guard let second = path.utf8.dropFirst().first, let candidates = unprefixedBySecondByte[second] else {
            return true
        }
        return !candidates.contains { path.hasPrefix($0) }
    }

    /// `unprefixed` by the byte after the leading `/`.
    private static let unprefixedBySecondByte: [UInt8: [String]] = Dictionary(
        grouping: unprefixed, by: { Array($0.utf8)[1] })

    /// `html` with `prefix` put in front of every local `href="/…"` and `action="/…"` that does not already carry a
    /// language: a page reached as `/ar/…` links to `/ar/…`.
    static func apply(_ prefix: String, to html: String, offered: [String]) -> String {
        guard !prefix.isEmpty else { return html }
        var result = ""
        result.reserveCapacity(html.utf8.count + 512)
        var rest = html[...]
        while let slash = nextLink(in: rest) {
            result += rest[..<slash]
            let path = rest[slash...]
            if !path.hasPrefix("//"), keepsPrefix(path), !isLanguageSegmentEnd(path, offered: offered) {
                result += prefix
            }
            result += "/"
            rest = path.dropFirst()
        }
        result += rest
        return result
    }

    /// True when `path` starts with `/<offered code>` followed by `/`, `"`, `?` or `#`.
    private static func isLanguageSegmentEnd(_ path: Substring, offered: [String]) -> Bool {
        for code in offered where path.dropFirst().hasPrefix(code) {
            let after = path.dropFirst(code.count + 1).first
            if after == "/" || after == "\"" || after == "?" || after == "#" { return true }
        }
        return false
    }

    /// The index of the `/` that starts the next local link target.
    private static func nextLink(in text: Substring) -> Substring.Index? {
        var search = text
        while let quote = search.firstIndex(of: "=") {
            let before = search[..<quote]
            let after = search[search.index(after: quote)...]
            if after.hasPrefix("\"/"), before.hasSuffix("href") || before.hasSuffix("action") {
                return after.index(after: after.startIndex)
            }
            search = after
        }
        return nil
    }
}
