import Foundation

/// The default templates shipped in `assets/email` (`<name>.subject|html|text.mustache`, and the layout),
/// loaded and validated once at start, so a broken default stops the server instead of a customer's email.
package struct EmailDefaults: Sendable {
    package let layout: EmailTemplate
    private let templates: [String: EmailTemplate]

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

    package init(directory: String) throws {
        func read(_ file: String) throws -> String {
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else { throw LoadError.missing(path) }
            return String(decoding: data, as: UTF8.self)
        }
        layout = EmailTemplate(
            subject: "", html: try read("layout.html.mustache"), text: try read("layout.text.mustache"))
        let layoutProblems = EmailTemplateValidator.validate(layout, for: nil)
        guard layoutProblems.isEmpty else { throw LoadError.invalid("layout", layoutProblems) }
        var templates: [String: EmailTemplate] = [:]
        for kind in EmailKind.all {
            let template = EmailTemplate(
                subject: try read("\(kind.name).subject.mustache").trimmingCharacters(in: .whitespacesAndNewlines),
                html: try read("\(kind.name).html.mustache"), text: try read("\(kind.name).text.mustache")
            )
            let problems = EmailTemplateValidator.validate(template, for: kind)
            guard problems.isEmpty else { throw LoadError.invalid(kind.name, problems) }
            templates[kind.name] = template
        }
        self.templates = templates
    }

    /// The shipped template of `kind`.
    package func template(_ kind: EmailKind) -> EmailTemplate {
        templates[kind.name]!
    }
}
