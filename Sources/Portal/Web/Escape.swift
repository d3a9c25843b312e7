/// The one way text is written into markup, in an element or a quoted attribute; nothing else escapes by hand.
package enum Escape {
    /// Text for HTML or SVG: `&`, `<`, `>`, `"` and `'` become character references.
    package static func html(_ text: String) -> String {
        escape(text, apostrophe: "&#39;")
    }

    /// Text for XML (sitemaps, feeds): the five predefined entities.
    package static func xml(_ text: String) -> String {
        escape(text, apostrophe: "&apos;")
    }

    private static func escape(_ text: String, apostrophe: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += apostrophe
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
