import Branding
import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Offers Arabic besides English on `slug` (English the default unless `defaultLanguage` says otherwise), with an
/// Arabic tagline and an Arabic name for a product.
func offerArabic(_ dependencies: PortalDependencies, tenant slug: String = "acme", defaultLanguage: String = "en")
    async throws
{
    let tenant = try dependencies.registryTenant(slug)
    try await dependencies.databases.withDatabase(for: tenant) { database in
        try database.updateBrandNow {
            $0.defaultLanguage = defaultLanguage
            $0.languages = defaultLanguage == "ar" ? ["ar", "en"] : ["en", "ar"]
            $0.tagline = "Hosting that just works"
            $0.taglines = ["ar": "استضافة تعمل ببساطة"]
            $0.currency = "USD"
        }
    }
    dependencies.storefront.invalidate(tenant)
}

@Suite("Languages on the storefront")
struct LanguageTests {
    static func acceptLanguage(_ value: String) -> HTTPFields { [HTTPField.Name("Accept-Language")!: value] }

    @Test(
        "the path prefix chooses the language; the page says lang and dir, links keep the prefix, alternates name all")
    func pathPrefix() async throws {
        try await withPortal { client, dependencies in
            try await offerArabic(dependencies)
            let arabic = try await client.get("/ar/", host: "acme.localhost")
            #expect(arabic.status == .ok)
            let html = String(buffer: arabic.body)
            #expect(html.contains(#"<html lang="ar" dir="rtl">"#))
            #expect(html.contains("انتقل إلى المحتوى الرئيسي"), "the skip link in Arabic")
            #expect(html.contains("استضافة تعمل ببساطة"), "the Arabic tagline")
            #expect(html.contains(#"href="/ar/help""#) && html.contains(#"href="/ar/domains/search""#))
            #expect(!html.contains(#"href="/help""#), "no local link loses the prefix")
            #expect(html.contains(#"href="/static/"#) || html.contains("/static/base.css"), "files are not prefixed")
            #expect(html.contains(#"<link rel="alternate" hreflang="en" href="http://acme.localhost/en/">"#))
            #expect(html.contains(#"<link rel="alternate" hreflang="ar" href="http://acme.localhost/ar/">"#))
            #expect(html.contains(#"hreflang="x-default" href="http://acme.localhost/""#))
            #expect(html.contains(#"<a href="/en/" lang="en" hreflang="en">English</a>"#), "the switcher, no script")
            #expect(html.contains(#"<a href="/ar/" lang="ar" hreflang="ar" aria-current="true">العربية</a>"#))
            let english = String(buffer: try await client.get("/en/help", host: "acme.localhost").body)
            #expect(english.contains(#"<html lang="en" dir="ltr">"#) && english.contains("Help centre"))
            // A language the brand does not offer is no prefix at all: that page does not exist.
            #expect(try await client.get("/fr/", host: "acme.localhost").status == .notFound)
        }
    }

    @Test("without a prefix: Accept-Language, else the brand's default; the answer varies on Accept-Language")
    func negotiation() async throws {
        try await withPortal { client, dependencies in
            try await offerArabic(dependencies)
            let browser = try await client.get(
                "/help", host: "acme.localhost", headers: Self.acceptLanguage("fr-FR;q=1, ar-SA;q=0.8, en;q=0.5"))
            #expect(String(buffer: browser.body).contains(#"<html lang="ar" dir="rtl">"#))
            #expect(browser.headers[values: .vary].contains("Accept-Language"))
            let refused = try await client.get(
                "/help", host: "acme.localhost", headers: Self.acceptLanguage("ar;q=0, de"))
            #expect(String(buffer: refused.body).contains(#"<html lang="en" dir="ltr">"#))
            try await offerArabic(dependencies, defaultLanguage: "ar")
            let plain = try await client.get("/help", host: "acme.localhost")
            #expect(String(buffer: plain.body).contains(#"<html lang="ar" dir="rtl">"#), "the brand's default")
        }
    }

