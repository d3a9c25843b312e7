import Foundation

/// The messages and formats of one language for one request or one email: lookups fall back along a chain
/// (the language, the brand's default, English).
package struct Localizer: Sendable {
    /// The language asked for first; its locale formats numbers, prices and dates.
    package let catalog: MessageCatalog
    private let chain: [MessageCatalog]

    /// The request's (or the email's) localizer, set by the language middleware and by mail rendering, so that
    /// formatting deep in page models follows the reader's locale; nil means English.
    @TaskLocal package static var current: Localizer?

    /// The language of the customer-facing page being answered, if any: mail it causes is written in it when the
    /// recipient has not chosen one. Nil on staff pages and in background jobs.
    @TaskLocal package static var pageLanguage: String?

    /// The languages it looks in, in order ("ar>en"): equal keys translate alike, so a cache of translated text
    /// can be shared by every request with the same key.
    package let key: String

    init(chain: [MessageCatalog]) {
        self.chain = chain
        catalog = chain[0]
        key = chain.map(\.code).joined(separator: ">")
    }

    package var code: String { catalog.code }
    package var direction: TextDirection { catalog.direction }
    package var isEnglish: Bool { catalog.code == Languages.english }

    /// The message for `key` in the first language of the chain that has it, with its `{{name}}` placeholders
    /// filled from `values`; the key itself when no language has it (a test lists those).
    package func text(_ key: String, _ values: [String: String] = [:]) -> String {
        fill(message(key) ?? key, values)
    }

    /// The plural message for `count`: the form the language's `Plural-Forms` rule picks, with `{{count}}` written
    /// in the locale's digits. A `<key>.zero` message, when there is one, says "none" in words.
    package func count(_ key: String, _ count: Int, _ values: [String: String] = [:]) -> String {
        var values = values
        values["count"] = number(count)
        if count == 0, let zero = message("\(key).zero") { return fill(zero, values) }
        for catalog in chain {
            guard let forms = catalog.messages[key] else { continue }
            let form = catalog.plural.form(for: count)
            return fill(form < forms.count ? forms[form] : forms[forms.count - 1], values)
        }
        return key
    }

    /// The raw message (first form) for `key`, with its placeholders unfilled; nil when no language has it.
    package func message(_ key: String) -> String? {
        for catalog in chain {
            if let forms = catalog.messages[key], let first = forms.first { return first }
        }
        return nil
    }

    private func fill(_ message: String, _ values: [String: String]) -> String {
        guard !values.isEmpty, message.contains("{{") else { return message }
        var result = message
        for (name, value) in values {
            result = result.replacingOccurrences(of: "{{\(name)}}", with: value)
        }
        return result
    }

    // MARK: Formats

    /// A whole number in the locale's digits and grouping.
    package func number(_ value: Int) -> String {
        isEnglish ? String(value) : value.formatted(.number.locale(catalog.locale))
    }

    /// An amount in major units (`"1234.50"`) with its ISO 4217 currency, as the locale writes prices.
    package func price(major: String, currency: String, fractionDigits: Int) -> String {
        let amount = Decimal(string: major) ?? 0
        let text = amount.formatted(
            .currency(code: currency).locale(catalog.locale).precision(.fractionLength(fractionDigits))
        )
        // In right-to-left text a "$" after Latin letters ("US$") would be drawn before them ("$US"); a
        // left-to-right mark after it keeps the symbol whole.
        return direction == .rtl ? text.replacingOccurrences(of: "$", with: "$\u{200E}") : text
    }

    /// The day of `date` in `zone`, written in full: "6 December 2026", "٦ ديسمبر ٢٠٢٦".
    package func longDate(_ date: Date, in zone: TimeZone) -> String {
        var calendar = catalog.calendar
        calendar.timeZone = zone
        return date.formatted(
            Date.FormatStyle(date: .long, time: .omitted, locale: catalog.locale, calendar: calendar, timeZone: zone)
        )
    }

    /// The day and time of `date` in UTC: "26 Nov 2026, 14:05 UTC" in English.
    package func dateTime(_ date: Date) -> String {
        let zone = catalog.calendar.timeZone
        return date.formatted(
            Date.FormatStyle(
                date: .abbreviated, time: .shortened, locale: catalog.locale, calendar: catalog.calendar, timeZone: zone
            )
        ) + " UTC"
    }
}
