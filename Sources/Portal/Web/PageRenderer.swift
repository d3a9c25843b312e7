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
        "platform/operations", "platform/tenant",
    ]

    /// Renders `template` with a typed view model.
    ///
    /// The model is turned into dictionaries and arrays once, first: the library otherwise looks every variable up by
    /// reflecting over the model again (a `Mirror` per lookup, per level of the context stack), which cost more
    /// than everything else on a signed-in page put together.
    package func render(_ page: some Sendable, template: String) throws -> String {
        let root = Self.tree(page) ?? [String: Any]()
        guard let html = library.render(root, withTemplate: template) else {
            throw PortalError.missingTemplate(template)
        }
        return html
    }

    /// A view model as `[String: Any]` (structs), `[Any]` (arrays) and plain values; nil optionals are left out.
    static func tree(_ value: Any) -> Any? {
        switch value {
        case is String, is Bool, is Int, is Int64, is Double, is Substring: return value
        case let dictionary as [String: String]: return dictionary
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let wrapped = mirror.children.first else { return nil }
            return tree(wrapped.value)
        case .struct, .class:
            var fields: [String: Any] = [:]
            for child in mirror.children {
                guard let label = child.label, let converted = tree(child.value) else { continue }
                fields[label] = converted
            }
            return fields
        case .collection, .set:
            return mirror.children.compactMap { tree($0.value) }
        case .dictionary:
            var fields: [String: Any] = [:]
            for child in mirror.children {
                let pair = Mirror(reflecting: child.value).children.map(\.value)
                guard pair.count == 2, let key = pair[0] as? String, let converted = tree(pair[1]) else { continue }
                fields[key] = converted
            }
            return fields
        default:
            return value
        }
    }
}

/// An empty string is "nothing" in a template section, as in every other Mustache: `{{#domain}}…{{/domain}}`
/// shows nothing, and `{{^domain}}` its alternative, when the domain is "".
extension String: @retroactive MustacheCustomRenderable {
    public var renderText: String { self }
    public var isNull: Bool { isEmpty }
}
