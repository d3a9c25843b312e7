import Foundation
import Tenancy
import Testing

@testable import Portal

/// The rules of two staff forms, without HTTP: a brand's own mail relay and a help article.
@Suite("Mail settings and help article rules")
struct SettingsRulesTests {
    static func seal(_ password: String, _ url: String, _ user: String) -> Data {
        Data("\(url)|\(user)|\(password)".utf8)
    }

    @Test("a relay must be a public host on a mail port; a stored password goes only to the relay it was given for")
    func relay() throws {
        var stored = TenantMailSettings()
        (stored.relayURL, stored.relayUser, stored.relayPassword) = (
            "smtp://mail.example.com:587", "ops", Data("old".utf8)
        )
        func update(_ url: String, user: String = "ops", password: String = "", zone: String = "Europe/London")
            throws -> (TenantMailSettings, String?, String?)
        {
            let result = try stored.updated(
                relayURL: url, user: user, password: password, timeZone: zone, allowLoopbackRelay: false,
                seal: Self.seal)
            return (result.settings, result.urlError, result.zoneError)
        }

        let same = try update("smtp://mail.example.com:587")
        #expect(same.0.relayPassword == Data("old".utf8) && same.1 == nil && same.2 == nil)
        let moved = try update("smtp://relay.example.net:587")
        #expect(moved.0.relayPassword == nil)
        let typed = try update("smtp://relay.example.net:587", password: "s3cret")
        #expect(typed.0.relayPassword == Self.seal("s3cret", typed.0.relayURL, "ops"))
        #expect(try update("smtp://127.0.0.1:2525").1?.hasPrefix("Use your mail provider's public relay") == true)
        #expect(try update("smtp://10.0.0.5:587").1?.hasPrefix("Use your mail provider's public relay") == true)
        #expect(
            try update("smtp://mail.example.com:8080").1 == "Use a mail port: 587 (STARTTLS), 465 (TLS), 25 or 2525.")
        #expect(
            try update("smtp://mail.example.com:587", zone: "Mars/Olympus").2 == "Choose a time zone from the list.")
        let platform = try update("", user: "ops", password: "ignored")
        #expect(platform.0.relayUser == "" && platform.0.relayPassword == nil && platform.1 == nil)
    }

    @Test("a help article needs a one-line title, an address, a body and one of the brand's categories")
    func article() {
        var form = KBArticleForm()
        (form.title, form.slug, form.markdown) = ("Point your domain", "point-your-domain", "Set **NS** records.")
        let categories = [KBCategory(slug: "domains", name: "Domains", position: 0)].map { category -> KBCategory in
            var category = category
            category.id = 4
            return category
        }
        #expect(form.problems(categories: categories).isEmpty)
        form.category = "4"
        #expect(form.problems(categories: categories).isEmpty)
        form.category = "9"
        #expect(form.problems(categories: categories) == ["category": "Choose one of the categories."])
        (form.title, form.slug, form.markdown, form.category) = ("Two\nlines", "Bad Slug", "  ", "")
        #expect(Set(form.problems(categories: categories).keys) == ["title", "slug", "markdown"])

        form = KBArticleForm()
        (form.title, form.slug, form.markdown) = ("Hostile", "hostile", "</textarea><script>alert(1)</script>")
        let stored = form.article(id: nil, now: Date())
        #expect(!stored.html.contains("<script>") && !stored.html.contains("</textarea>"))
    }
}
