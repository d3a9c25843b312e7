import Foundation

/// Which way a language's text runs; pages carry it as `dir`.
package enum TextDirection: String, Sendable {
    case ltr, rtl
}

/// One shipped language: its messages by key and what the PO header says about it.
///
/// The header carries everything that would otherwise be code: `Language`, `Plural-Forms`, and the
/// `X-Language-Name` (the language's name in itself, for the switcher), `X-Text-Direction` (`rtl` or `ltr`) and
/// `X-Locale` (the locale numbers, prices and dates are formatted in) extension fields.
///
/// A class, shared by every localizer that falls back to it: a request carries its localizer from middleware to
/// middleware, and copying a reference is cheaper than copying the catalog's every field.
package final class MessageCatalog: Sendable {
    package let code: String
    package let name: String
    package let direction: TextDirection
    package let locale: Locale
    package let plural: PluralRule
    /// Translated forms by key: one for a plain message, `plural.count` for a plural one. Untranslated keys are absent.
    package let messages: [String: [String]]
    /// Calendars in the locale, UTC: month names and day numbers for pages and emails.
    package let calendar: Calendar

    package struct Invalid: Error, CustomStringConvertible {
        package let file: String
        package let reason: String
        package var description: String { "\(file): \(reason)" }
    }

    /// Reads a catalog; `code` is the file's name (`ar` for `ar.po`) and must match its `Language` header.
    package init(code: String, po text: String) throws(Invalid) {
        let file: POFile
        do { file = try POFile(parsing: text) } catch { throw Invalid(file: "\(code).po", reason: "\(error)") }
        guard Self.isLanguageCode(code) else {
            throw Invalid(file: "\(code).po", reason: "the file name is not a language code such as ar or pt-br")
        }
        let stated = (file.header["Language"] ?? "").lowercased().replacingOccurrences(of: "_", with: "-")
        guard stated == code else {
            throw Invalid(file: "\(code).po", reason: "its Language header says \"\(stated)\"")
        }
        var plural = PluralRule.germanic
        if let header = file.header["Plural-Forms"] {
            do {
                plural = try PluralRule(header)
            } catch {
                throw Invalid(file: "\(code).po", reason: "Plural-Forms: \(error.reason)")
            }
        }
        guard let direction = TextDirection(rawValue: file.header["X-Text-Direction"] ?? "ltr") else {
            throw Invalid(file: "\(code).po", reason: "X-Text-Direction must be ltr or rtl")
        }
        var messages: [String: [String]] = [:]
        for entry in file.entries where entry.forms.contains(where: { !$0.isEmpty }) {
            if entry.isPlural, entry.forms.count != plural.count {
                throw Invalid(
                    file: "\(code).po",
                    reason: "\(entry.key) has \(entry.forms.count) plural forms, Plural-Forms says \(plural.count)"
                )
            }
            messages[entry.key] = entry.forms
        }
        self.code = code
        self.name = file.header["X-Language-Name"] ?? code
        self.direction = direction
        self.locale = Locale(identifier: file.header["X-Locale"] ?? code)
        self.plural = plural
        self.messages = messages
        var calendar = Calendar(identifier: .gregorian)
        calendar.locale = locale
        calendar.timeZone = TimeZone(identifier: "UTC")!
        self.calendar = calendar
    }

    /// `en`, `ar`, `pt-br`: what a path prefix and a brand's settings may name.
    package static func isLanguageCode(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts[0].count == 2 || parts[0].count == 3 else { return false }
        if parts.count == 2, !(2...4).contains(parts[1].count) { return false }
        return text.allSatisfy { ("a"..."z").contains($0) || $0 == "-" }
    }
}
