import Foundation
import Ink

/// Markdown written by staff, rendered with Ink and then made inert: only an allowlist of tags survives, with only
/// safe attributes; links must be http(s), mailto or on this site. Anything else that looks like markup is shown as
/// text, so `<script>`, `<iframe>`, `onclick=` and `javascript:` links can never run in a customer's browser.
package enum SafeMarkdown {
    static let allowedTags: Set<String> = [
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre", "blockquote",
        "ul", "ol",
        "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "del",
    ]
    static let voidTags: Set<String> = ["br", "hr", "img"]

    /// HTML safe to place in a page.
    package static func html(_ markdown: String) -> String {
        sanitize(MarkdownParser().html(from: markdown))
    }

    /// Plain text for search and summaries.
    package static func text(_ html: String) -> String {
        var text = ""
        var inTag = false
        for character in html {
            if character == "<" { inTag = true; text.append(" "); continue }
            if character == ">" { inTag = false; continue }
            if !inTag { text.append(character) }
        }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Keeps allowed tags (rebuilt from their parsed name and checked attributes) and escapes every other `<`.
    static func sanitize(_ html: String) -> String {
        var output = ""
        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            if character == "<", let (tag, end) = parseTag(html, from: index) {
                output += tag
                index = end
                continue
            }
            switch character {
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            default: output.append(character)
            }
            index = html.index(after: index)
        }
        return output
    }

    /// An allowed tag starting at `start`, rebuilt, and where it ends; nil for anything else.
    private static func parseTag(_ html: String, from start: String.Index) -> (String, String.Index)? {
        guard let close = html[start...].firstIndex(of: ">") else { return nil }
        var inner = html[html.index(after: start)..<close]
        guard !inner.contains("<") else { return nil }
        let closing = inner.hasPrefix("/")
        if closing { inner = inner.dropFirst() }
        if inner.hasSuffix("/") { inner = inner.dropLast() }
        let name = String(inner.prefix { $0.isASCII && ($0.isLetter || $0.isNumber) }).lowercased()
        guard !name.isEmpty, allowedTags.contains(name) else { return nil }
        let end = html.index(after: close)
        if closing { return voidTags.contains(name) ? ("", end) : ("</\(name)>", end) }
        var rebuilt = "<\(name)"
        for (attribute, value) in attributes(String(inner.dropFirst(name.count))) {
            switch (name, attribute) {
            case ("a", "href"):
                guard let url = safeURL(value) else { continue }
                rebuilt += " href=\"\(Escape.html(url))\""
                if url.hasPrefix("http") { rebuilt += " rel=\"nofollow noopener\"" }
            case ("img", "src"):
                guard let url = safeURL(value), !url.hasPrefix("mailto:") else { continue }
                rebuilt += " src=\"\(Escape.html(url))\""
            case ("img", "alt"), (_, "title"):
                rebuilt += " \(attribute)=\"\(Escape.html(value))\""
            default:
                continue
            }
        }
        if name == "img", !rebuilt.contains(" src=") { return ("", end) }
        return (rebuilt + ">", end)
    }

    /// `name="value"`, `name='value'`, `name=value` and bare names, names lower-cased.
    private static func attributes(_ text: String) -> [(String, String)] {
        var result: [(String, String)] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0.isWhitespace }
            let name = rest.prefix { !$0.isWhitespace && $0 != "=" }
            guard !name.isEmpty else { break }
            rest = rest.dropFirst(name.count).drop { $0.isWhitespace }
            var value = ""
            if rest.first == "=" {
                rest = rest.dropFirst().drop { $0.isWhitespace }
                if let quote = rest.first, quote == "\"" || quote == "'" {
                    rest = rest.dropFirst()
                    value = String(rest.prefix { $0 != quote })
                    rest = rest.dropFirst(value.count + 1)
                } else {
                    value = String(rest.prefix { !$0.isWhitespace })
                    rest = rest.dropFirst(value.count)
                }
            }
            result.append((name.lowercased(), decode(value)))
        }
        return result
    }

    /// http(s), mailto, or a path or fragment on this site; control characters and entities that could hide a
    /// scheme are refused outright.
    static func safeURL(_ raw: String) -> String? {
        let url = raw.trimmingCharacters(in: .whitespaces)
        guard !url.isEmpty, !url.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
            !url.contains("\\")
        else {
            return nil
        }
        let lower = url.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") { return url }
        if (url.hasPrefix("/") && !url.hasPrefix("//")) || url.hasPrefix("#") { return url }
        return nil
    }

    /// Ink escapes `&`, `<`, `>` and quotes in attribute values; undo those so the URL check sees the real text.
    private static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
