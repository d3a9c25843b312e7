import Branding
import Foundation
import Mustache
import Synchronization

/// Renders the Mustache page templates in `assets/templates` (one folder per area), in every shipped language.
///
/// Each template's `[[key]]` markers are filled with one language's messages when it is compiled, so there is one
/// parsed library per language and rendering costs the same in every language. `portal serve` compiles every
/// language at start (a broken translation stops it there); with `eager: false` (the tests, which build hundreds of
/// servers) a language other than English is compiled the first time a page asks for it.
package struct PageRenderer: Sendable {
    private let sources: [(name: String, source: String)]
    private let libraries: Libraries
    package let languages: Languages

    /// The compiled libraries by language; one is added at most once per language.
    private final class Libraries: Sendable {
        let compiled: Mutex<[String: MustacheLibrary]>
        init(_ compiled: [String: MustacheLibrary]) { self.compiled = Mutex(compiled) }
    }

    /// Templates are named by their path (`storefront/home`). Mustache tags cannot contain `/`, so each is
    /// also registered as `storefront_home` for use as a parent or partial (`{{<storefront_layout}}`).
    package init(directory: String, languages: Languages, eager: Bool = true) async throws {
        let sources = try Self.templateNames(in: directory).map { name in
            (name: name, source: try String(contentsOfFile: "\(directory)/\(name).mustache", encoding: .utf8))
        }
        var compiled: [String: MustacheLibrary] = [:]
        for code in eager ? languages.codes : [Languages.english] {
            compiled[code] = try Self.compile(sources, in: languages.localizer(code))
        }
        self.sources = sources
        self.libraries = Libraries(compiled)
        self.languages = languages
    }

    private static func compile(_ sources: [(name: String, source: String)], in localizer: Localizer) throws
        -> MustacheLibrary
    {
        var library = MustacheLibrary()
        for (name, source) in sources {
            let translated = TemplateMessages.translate(source, with: localizer, escapeHTML: true)
            let template = try MustacheTemplate(string: translated)
            library.register(template, named: name)
            if name.contains("/") {
                library.register(template, named: name.replacingOccurrences(of: "/", with: "_"))
            }
        }
        for required in Self.requiredTemplates where library.getTemplate(named: required) == nil {
            throw PortalError.missingTemplate(required)
        }
        return library
    }

    /// The library of `code` (English for a language that does not ship), compiled on first use when not at start.
    private func library(_ code: String) throws -> MustacheLibrary {
        let code = languages.catalogs[code] == nil ? Languages.english : code
        if let library = libraries.compiled.withLock({ $0[code] }) { return library }
        let library = try Self.compile(sources, in: languages.localizer(code))
        libraries.compiled.withLock { $0[code] = library }
        return library
    }

    private static func templateNames(in directory: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var names: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".mustache") { names.append(String(path.dropLast(".mustache".count))) }
        }
        return names.sorted()
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
        try render(tree: Self.tree(page) ?? [String: Any](), template: template)
    }

    /// Renders an `Encodable` view model: its tree is built by its own `encode(to:)` (`PageTreeEncoder`), without
    /// reflection; the same tree as the reflecting `render`.
    package func render(_ page: some Sendable & Encodable, template: String) throws -> String {
        try render(tree: PageTreeEncoder.tree(page) ?? [String: Any](), template: template)
    }

    private func render(tree root: Any, template: String) throws -> String {
        // The page's language is its chrome's: set per request by the language middleware.
        let chrome = (root as? [String: Any])?["chrome"] as? [String: Any]
        let code = chrome?["language"] as? String ?? Languages.english
        guard let html = try library(code).render(root, withTemplate: template) else {
            throw PortalError.missingTemplate(template)
        }
        if let prefix = chrome?["languagePrefix"] as? String, !prefix.isEmpty {
            return LanguagePrefix.apply(
                prefix, to: html, offered: (chrome?["languageCodes"] as? [Any])?.compactMap { $0 as? String } ?? [])
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
