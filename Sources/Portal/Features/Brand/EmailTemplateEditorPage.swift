import Branding
import Foundation

/// `/admin/brand/emails/{name}`: the editor with its variables, problems and a preview with sample data.
package struct EmailTemplateEditorPage: Sendable {
    package struct Variable: Sendable {
        package let name: String
        package let description: String
        package let fields: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let name: String
    package let title: String
    package let purpose: String
    package let isLayout: Bool
    package let customised: Bool
    package var subject: String
    package var html: String
    package var text: String
    package let variables: [Variable]
    /// For a security email: the words on the button `{{link}}` becomes.
    package let securityButton: String?
    package var subjectProblems: [String] = []
    package var htmlProblems: [String] = []
    package var textProblems: [String] = []
    package var hasSubjectProblems = false
    package var hasHTMLProblems = false
    package var hasTextProblems = false
    package var previewSubject = ""
    package var previewText = ""
    package var hasPreview = false

    init(chrome: StorefrontChrome, csrf: String, kind: EmailKind?, template: EmailTemplate, customised: Bool) {
        self.chrome = chrome
        self.csrf = csrf
        name = kind?.name ?? EmailKind.layoutName
        title = kind?.title ?? "Layout (wraps every email)"
        purpose =
            kind?.purpose
            ?? "Your logo, colours and footer around every email. It must contain {{body}} where each email's content goes."
        isLayout = kind == nil
        self.customised = customised
        subject = template.subject
        html = template.html
        text = template.text
        securityButton = kind.flatMap { $0.isSecurity ? $0.buttonLabel : nil }
        variables = ((kind?.variables ?? EmailKind.layoutVariables) + EmailKind.common).map {
            Variable(name: $0.name, description: $0.description, fields: $0.fields.joined(separator: ", "))
        }
    }

    mutating func show(_ problems: [EmailTemplateProblem]) {
        subjectProblems = problems.filter { $0.part == .subject }.map(\.description)
        htmlProblems = problems.filter { $0.part == .html }.map(\.description)
        textProblems = problems.filter { $0.part == .text }.map(\.description)
        hasSubjectProblems = !subjectProblems.isEmpty
        hasHTMLProblems = !htmlProblems.isEmpty
        hasTextProblems = !textProblems.isEmpty
    }
}
