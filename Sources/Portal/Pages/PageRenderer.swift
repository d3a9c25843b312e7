import Foundation
import Mustache

/// Renders the Mustache page templates in `assets/templates` (one folder per area).
package struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// Templates are named by their path (`storefront/home`). Mustache tags cannot contain `/`, so each is
    /// also registered as `storefront_home` for use as a parent or partial (`{{<storefront_layout}}`).
    package init(directory: String) async throws {
        var library = try await MustacheLibrary(directory: directory)
        for name in Self.templateNames(in: directory) where name.contains("/") {
            if let template = library.getTemplate(named: name) {
                library.register(template, named: name.replacingOccurrences(of: "/", with: "_"))
            }
        }
        self.library = library
        for required in Self.requiredTemplates where library.getTemplate(named: required) == nil {
            throw PortalError.missingTemplate(required)
        }
    }

    private static func templateNames(in directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var names: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".mustache") { names.append(String(path.dropLast(".mustache".count))) }
        }
        return names
    }

    static let requiredTemplates = [
        "storefront/home", "storefront/error", "errors/neutral", "account/login", "account/signup", "account/forgot",
        "account/reset", "account/message", "account/home", "account/security", "admin/home", "admin/staff",
        "admin/audit", "admin/mailbox", "account/two-factor-setup", "account/two-factor-status",
        "account/recovery-codes", "account/two-factor-challenge", "platform/home", "platform/audit",
    ]

    /// Renders `template` with a typed view model.
    package func render(_ page: some Sendable, template: String) throws -> String {
        guard let html = library.render(page, withTemplate: template) else {
            throw PortalError.missingTemplate(template)
        }
        return html
    }
}
