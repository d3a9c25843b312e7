/// The three parts of an email template as written: a one-line subject, an HTML part and a text part.
/// The layout is a template too (its subject is empty and unused).
package struct EmailTemplate: Sendable, Equatable, Codable {
    package var subject: String
    package var html: String
    package var text: String

    package init(subject: String, html: String, text: String) {
        self.subject = subject
        self.html = html
        self.text = text
    }
}

/// A problem in a template, located by part, line and column (1-based).
package struct EmailTemplateProblem: Sendable, Equatable, CustomStringConvertible {
    package enum Part: String, Sendable { case subject, html = "HTML part", text = "text part" }

    package let part: Part
    package let line: Int
    package let column: Int
    package let message: String

    package var description: String {
        part == .subject
            ? "Subject, column \(column): \(message)"
            : "\(part.rawValue.prefix(1).uppercased() + part.rawValue.dropFirst()), line \(line), column \(column): \(message)"
    }
}