    @Test("a signed-in customer's saved language beats the browser's; the path beats both; a bad choice is refused")
    func savedChoice() async throws {
        try await withPortal { client, dependencies in
            try await offerArabic(dependencies)
            _ = try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            try await signIn(browser)
            let before = try await browser.get("/account/profile", headers: Self.acceptLanguage("en"))
            #expect(before.text.contains(#"<html lang="en""#))
            let refused = try await browser.post("/account/language", ["language": "de"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("Choose one of the languages offered."))
            let stored = try await dependencies.accounts("acme") {
                try await $0.account(kind: Account.Kind.customer, email: "ada@example.com")
            }
            #expect(stored?.language == "", "nothing is saved")
            let saved = try await browser.post("/account/language", ["language": "ar"])
            #expect(saved.status == .seeOther)
            #expect(saved.headers[.location] == "/ar/account/profile?done=language")
            let after = try await browser.get("/account/profile", headers: Self.acceptLanguage("en"))
            #expect(after.text.contains(#"<html lang="ar" dir="rtl">"#), "the saved choice over the browser's")
            let landed = try await browser.get(try #require(saved.headers[.location]))
            #expect(landed.text.contains("تم حفظ لغتك") && landed.text.contains(#"<html lang="ar" dir="rtl">"#))
            let path = try await browser.get("/en/account/profile")
            #expect(path.text.contains(#"<html lang="en""#), "the address over the saved choice")
        }
    }

    @Test("a form posted from an Arabic page lands on an Arabic page")
    func redirectsKeepThePrefix() async throws {
        try await withPortal { client, dependencies in
            try await offerArabic(dependencies)
            _ = try await makeAccount(dependencies)
            let browser = TestBrowser(client, host: "acme.localhost")
            let form = try await browser.get("/ar/login")
            #expect(form.text.contains(#"action="/ar/login""#))
            let signedIn = try await browser.post(
                "/ar/login", ["email": "ada@example.com", "password": "correct horse battery"])
            #expect(signedIn.status == .seeOther)
            #expect(
                signedIn.headers[.location]?.hasPrefix("/ar/account") == true, "\(signedIn.headers[.location] ?? "")")
        }
    }

    @Test("prices, product words and dates follow the page's language; English pages are as they were")
    func localeFormats() async throws {
        try await withPortal { client, dependencies in
            try await ProvisioningTests.addProducts(dependencies)
            try await offerArabic(dependencies)
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                let product = try #require(try await database.catalogue.entry(slug: "cloud-medium")?.product.id)
                try await database.catalogue.saveTranslations(
                    ["ar": ProductText(name: "خادم سحابي متوسط", features: "نسخ احتياطي يومي")], of: product)
            }
            dependencies.storefront.invalidate(tenant)
            let arabic = String(buffer: try await client.get("/ar/products/cloud-medium", host: "acme.localhost").body)
            #expect(arabic.contains("خادم سحابي متوسط"))
            #expect(arabic.contains("نسخ احتياطي يومي"))
            // ICU's Arabic: the amount first, a no-break space, then the currency ("‏14.99 US$").
            #expect(
                arabic.contains("14.99\u{00A0}US$") || arabic.contains("١٤٫٩٩\u{00A0}US$"),
                "the price written the Arabic way")
            #expect(!arabic.contains("$14.99"))
            let english = String(buffer: try await client.get("/products/cloud-medium", host: "acme.localhost").body)
            #expect(english.contains("Cloud Medium") && english.contains("$14.99"))
        }
    }

    @Test("emails follow the customer's language and direction")
    func arabicEmail() async throws {
        try await withPortal { client, dependencies in
            try await offerArabic(dependencies)
            _ = try await makeAccount(dependencies)
            try await dependencies.accounts("acme") { store in
                let account = try #require(try await store.account(kind: .customer, email: "ada@example.com"))
                try await store.setLanguage("ar", for: account.id)
            }
            let browser = TestBrowser(client, host: "acme.localhost")
            try await browser.get("/forgot-password")
            let asked = try await browser.post("/forgot-password", ["email": "ada@example.com"])
            #expect(asked.status == .seeOther || asked.status == .ok)
            let mail = try #require(try await dependencies.outbox("acme").first)
            #expect((mail.htmlBody ?? "").contains(#"<html lang="ar" dir="rtl">"#))
            #expect(mail.subject.contains("كلمة المرور"), "\(mail.subject)")
            #expect((mail.htmlBody ?? "").contains("اختر كلمة مرور جديدة"), "the button in Arabic")
        }
    }

    @Test("every page template compiles in every shipped language, as `portal serve` does at start")
    func everyLanguageCompiles() async throws {
        let renderer = try await PageRenderer(
            directory: TestPaths.assets + "/templates", languages: TestLanguages.shipped, eager: true)
        #expect(renderer.languages.codes == ["en", "ar"])
    }

    @Test("a page cached for /en/ never serves the plain address: the home page of a one-language brand")
    func prefixedVariantIsItsOwn() async throws {
        try await withPortal { client, _ in
            let prefixed = String(buffer: try await client.get("/en/", host: "acme.localhost").body)
            #expect(prefixed.contains(#"href="/en/help""#))
            let plain = String(buffer: try await client.get("/", host: "acme.localhost").body)
            #expect(plain.contains(#"href="/help""#) && !plain.contains(#"href="/en/"#))
        }
    }

    @Test("one brand's languages never reach another: an English-only brand has no /ar/ and no switcher")
    func crossTenant() async throws {
        try await withPortal { client, dependencies in
            try await offerArabic(dependencies, tenant: "acme")
            #expect(try await client.get("/ar/", host: "globex.localhost").status == .notFound)
            let globex = String(
                buffer: try await client.get("/", host: "globex.localhost", headers: Self.acceptLanguage("ar")).body)
            #expect(globex.contains(#"<html lang="en" dir="ltr">"#))
            #expect(!globex.contains("hreflang"))
            #expect(!globex.contains("language-switch"))
            let acme = String(
                buffer: try await client.get("/", host: "acme.localhost", headers: Self.acceptLanguage("ar")).body)
            #expect(acme.contains(#"<html lang="ar" dir="rtl">"#))
            #expect(!acme.contains("Globex"))
        }
    }

    @Test("the staff area stays English whatever the browser asks")
    func staffEnglish() async throws {
        try await withPortal { client, dependencies in
            try await offerArabic(dependencies)
            let staff = try await staffBrowser(client, dependencies)
            let page = try await staff.get("/admin", headers: Self.acceptLanguage("ar"))
            #expect(page.text.contains(#"<html lang="en" dir="ltr">"#))
        }
    }
}
