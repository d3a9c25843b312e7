import Foundation

/// The languages the product ships: one `<code>.po` file each in `assets/locales`. Adding a language is adding a
/// file; English (`en.po`) is required, as every key's last fallback.
package struct Languages: Sendable {
    package static let english = "en"

    /// Catalogs by code.
    package let catalogs: [String: MessageCatalog]
    /// Every (language, fallback) pair's localizer, made once: a request asks for one or two.
    private let localizers: [String: Localizer]

    package init(catalogs: [MessageCatalog]) throws(MessageCatalog.Invalid) {
        var byCode: [String: MessageCatalog] = [:]
        for catalog in catalogs { byCode[catalog.code] = catalog }
        guard byCode[Self.english] != nil else {
            throw MessageCatalog.Invalid(file: "en.po", reason: "English is required: every key falls back to it")
        }
        self.catalogs = byCode
        var localizers: [String: Localizer] = [:]
        for code in byCode.keys {
            for fallback in byCode.keys {
                localizers["\(code)|\(fallback)"] = Self.chain(code, fallback: fallback, in: byCode)
            }
        }
        self.localizers = localizers
    }

    /// Reads every `*.po` file of `directory`.
    package static func load(directory: String) throws -> Languages {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".po") }
        let catalogs = try names.sorted().map { name in
            let text = try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)
            return try MessageCatalog(code: String(name.dropLast(3)), po: text)
        }
        return try Languages(catalogs: catalogs)
    }

    /// Shipped language codes, English first.
    package var codes: [String] {
        [Self.english] + catalogs.keys.filter { $0 != Self.english }.sorted()
    }

    /// Messages in `code`, falling back to `fallback` (a brand's default language), then English. Unknown codes are
    /// English.
    package func localizer(_ code: String, fallback: String = Languages.english) -> Localizer {
        let fallback = catalogs[fallback] == nil ? Self.english : fallback
        let code = catalogs[code] == nil ? Self.english : code
        return localizers["\(code)|\(fallback)"] ?? Self.chain(code, fallback: fallback, in: catalogs)
    }

    private static func chain(_ code: String, fallback: String, in catalogs: [String: MessageCatalog]) -> Localizer {
        let english = catalogs[Self.english]!
        let primary = catalogs[code] ?? english
        var chain = [primary]
        if let second = catalogs[fallback], second.code != primary.code { chain.append(second) }
        if !chain.contains(where: { $0.code == Self.english }) { chain.append(english) }
        return Localizer(chain: chain)
    }

    /// Every key English defines that `code` does not translate: what a translator still has to do.
    package func missingKeys(in code: String) -> [String] {
        guard let catalog = catalogs[code], let english = catalogs[Self.english] else { return [] }
        return english.messages.keys.filter { catalog.messages[$0] == nil }.sorted()
    }
}
