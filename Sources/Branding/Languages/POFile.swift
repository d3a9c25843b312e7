import Foundation

/// A gettext PO file: its header fields and its messages, read as GNU gettext writes them.
///
/// Only what a catalog needs is kept: `msgctxt` is ignored, obsolete entries (`#~`) and comments are skipped, and
/// a plural entry keeps every `msgstr[n]` in order. An empty translation means "not translated" (as in gettext),
/// so the key falls back to the next language.
package struct POFile: Sendable, Equatable {
    package struct Entry: Sendable, Equatable {
        package var key: String
        package var forms: [String]
        package var isPlural: Bool
    }

    package var header: [String: String]
    package var entries: [Entry]

    /// A line that is not PO syntax, with its 1-based number.
    package struct SyntaxError: Error, Equatable, CustomStringConvertible {
        package let line: Int
        package let reason: String
        package var description: String { "line \(line): \(reason)" }
    }

    package init(parsing text: String) throws(SyntaxError) {
        var entries: [Entry] = []
        var key: String?
        var hasPlural = false
        var forms: [Int: String] = [:]
        // Which string a continuation line ("…") extends.
        enum Field { case none, context, key, plural, form(Int) }
        var field = Field.none

        func finish() {
            guard let current = key else { return }
            let count = (forms.keys.max() ?? 0) + 1
            entries.append(Entry(key: current, forms: (0..<count).map { forms[$0] ?? "" }, isPlural: hasPlural))
            key = nil
            hasPlural = false
            forms = [:]
            field = .none
        }

        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("\"") {
                let value = try Self.quoted(line, line: number)
                switch field {
                case .none: throw SyntaxError(line: number, reason: "a string outside any entry")
                case .context: break
                case .key: key? += value
                case .plural: break
                case .form(let n): forms[n, default: ""] += value
                }
                continue
            }
            guard let space = line.firstIndex(of: " ") else {
                throw SyntaxError(line: number, reason: "expected a keyword and a string")
            }
            let keyword = String(line[..<space])
            let value = try Self.quoted(String(line[line.index(after: space)...]), line: number)
            switch keyword {
            case "msgctxt":
                finish()
                field = .context
            case "msgid":
                if key != nil, !forms.isEmpty { finish() }
                guard key == nil else { throw SyntaxError(line: number, reason: "msgid without msgstr before it") }
                key = value
                field = .key
            case "msgid_plural":
                guard key != nil else { throw SyntaxError(line: number, reason: "msgid_plural before msgid") }
                hasPlural = true
                field = .plural
            case "msgstr":
                guard key != nil, !hasPlural else {
                    throw SyntaxError(line: number, reason: "msgstr without a singular msgid")
                }
                forms[0] = value
                field = .form(0)
            default:
                guard keyword.hasPrefix("msgstr["), keyword.hasSuffix("]"),
                    let n = Int(keyword.dropFirst("msgstr[".count).dropLast()), n >= 0, n < 10
                else { throw SyntaxError(line: number, reason: "unknown keyword \(keyword)") }
                guard key != nil, hasPlural else {
                    throw SyntaxError(line: number, reason: "\(keyword) without msgid_plural")
                }
                forms[n] = value
                field = .form(n)
            }
        }
        finish()

        var header: [String: String] = [:]
        if let first = entries.first, first.key.isEmpty {
            for line in (first.forms.first ?? "").split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                header[String(line[..<colon]).trimmingCharacters(in: .whitespaces)] =
                    String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            }
            entries.removeFirst()
        }
        self.header = header
        self.entries = entries
    }

    /// The contents of a C string literal as PO writes it: `"…"` with `\n`, `\t`, `\"` and `\\` escapes.
    private static func quoted(_ text: String, line: Int) throws(SyntaxError) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else {
            throw SyntaxError(line: line, reason: "expected a quoted string")
        }
        var result = ""
        var escaped = false
        for character in text.dropFirst().dropLast() {
            if escaped {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "\"", "\\": result.append(character)
                default: throw SyntaxError(line: line, reason: "unknown escape \\\(character)")
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                throw SyntaxError(line: line, reason: "an unescaped quote inside a string")
            } else {
                result.append(character)
            }
        }
        guard !escaped else { throw SyntaxError(line: line, reason: "a string ends with a backslash") }
        return result
    }
}
