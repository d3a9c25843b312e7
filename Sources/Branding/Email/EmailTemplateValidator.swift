import Foundation
import Mustache

/// Checks a tenant's template before it is stored: it must parse; only documented variables may be used; no
/// unescaped output (`{{{ }}}`, `{{& }}`), partials, inheritance, pragmas or delimiter changes; a one-line
/// subject; and size limits. Every problem names its line and column.
package enum EmailTemplateValidator {
    package static let maximumSubject = 200
    package static let maximumBody = 64 * 1024

    package static func validate(_ template: EmailTemplate, for kind: EmailKind?) -> [EmailTemplateProblem] {
        let variables = kind.map { EmailKind.common + $0.variables } ?? (EmailKind.common + EmailKind.layoutVariables)
        var problems: [EmailTemplateProblem] = []
        if kind != nil {
            if template.subject.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append(.init(part: .subject, line: 1, column: 1, message: "the subject is empty"))
            }
            if template.subject.contains(where: \.isNewline) {
                problems.append(.init(part: .subject, line: 1, column: 1, message: "the subject must be one line"))
            }
            if template.subject.count > maximumSubject {
                problems.append(
                    .init(
                        part: .subject, line: 1, column: maximumSubject + 1,
                        message: "the subject is longer than \(maximumSubject) characters"))
            }
            problems += check(template.subject, part: .subject, variables: variables)
            let subject = Array(template.subject)
            if kind?.isSecurity == true, subject.indices.contains(where: { linkTag(in: subject, at: $0) != nil }) {
                problems.append(
                    .init(
                        part: .subject, line: 1, column: 1, message: "the one-time {{link}} may not be in the subject"))
            }
        }
        for (part, body) in [(EmailTemplateProblem.Part.html, template.html), (.text, template.text)] {
            if body.utf8.count > maximumBody {
                problems.append(
                    .init(part: part, line: 1, column: 1, message: "the part is larger than \(maximumBody / 1024) KiB"))
                continue
            }
            if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(.init(part: part, line: 1, column: 1, message: "the part is empty"))
                continue
            }
            problems += check(body, part: part, variables: variables)
            if kind?.isSecurity == true {
                problems += linkPlacement(body, part: part)
            }
            if kind == nil, !body.contains("{{body}}") && !body.contains("{{ body }}") {
                problems.append(
                    .init(
                        part: part, line: 1, column: 1,
                        message: "the layout must contain {{body}}, where each email's content goes"))
            }
        }
        return problems
    }

    /// Where a security email's `{{link}}` (a one-time token) may stand: on its own, between elements, where the
    /// portal puts its own button (HTML) or the bare address (text). Never in an attribute (`<a href>`, `<img src>`,
    /// `style`, …), inside another link, inside a longer address or in a `<style>` block, where it would be sent to
    /// someone else's server as the email is opened; never in the subject.
    static func linkPlacement(_ source: String, part: EmailTemplateProblem.Part) -> [EmailTemplateProblem] {
        var problems: [EmailTemplateProblem] = []
        let characters = Array(source)
        var line = 1
        var column = 1
        var insideTag = false
        var inStyle = false
        var inAnchor = false
        var index = 0
        func lowered(_ from: Int, _ count: Int) -> String {
            String(characters[from..<min(characters.count, from + count)]).lowercased()
        }
        while index < characters.count {
            let character = characters[index]
            if !insideTag, character == "<" {
                insideTag = true
                if lowered(index, 6) == "<style" { inStyle = true }
                if lowered(index, 8) == "</style>" { inStyle = false }
                let opening = lowered(index, 3)
                if opening == "<a " || opening == "<a>" || opening == "<a\n" || opening == "<a\t" { inAnchor = true }
                if lowered(index, 4) == "</a>" { inAnchor = false }
            } else if insideTag, character == ">" {
                insideTag = false
            }
            if let tag = linkTag(in: characters, at: index) {
                let before = index > 0 ? characters[index - 1] : " "
                let after = index + tag.length < characters.count ? characters[index + tag.length] : " "
                var refusal: String?
                if tag.isSection {
                    refusal = "the one-time link is written {{link}} only, never as a section ({{#link}}, {{^link}})"
                } else if inStyle {
                    refusal = "{{link}} may not stand in a <style> block"
                } else if insideTag {
                    refusal =
                        "{{link}} may not stand inside a tag or attribute: put it on its own line, where the portal "
                        + "puts the button with the one-time link (an attribute or a style would leak it)"
                } else if inAnchor {
                    refusal = "{{link}} may not stand inside another link: put it on its own, it renders as a button"
                } else if part == .text || part == .html {
                    // Glued to an address (`…?t={{link}}`, `{{link}}/x`) it would go to that address's owner.
                    let glued: Set<Character> = ["=", "?", "&", "/", "#", ":", "%", "+", "@", ".", "-", "_", "~"]
                    func urlish(_ character: Character) -> Bool {
                        (character.isASCII && (character.isLetter || character.isNumber)) || glued.contains(character)
                    }
                    if urlish(before) || (urlish(after) && !".-".contains(after)) {
                        refusal = "{{link}} must stand on its own, not inside another address"
                    }
                }
                if let refusal {
                    problems.append(.init(part: part, line: line, column: column, message: refusal))
                }
            }
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
        return problems
    }

    /// The tag naming `link` that starts at `index`, however it is spaced (`{{link}}`, `{{ link }}`, `{{#link}}`).
    private static func linkTag(in characters: [Character], at index: Int) -> (length: Int, isSection: Bool)? {
        guard index + 1 < characters.count, characters[index] == "{", characters[index + 1] == "{" else { return nil }
        var cursor = index + 2
        func skipSpaces() { while cursor < characters.count, characters[cursor] == " " { cursor += 1 } }
        skipSpaces()
        let isSection = cursor < characters.count && "#^/".contains(characters[cursor])
        if isSection {
            cursor += 1
            skipSpaces()
        }
        guard cursor + 4 <= characters.count, String(characters[cursor..<(cursor + 4)]) == "link" else { return nil }
        cursor += 4
        skipSpaces()
        guard cursor + 1 < characters.count, characters[cursor] == "}", characters[cursor + 1] == "}" else {
            return nil
        }
        return (cursor + 2 - index, isSection)
    }

    /// Scans the tags, then lets the Mustache parser find structural errors (unclosed sections).
    private static func check(_ source: String, part: EmailTemplateProblem.Part, variables: [EmailVariable])
        -> [EmailTemplateProblem]
    {
        var problems: [EmailTemplateProblem] = []
        let known = Set(variables.map(\.name))
        let lists = Dictionary(
            uniqueKeysWithValues: variables.filter { !$0.fields.isEmpty }.map { ($0.name, Set($0.fields)) })
        var sections: [String] = []
        let characters = Array(source)
        var index = 0
        var line = 1
        var column = 1
        func advance(_ count: Int) {
            for _ in 0..<count where index < characters.count {
                if characters[index].isNewline { line += 1; column = 1 } else { column += 1 }
                index += 1
            }
        }
        while index < characters.count {
            guard characters[index] == "{", index + 1 < characters.count, characters[index + 1] == "{" else {
                advance(1)
                continue
            }
            let (tagLine, tagColumn) = (line, column)
            func problem(_ message: String) {
                problems.append(.init(part: part, line: tagLine, column: tagColumn, message: message))
            }
            guard let close = find("}}", in: characters, from: index + 2) else {
                problem("a tag is opened with {{ but never closed")
                break
            }
            let inside = String(characters[(index + 2)..<close])
            let tagLength = close + 2 - index
            if inside.hasPrefix("{") {
                problem("unescaped output ({{{ }}}) is not allowed; use {{name}}")
            } else if let sigil = inside.trimmingCharacters(in: .whitespaces).first, "&><$=%".contains(sigil) {
                switch sigil {
                case "&": problem("unescaped output ({{& }}) is not allowed; use {{name}}")
                case ">", "<", "$": problem("partials and template inheritance are not allowed")
                case "=": problem("changing the delimiters is not allowed")
                default: problem("pragmas ({{% }}) are not allowed")
                }
            } else {
                let trimmed = inside.trimmingCharacters(in: .whitespaces)
                let sigil = trimmed.first
                let name = (sigil == "#" || sigil == "^" || sigil == "/" ? String(trimmed.dropFirst()) : trimmed)
                    .trimmingCharacters(in: .whitespaces)
                switch sigil {
                case "!":
                    break
                case "#", "^":
                    if !isKnown(name, known: known, lists: lists, sections: sections) {
                        problem("unknown variable {{\(name)}}")
                    }
                    sections.append(name)
                case "/":
                    if let last = sections.last, last == name { sections.removeLast() }
                default:
                    if !isKnown(name, known: known, lists: lists, sections: sections) {
                        problem("unknown variable {{\(name)}}")
                    }
                }
            }
            advance(tagLength)
        }
        if problems.isEmpty {
            do {
                _ = try MustacheTemplate(string: source)
            } catch let error as MustacheTemplate.ParserError {
                problems.append(
                    .init(
                        part: part, line: error.context.lineNumber, column: error.context.columnNumber,
                        message: "the template does not parse (\(describe(error.error)))"
                    ))
            } catch {
                problems.append(.init(part: part, line: 1, column: 1, message: "the template does not parse"))
            }
        }
        return problems
    }

    private static func isKnown(_ name: String, known: Set<String>, lists: [String: Set<String>], sections: [String])
        -> Bool
    {
        if known.contains(name) { return true }
        // Inside a list section, the row's fields (and `.`, the row itself) are in scope.
        for section in sections.reversed() {
            if let fields = lists[section], name == "." || fields.contains(name) { return true }
        }
        return false
    }

    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        switch text {
        case "sectionCloseNameIncorrect": return "a section is closed with the wrong name"
        case "unfinishedName": return "a tag name is not finished"
        case "expectedSectionEnd": return "a section is opened but never closed"
        default: return text
        }
    }

    private static func find(_ needle: String, in characters: [Character], from start: Int) -> Int? {
        let pattern = Array(needle)
        var index = start
        while index + pattern.count <= characters.count {
            if Array(characters[index..<index + pattern.count]) == pattern { return index }
            index += 1
        }
        return nil
    }
}
