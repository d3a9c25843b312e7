import Foundation

/// A page's body: Markdown, with blocks between `::: kind` and `:::` lines that render from our own templates.
///
/// ```
/// ::: hero
/// title: Hosting for Gulf businesses
/// text: Fast, local and supported in Arabic.
/// button: See the plans | /#products
/// :::
/// ```
/// Blocks: `hero` (title, text, button), `features` (title, `- item` lines), `pricing` (title, category or
/// products from the live catalogue), `faq` (title, `Q:`/`A:` pairs), `testimonial` (quote, author, role),
/// `contact` (title; the brand's own details) and `domain-search` (title).
enum PageBlock: Equatable, Sendable {
    case markdown(String)
    case hero(title: String, text: String, button: Link?)
    case features(title: String, items: [String])
    case pricing(title: String, category: String, products: [String])
    case faq(title: String, items: [Question])
    case testimonial(quote: String, author: String, role: String)
    case contact(title: String)
    case domainSearch(title: String)

    struct Link: Equatable, Sendable {
        let label: String
        let url: String
    }

    struct Question: Equatable, Sendable {
        let question: String
        let answer: String
    }

    static let kinds = ["hero", "features", "pricing", "faq", "testimonial", "contact", "domain-search"]

    /// A mistake in a body, with its 1-based line, said so that a writer can fix it.
    struct Problem: Error, Equatable, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "Line \(line): \(message)" }
    }

    /// The body's blocks in order; the first mistake throws.
    static func parse(_ body: String) throws(Problem) -> [PageBlock] {
        var blocks: [PageBlock] = []
        var markdown: [Substring] = []
        var open: (kind: String, line: Int, lines: [(Int, Substring)])?
        func flushMarkdown() {
            let text = markdown.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { blocks.append(.markdown(text)) }
            markdown = []
        }
        let lines = body.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let number = index + 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var current = open {
                if trimmed == ":::" {
                    blocks.append(try block(current.kind, current.lines, opened: current.line))
                    open = nil
                } else if trimmed.hasPrefix(":::") {
                    throw Problem(line: number, message: "a block cannot start inside the \(current.kind) block")
                } else {
                    current.lines.append((number, line))
                    open = current
                }
                continue
            }
            if trimmed.hasPrefix(":::") {
                let kind = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces).lowercased()
                guard !kind.isEmpty else {
                    throw Problem(line: number, message: "a block is closed that was never opened")
                }
                guard kinds.contains(kind) else {
                    throw Problem(
                        line: number,
                        message: "there is no \"\(kind)\" block; use one of: \(kinds.joined(separator: ", "))")
                }
                flushMarkdown()
                open = (kind, number, [])
                continue
            }
            markdown.append(line)
        }
        if let open { throw Problem(line: open.line, message: "the \(open.kind) block is never closed with :::") }
        flushMarkdown()
        return blocks
    }

    private static func block(_ kind: String, _ lines: [(Int, Substring)], opened: Int) throws(Problem) -> PageBlock {
        var fields: [String: String] = [:]
        var items: [String] = []
        var questions: [Question] = []
        var pendingQuestion: String?
        for (number, raw) in lines {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if kind == "features", line.hasPrefix("- ") || line.hasPrefix("* ") {
                items.append(String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces))
                continue
            }
            if kind == "faq" {
                if line.hasPrefix("Q:") {
                    if pendingQuestion != nil { throw Problem(line: number, message: "this question has no A: answer") }
                    pendingQuestion = String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                    continue
                }
                if line.hasPrefix("A:") {
                    guard let question = pendingQuestion else {
                        throw Problem(line: number, message: "an A: answer needs a Q: question before it")
                    }
                    questions.append(
                        Question(
                            question: question, answer: String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces)))
                    pendingQuestion = nil
                    continue
                }
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw Problem(line: number, message: "write \"name: value\" inside a \(kind) block")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard allowedFields[kind, default: []].contains(name) else {
                let allowed = allowedFields[kind, default: []].sorted().joined(separator: ", ")
                throw Problem(
                    line: number,
                    message: "a \(kind) block has no \"\(name)\"" + (allowed.isEmpty ? "" : "; it takes \(allowed)"))
            }
            fields[name] = value
        }
        if let pendingQuestion {
            throw Problem(line: opened, message: "the question \"\(pendingQuestion)\" has no A: answer")
        }
        let title = fields["title"] ?? ""
        switch kind {
        case "hero":
            guard !title.isEmpty else { throw Problem(line: opened, message: "a hero block needs a title") }
            var button: Link?
            if let text = fields["button"] {
                let parts = text.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw Problem(line: opened, message: "write the hero's button as \"button: Label | /address\"")
                }
                button = Link(label: parts[0], url: parts[1])
            }
            return .hero(title: title, text: fields["text"] ?? "", button: button)
        case "features":
            guard !items.isEmpty else { throw Problem(line: opened, message: "list the features as \"- item\" lines") }
            return .features(title: title, items: items)
        case "pricing":
            let products = (fields["products"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            return .pricing(title: title, category: fields["category"] ?? "", products: products)
        case "faq":
            guard !questions.isEmpty else { throw Problem(line: opened, message: "add Q: and A: lines to the faq") }
            return .faq(title: title, items: questions)
        case "testimonial":
            guard let quote = fields["quote"], !quote.isEmpty, let author = fields["author"], !author.isEmpty else {
                throw Problem(line: opened, message: "a testimonial needs a quote and an author")
            }
            return .testimonial(quote: quote, author: author, role: fields["role"] ?? "")
        case "contact":
            return .contact(title: title)
        default:
            return .domainSearch(title: title)
        }
    }

    private static let allowedFields: [String: Set<String>] = [
        "hero": ["title", "text", "button"], "features": ["title"], "pricing": ["title", "category", "products"],
        "faq": ["title"], "testimonial": ["quote", "author", "role"], "contact": ["title"],
        "domain-search": ["title"],
    ]

    /// Every address the block or Markdown links to, with the line-independent text it came from.
    var links: [String] {
        switch self {
        case .markdown(let text): Self.markdownLinks(text)
        case .hero(_, _, let button): button.map { [$0.url] } ?? []
        default: []
        }
    }

    /// `[label](address)` and `![alt](address)` targets of Markdown text.
    static func markdownLinks(_ text: String) -> [String] {
        var links: [String] = []
        var rest = text[...]
        while let close = rest.range(of: "](") {
            let after = rest[close.upperBound...]
            guard let end = after.firstIndex(of: ")") else { break }
            let target = after[..<end].split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            links.append(target.trimmingCharacters(in: CharacterSet(charactersIn: "<>")))
            rest = after[end...]
        }
        return links
    }
}
