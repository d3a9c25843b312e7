/// Fills the `[[key]]` message markers of a template's source with one language's messages, before the template
/// is parsed: a page template is translated once per language at start, not on every render.
///
/// A message may hold Mustache variables (`{{name}}`) of the context it stands in; they are kept as they are. The
/// rest of its text is HTML-escaped for page and HTML email templates, and left as it is for plain text.
package enum TemplateMessages {
    package static func translate(_ source: String, with localizer: Localizer, escapeHTML: Bool) -> String {
        guard source.contains("[[") else { return source }
        var result = ""
        result.reserveCapacity(source.utf8.count)
        var rest = source[...]
        while let open = rest.range(of: "[["), let close = rest[open.upperBound...].range(of: "]]") {
            let key = rest[open.upperBound..<close.lowerBound]
            result += rest[..<open.lowerBound]
            if isKey(key) {
                let message = builtin(String(key), localizer) ?? localizer.message(String(key)) ?? String(key)
                result += escapeHTML ? escapingText(of: message) : message
            } else {
                result += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        result += rest
        return result
    }

    /// What every language states about itself: `[[language.code]]` (for `lang`) and `[[language.direction]]`
    /// (for `dir`), from the catalog's header.
    static func builtin(_ key: String, _ localizer: Localizer) -> String? {
        switch key {
        case "language.code": localizer.code
        case "language.direction": localizer.direction.rawValue
        default: nil
        }
    }

    /// The message keys a template uses (without the built-in `language.*` ones).
    package static func keys(in source: String) -> [String] {
        var keys: [String] = []
        var rest = source[...]
        while let open = rest.range(of: "[["), let close = rest[open.upperBound...].range(of: "]]") {
            let key = rest[open.upperBound..<close.lowerBound]
            if isKey(key), !key.hasPrefix("language.") { keys.append(String(key)) }
            rest = rest[close.upperBound...]
        }
        return keys
    }

    /// `area.page.purpose`: lower-case letters, digits, `_`, `-` and dots.
    static func isKey(_ text: Substring) -> Bool {
        !text.isEmpty && text.contains(".")
            && text.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".contains($0) }
    }

    /// Escapes the text of a message, leaving its `{{…}}` tags whole.
    private static func escapingText(of message: String) -> String {
        var result = ""
        var rest = message[...]
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            result += escape(rest[..<open.lowerBound])
            var end = close.upperBound
            if rest[end...].hasPrefix("}") { end = rest.index(after: end) }
            result += rest[open.lowerBound..<end]
            rest = rest[end...]
        }
        return result + escape(rest)
    }

    private static func escape(_ text: Substring) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
