import Branding
import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

/// Chooses the language of a request on a tenant host: the `/ar/…` path prefix (removed before routing), else
/// `Accept-Language`, else the brand's default. A signed-in customer's saved choice comes between the two and is
/// applied by `SessionMiddleware`, which knows the account. The staff area, the API and the platform stay English.
///
/// The choice is kept in the context and the page chrome, and bound to `Localizer.current` for the rest of a
/// customer-facing request so that prices and dates formatted deep in page models follow the reader's locale.
package struct LanguageMiddleware: RouterMiddleware {
    package typealias Context = PortalRequestContext

    let languages: Languages
    /// The clock the announcement bar's dates are read on.
    let now: @Sendable () -> Date

    package func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let content = context.storefront else {
            var context = context
            // A language prefix means nothing off a brand's storefront.
            context.unknownLanguagePrefix = context.pathLanguage != nil
            return try await Localizer.$current.withValue(languages.localizer(Languages.english)) {
                try await next(request, context)
            }
        }
        let offered = Self.offered(by: content.brand, shipped: languages)
        var context = context
        if let code = context.pathLanguage, !offered.contains(code) { context.unknownLanguagePrefix = true }
        let english = LanguageChoice(
            localizer: languages.localizer(Languages.english), source: .brandDefault, path: request.uri.path,
            query: request.uri.query ?? "", offered: offered,
            scope: .init(languages: languages, content: content, now: now()))
        var choice: LanguageChoice
        if let code = context.pathLanguage, offered.contains(code) {
            choice = english.switched(to: code, source: .path)
        } else if let code = AcceptLanguage.preferred(request.headers[.acceptLanguage], offered: offered) {
            choice = english.switched(to: code, source: .acceptLanguage)
        } else {
            choice = english.switched(to: content.brand.defaultLanguage, source: .brandDefault)
        }
        let customerFacing = LanguagePrefix.keepsPrefix(choice.path[...])
        if !customerFacing {
            // Files and the staff area are the same in every language; staff pages are English.
            choice = english
        }
        context.language = choice
        context.chrome?.apply(choice, origin: context.origin)
        let chosen = choice
        // Mail a staff member causes goes out in the recipient's or the brand's language, not the staff area's: only
        // customer pages name the page's language for it.
        var response = try await Localizer.$current.withValue(chosen.localizer) {
            try await Localizer.$pageLanguage.withValue(customerFacing ? chosen.code : nil) {
                try await next(request, context)
            }
        }
        if chosen.source == .path, let location = response.headers[.location], location.hasPrefix("/"),
            !location.hasPrefix("//"), LanguagePrefix.keepsPrefix(location[...]),
            LanguagePrefix.split(location, offered: offered) == nil
        {
            // A form posted from /ar/… lands on /ar/… again.
            response.headers[.location] = chosen.prefix + location
        }
        if chosen.source != .path, offered.count > 1,
            response.headers[.contentType]?.hasPrefix("text/html") == true
        {
            response.headers.append(HTTPField(name: .vary, value: "Accept-Language"))
        }
        return response
    }

    /// The brand's languages that ship, its default first.
    static func offered(by brand: Brand, shipped: Languages) -> [String] {
        let codes = [brand.defaultLanguage] + brand.languages.filter { $0 != brand.defaultLanguage }
        let offered = codes.filter { shipped.catalogs[$0] != nil }
        return offered.isEmpty ? [Languages.english] : offered
    }
}

extension StorefrontChrome {
    /// Sets the page's language, direction, tagline, switcher and `hreflang` alternates for `choice`.
    mutating func apply(_ choice: LanguageChoice, origin: RequestOrigin) {
        update { $0.apply(choice, origin: origin) }
    }
}

extension StorefrontChrome.Fields {
    mutating func apply(_ choice: LanguageChoice, origin: RequestOrigin) {
        let content = choice.scope.content
        let offered = choice.offered
        language = choice.code
        direction = choice.localizer.direction.rawValue
        languagePrefix = choice.prefix
        tagline = content.brand.tagline(in: choice.code)
        let site = content.site
        let (code, fallback) = (choice.code, content.brand.defaultLanguage)
        menuLinks = site.menu.map {
            StorefrontChrome.MenuLink(label: $0.label.text(in: code, fallback: fallback), url: $0.url)
        }
        hasCustomMenu = !menuLinks.isEmpty
        if !site.footer.isEmpty {
            footerLinks = site.footer.map {
                Brand.FooterLink(label: $0.label.text(in: code, fallback: fallback), url: $0.url)
            }
            hasFooterLinks = true
        }
        announcement = site.announcement.flatMap { bar in
            // Formatting the day costs more than the rest of this together: only when there is a bar to show.
            bar.isShown(on: DisplayCalendar.day(choice.now))
                ? StorefrontChrome.AnnouncementBar(text: bar.text.text(in: code, fallback: fallback), url: bar.url)
                : nil
        }
        guard offered.count > 1, LanguagePrefix.keepsPrefix(choice.path[...]) else {
            languageLinks = []
            languageCodes = offered
            hasLanguageChoice = false
            return
        }
        let base = origin.host.map { "\(origin.isSecure ? "https" : "http")://\($0)" } ?? ""
        let query = choice.query.isEmpty ? "" : "?\(choice.query)"
        languageLinks = offered.map { code in
            let url = "/\(code)\(choice.path)"
            return StorefrontChrome.LanguageLink(
                code: code, name: choice.languages.catalogs[code]?.name ?? code, url: url + query,
                absoluteURL: base + url,
                isCurrent: code == choice.code)
        }
        languageCodes = offered
        hasLanguageChoice = true
        defaultLanguageURL = base + choice.path
    }
}
