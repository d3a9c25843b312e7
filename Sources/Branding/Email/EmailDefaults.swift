import Foundation

/// The default templates shipped in `assets/email` (`<name>.subject|html|text.mustache`, and the layout),
/// loaded and validated once at start, so a broken default stops the server instead of a customer's email.
///
/// Their `[[key]]` message markers are filled in every shipped language at start (HTML-escaped in the HTML part),
/// and each language's templates are validated like the English ones.
package struct EmailDefaults: Sendable {
    /// The English layout, as the editor shows it.
    package var layout: EmailTemplate { layout(in: Languages.english) }
    private let layouts: [String: EmailTemplate]
    private let templates: [String: [String: EmailTemplate]]

    package enum LoadError: Error, CustomStringConvertible {
        case missing(String)
        case invalid(String, [EmailTemplateProblem])

        package var description: String {
            switch self {
            case .missing(let file): "the default email template \(file) is missing"
            case .invalid(let name, let problems):
                "the default email template \(name) is invalid: \(problems.map(\.description).joined(separator: "; "))"
            }
        }
    }

    package init(directory: String, languages: Languages) throws {
        func read(_ file: String) throws -> String {
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else { throw LoadError.missing(path) }
            return String(decoding: data, as: UTF8.self)
        }
        let layoutSource = EmailTemplate(
            subject: "", html: try read("layout.html.mustache"), text: try read("layout.text.mustache"))
        var sources: [String: EmailTemplate] = [:]
        for kind in EmailKind.all {
            sources[kind.name] = EmailTemplate(
                subject: try read("\(kind.name).subject.mustache").trimmingCharacters(in: .whitespacesAndNewlines),
                html: try read("\(kind.name).html.mustache"), text: try read("\(kind.name).text.mustache")
            )
        }
        var layouts: [String: EmailTemplate] = [:]
        var templates: [String: [String: EmailTemplate]] = [:]
        for code in languages.codes {
            let localizer = languages.localizer(code)
            let layout = Self.translate(layoutSource, localizer)
            let layoutProblems = EmailTemplateValidator.validate(layout, for: nil)
            guard layoutProblems.isEmpty else { throw LoadError.invalid("layout (\(code))", layoutProblems) }
            layouts[code] = layout
            for kind in EmailKind.all {
                let template = Self.translate(sources[kind.name]!, localizer)
                let problems = EmailTemplateValidator.validate(template, for: kind)
                guard problems.isEmpty else { throw LoadError.invalid("\(kind.name) (\(code))", problems) }
                templates[code, default: [:]][kind.name] = template
            }
        }
        self.layouts = layouts
        self.templates = templates
    }

    private static func translate(_ template: EmailTemplate, _ localizer: Localizer) -> EmailTemplate {
        EmailTemplate(
            subject: TemplateMessages.translate(template.subject, with: localizer, escapeHTML: false),
            html: TemplateMessages.translate(template.html, with: localizer, escapeHTML: true),
            text: TemplateMessages.translate(template.text, with: localizer, escapeHTML: false))
    }

    /// The shipped layout in `language` (English when it does not ship).
    package func layout(in language: String) -> EmailTemplate {
        layouts[language] ?? layouts[Languages.english]!
    }

    /// The shipped template of `kind` in `language` (English when it does not ship).
    package func template(_ kind: EmailKind, in language: String) -> EmailTemplate {
        (templates[language] ?? templates[Languages.english]!)[kind.name]!
    }

    /// The shipped template of `kind`.
    package func template(_ kind: EmailKind) -> EmailTemplate {
        template(kind, in: Languages.english)
    }
}
