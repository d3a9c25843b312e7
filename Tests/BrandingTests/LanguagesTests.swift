import Foundation
import TestSupport
import Testing

@testable import Branding

/// Message catalogs: the PO reader, plural rules, fallback, template markers and the shipped English and Arabic.
@Suite("Languages")
struct LanguagesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let locales = repository.appendingPathComponent("assets/locales").path

    static func catalog(_ code: String, _ body: String, plural: String = "nplurals=2; plural=(n != 1);") throws
        -> MessageCatalog
    {
        try MessageCatalog(
            code: code,
            po: """
                msgid ""
                msgstr ""
                "Language: \(code)\\n"
                "Plural-Forms: \(plural)\\n"

                \(body)
                """)
    }

    @Test("a PO file is read as GNU gettext writes it: header, continued strings, escapes, plurals, obsolete entries")
    func readsPO() throws {
        let file = try POFile(
            parsing: """
                # a comment
                msgid ""
                msgstr ""
                "Language: ar\\n"
                "X-Text-Direction: rtl\\n"

                #: storefront/home.mustache
                msgctxt "menu"
                msgid "home.title"
                msgstr "Hello "
                "\\"world\\"\\n\\tand \\\\ more"

                msgid "home.count"
                msgid_plural "home.count"
                msgstr[0] "one"
                msgstr[1] "many"

                #~ msgid "old.key"
                #~ msgstr "gone"
                """)
        #expect(file.header["Language"] == "ar")
        #expect(file.header["X-Text-Direction"] == "rtl")
        #expect(file.entries.count == 2)
        #expect(file.entries[0] == .init(key: "home.title", forms: ["Hello \"world\"\n\tand \\ more"], isPlural: false))
        #expect(file.entries[1] == .init(key: "home.count", forms: ["one", "many"], isPlural: true))
    }

    @Test("a broken PO file is refused with its line and what is wrong")
    func refusesBrokenPO() {
        #expect(throws: POFile.SyntaxError(line: 1, reason: "msgid_plural before msgid")) {
            try POFile(parsing: "msgid_plural \"a.b\"")
        }
        #expect(throws: POFile.SyntaxError(line: 3, reason: "msgstr without a singular msgid")) {
            try POFile(parsing: "msgid \"a.b\"\nmsgid_plural \"a.b\"\nmsgstr \"x\"")
        }
        #expect(throws: POFile.SyntaxError(line: 1, reason: "expected a quoted string")) {
            try POFile(parsing: "msgid a.b")
        }
        #expect(throws: POFile.SyntaxError(line: 2, reason: "unknown escape \\q")) {
            try POFile(parsing: "msgid \"a.b\"\nmsgstr \"\\q\"")
        }
        #expect(throws: POFile.SyntaxError(line: 1, reason: "a string outside any entry")) {
            try POFile(parsing: "\"loose\"")
        }
    }

    @Test("Arabic's six plural forms come from its Plural-Forms rule, English's two from its own")
    func pluralRules() throws {
        let arabic = try PluralRule(
            "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);")
        let forms = [0, 1, 2, 3, 10, 11, 99, 100, 101, 102, 103, 111, 1000].map(arabic.form(for:))
        #expect(forms == [0, 1, 2, 3, 3, 4, 4, 5, 5, 5, 3, 4, 5])
        #expect([0, 1, 2, 5].map(PluralRule.germanic.form(for:)) == [1, 0, 1, 1])
        #expect(throws: PluralRule.Invalid(reason: "( without )")) { try PluralRule("nplurals=2; plural=(n != 1;") }
        #expect(throws: PluralRule.Invalid(reason: "nplurals must be 1 to 6")) {
            try PluralRule("nplurals=9; plural=0;")
        }
    }

    @Test("a missing key falls back to the brand's default language, then English; a count reads in words for none")
    func fallback() throws {
        let english = try Self.catalog(
            "en",
            """
            msgid "a.only_english"
            msgstr "English only"

            msgid "a.both"
            msgstr "Both (en)"

            msgid "a.items"
            msgid_plural "a.items"
            msgstr[0] "{{count}} item"
            msgstr[1] "{{count}} items"

            msgid "a.items.zero"
            msgstr "No items"
            """)
        let french = try Self.catalog(
            "fr",
            """
            msgid "a.both"
            msgstr "Les deux"

            msgid "a.default_only"
            msgstr "Défaut"
            """, plural: "nplurals=2; plural=(n > 1);")
        let arabic = try Self.catalog("ar", "msgid \"a.untranslated\"\nmsgstr \"\"")
        let languages = try Languages(catalogs: [english, french, arabic])
        let reader = languages.localizer("ar", fallback: "fr")
        #expect(reader.text("a.both") == "Les deux")
        #expect(reader.text("a.default_only") == "Défaut")
        #expect(reader.text("a.only_english") == "English only")
        #expect(reader.text("a.untranslated") == "a.untranslated")
        #expect(reader.text("a.nowhere") == "a.nowhere")
        let english2 = languages.localizer("en")
        #expect(english2.count("a.items", 1) == "1 item")
        #expect(english2.count("a.items", 2) == "2 items")
        #expect(english2.count("a.items", 0) == "No items")
        #expect(languages.localizer("xx").code == "en")
        #expect(languages.missingKeys(in: "fr") == ["a.items", "a.items.zero", "a.only_english"])
    }

    @Test("a catalog without English, or whose Language header disagrees with its name, is refused")
    func refusesBadCatalogs() throws {
        #expect(throws: MessageCatalog.Invalid.self) { try Languages(catalogs: [try Self.catalog("ar", "")]) }
        #expect(throws: MessageCatalog.Invalid.self) {
            try MessageCatalog(code: "ar", po: "msgid \"\"\nmsgstr \"\"\n\"Language: fr\\n\"\n")
        }
        #expect(throws: MessageCatalog.Invalid.self) {
            try Self.catalog("en", "msgid \"a.b\"\nmsgid_plural \"a.b\"\nmsgstr[0] \"x\"")
        }
    }

    @Test("markers are filled before parsing: text escaped for HTML, Mustache tags kept, built-in language facts")
    func templateMarkers() throws {
        let english = try Self.catalog(
            "en",
            """
            msgid "t.greeting"
            msgstr "Hello {{name}} & <friends>"
            """)
        let languages = try Languages(catalogs: [english, try Self.catalog("ar", "", plural: "nplurals=1; plural=0;")])
        let source = #"<html lang="[[language.code]]"><p title="[[t.greeting]]">[[t.greeting]]</p> [[not a key]]"#
        let html = TemplateMessages.translate(source, with: languages.localizer("en"), escapeHTML: true)
        #expect(
            html
                == #"<html lang="en"><p title="Hello {{name}} &amp; &lt;friends&gt;">Hello {{name}} &amp; &lt;friends&gt;</p> [[not a key]]"#
        )
        let text = TemplateMessages.translate("[[t.greeting]]", with: languages.localizer("en"), escapeHTML: false)
        #expect(text == "Hello {{name}} & <friends>")
        #expect(
            TemplateMessages.translate("[[language.direction]]", with: languages.localizer("ar"), escapeHTML: true)
                == "ltr")
        #expect(TemplateMessages.keys(in: source) == ["t.greeting", "t.greeting"])
    }

    @Test("the shipped catalogs: valid for GNU msgfmt, Arabic right to left with six forms, nothing missing in any")
    func shippedCatalogs() async throws {
        let languages = try Languages.load(directory: Self.locales)
        #expect(languages.codes.starts(with: ["en"]))
        #expect(languages.catalogs["ar"]?.direction == .rtl)
        #expect(languages.catalogs["ar"]?.plural.count == 6)
        #expect(languages.catalogs["ar"]?.name == "العربية")
        // The list a translator works from: every key English has that a shipped language does not.
        for code in languages.codes {
            let missing = languages.missingKeys(in: code)
            #expect(missing.isEmpty, "\(code).po lacks \(missing.count) keys: \(missing.joined(separator: ", "))")
        }
        for code in languages.codes {
            let (termination, _, error) = await
                (try ChildProcess(
                    "/usr/bin/msgfmt", ["--check", "-o", "/dev/null", "\(Self.locales)/\(code).po"],
                    standardError: .capture
                )).run()
            #expect(
                termination == .exited(0),
                "msgfmt --check refuses \(code).po: \(String(decoding: error, as: UTF8.self))")
        }
    }

    @Test("every [[key]] in the storefront, customer area and email templates has an English message")
    func templatesUseKnownKeys() throws {
        let languages = try Languages.load(directory: Self.locales)
        let english = try #require(languages.catalogs["en"])
        var unknown: [String] = []
        for folder in ["assets/templates", "assets/email"] {
            let root = Self.repository.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
            for file in files where file.hasSuffix(".mustache") {
                let source = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
                for key in TemplateMessages.keys(in: source) where english.messages[key] == nil {
                    unknown.append("\(folder)/\(file): \(key)")
                }
            }
        }
        #expect(unknown.isEmpty, "unknown keys: \(unknown)")
    }

    @Test("numbers, prices and dates follow the locale: Arabic names its months and writes prices its own way")
    func localeFormats() throws {
        let languages = try Languages.load(directory: Self.locales)
        let arabic = languages.localizer("ar")
        let price = arabic.price(major: "1234.50", currency: "USD", fractionDigits: 2)
        #expect(price.contains("US$") && !price.hasPrefix("US$"), "\(price)")
        #expect(price.contains("1,234.50") || price.contains("١٬٢٣٤٫٥٠"), "\(price)")
        let december = try #require(
            Calendar(identifier: .gregorian).date(from: DateComponents(timeZone: .gmt, year: 2026, month: 12, day: 6)))
        #expect(arabic.longDate(december, in: .gmt).contains("ديسمبر"))
        #expect(languages.localizer("en").longDate(december, in: .gmt).contains("December"))
    }
}
