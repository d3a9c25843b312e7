/// The one way text is written into markup, in an element or a quoted attribute; nothing else escapes by hand.
package enum Escape {
    /// Text for HTML or SVG: `&`, `<`, `>`, `"` and `'` become character references.
    package static func html(_ text: String) -> String {
        escape(text, apostrophe: "&#39;")
    }

    /// Text for XML (sitemaps, feeds): the five predefined entities; the control characters XML 1.0 forbids even as
    /// references are left out.
    package static func xml(_ text: String) -> String {
        escape(text, apostrophe: "&apos;", dropControls: true)
    }

    private static func escape(_ text: String, apostrophe: String, dropControls: Bool = false) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += apostrophe
            case _ where dropControls && character.isForbiddenInXML: continue
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

extension Character {
    /// C0 controls other than tab, line feed and carriage return.
    fileprivate var isForbiddenInXML: Bool {
        guard let scalar = unicodeScalars.first, unicodeScalars.count == 1 else { return false }
        return scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r"
    }
}
