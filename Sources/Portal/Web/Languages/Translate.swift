import Branding

/// The message `key` in the reader's language: the request's (bound by `LanguageMiddleware`) or the email's
/// recipient's (bound by the job that writes it); `{{name}}` placeholders are filled from `values`. Unbound (a unit
/// test that builds a page model by hand), the key itself comes back.
func tr(_ key: String, _ values: [String: String] = [:]) -> String {
    Localizer.current?.text(key, values) ?? key
}

/// The plural message `key` for `count` in the reader's language (its `<key>.zero` message for none, when there
/// is one); `{{count}}` is written in the locale's digits.
func trCount(_ key: String, _ count: Int, _ values: [String: String] = [:]) -> String {
    Localizer.current?.count(key, count, values) ?? key
}
