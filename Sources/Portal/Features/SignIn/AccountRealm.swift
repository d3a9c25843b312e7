import Branding
import Foundation
import Tenancy

/// How a realm's emails look and whom they come from: brand facts, template overrides and the header addresses.
package struct EmailLook: Sendable {
    package let facts: EmailBrandFacts
    package let overrides: [String: EmailTemplate]
    package let sender: MailAddress
    /// The support address replies go to; empty for none.
    package let replyTo: String
    /// The domain of Message-IDs: the realm's own stored host.
    package let messageDomain: String
    /// The relay the sender was chosen for: `own` (the brand's) or `platform`.
    package var relay = "platform"
    /// The brand's default language and every language it offers: what an email may be written in.
    package var defaultLanguage = Languages.english
    package var languages = [Languages.english]

    /// The language of mail to a person who saved `saved` ("" for none): that, when the brand offers it; else the
    /// language of the page that caused the mail (`Localizer.current`); else the brand's default.
    package func language(saved: String) -> String {
        if languages.contains(saved) { return saved }
        if let page = Localizer.pageLanguage, languages.contains(page) { return page }
        return languages.contains(defaultLanguage) ? defaultLanguage : Languages.english
    }
}

/// Where accounts live and how their pages look: one tenant, or the platform.
///
/// Every sign-in flow works through a realm, so the same code serves a tenant's customers and staff
/// (in the tenant's database) and platform users (in the registry), and never mixes the two.
package protocol AccountRealm: Sendable {
    /// Shown in emails and as the authenticator app's issuer.
    var displayName: String { get }
    /// Rate-limit and throttle scope: limits never spill from one realm to another.
    var throttleScope: String { get }
    /// The stored primary host that links in emails are built on.
    var linkHost: String { get }
    func withAccounts<T: Sendable>(_ body: (AccountStore) async throws -> T) async throws -> T
    /// Whether this account must use a second factor before it may do anything.
    func twoFactorRequired(for account: Account, in store: AccountStore) async throws -> Bool
    /// The brand and templates of this realm's emails; `siteURL` is its stored primary address.
    func emailLook(siteURL: String) async throws -> EmailLook
    /// Where this realm's mail is queued.
    var mailbox: Mailbox { get }
}

/// A tenant's customers and staff, in the tenant's own database.
package struct TenantRealm: AccountRealm {
    let tenant: Tenant
    let databases: TenantDatabases
    let storefront: StorefrontService
    let registry: TenantRegistry

    package var displayName: String { tenant.name }
    package var throttleScope: String { "tenant:\(tenant.id)" }
    package var linkHost: String { registry.linkHost(of: tenant) }

    package func withAccounts<T: Sendable>(_ body: (AccountStore) async throws -> T) async throws -> T {
        try await databases.withDatabase(for: tenant) { try await body($0.accounts) }
    }

    package func emailLook(siteURL: String) async throws -> EmailLook {
        let brand = try await storefront.content(for: tenant).brand
        let (overrides, ownRelay) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.emailTemplates.overrides(),
                !(try await TenantMailSettings.load(from: database.accounts).relayURL.isEmpty)
            )
        }
        let address = Self.senderAddress(
            brand.senderEmail, ownRelay: ownRelay, linkHost: linkHost,
            owner: { registry.tenant(forHost: $0)?.id }, tenant: tenant.id)
        var look = EmailLook(
            facts: EmailBrandFacts(brand: brand, name: tenant.name, siteURL: siteURL), overrides: overrides,
            sender: MailAddress(name: brand.senderName.isEmpty ? tenant.name : brand.senderName, address: address),
            replyTo: brand.supportEmail, messageDomain: linkHost
        )
        look.relay = ownRelay ? "own" : "platform"
        look.defaultLanguage = brand.defaultLanguage
        look.languages = brand.languages
        return look
    }

    /// The sender a brand's mail carries. Through the platform's relay only an address at one of the brand's own
    /// hosts: its `<slug>.<base>` host or a custom domain it proved through DNS (exactly, not a parent of one), so no
    /// brand can send as another brand, as the platform or as anyone else; anything else becomes
    /// `no-reply@<its primary host>`. With its own relay, its provider decides.
    static func senderAddress(
        _ wanted: String, ownRelay: Bool, linkHost: String, owner: (String) -> Tenant.ID?, tenant: Tenant.ID
    ) -> String {
        guard !wanted.isEmpty else { return "no-reply@\(linkHost)" }
        if ownRelay { return wanted }
        let domain = (wanted.split(separator: "@").last.map(String.init) ?? "").lowercased()
        guard let normalized = try? HostName.normalize(domain), owner(normalized) == tenant else {
            return "no-reply@\(linkHost)"
        }
        return wanted
    }

    package var mailbox: Mailbox { .tenant(tenant.id) }

    package func twoFactorRequired(for account: Account, in store: AccountStore) async throws -> Bool {
        guard account.kind == .staff else { return false }
        return try await store.setting(StaffTwoFactorPolicy.key) != "off"
    }
}

/// Platform users, in the registry database; two-factor is always required.
package struct PlatformRealm: AccountRealm {
    let platform: PlatformDatabase
    let host: String
    let stylesheetURL: String

    package var displayName: String { "Platform console" }
    package var throttleScope: String { "platform" }
    package var linkHost: String { host }

    package func chrome() -> StorefrontChrome {
        var chrome = plainChrome(named: displayName)
        chrome.isConsole = true
        return chrome
    }

    /// The neutral chrome with `name`: the console's, and a brand's whose own cannot be built.
    package func plainChrome(named name: String) -> StorefrontChrome {
        StorefrontChrome(
            tenantName: name, tagline: "", stylesheetURL: stylesheetURL, themeURL: nil, logoURL: nil,
            year: Calendar(identifier: .gregorian).component(.year, from: Date())
        )
    }

    package func withAccounts<T: Sendable>(_ body: (AccountStore) async throws -> T) async throws -> T {
        try await body(platform.accounts)
    }

    package func emailLook(siteURL: String) async throws -> EmailLook {
        EmailLook(
            facts: EmailBrandFacts(name: displayName, siteURL: siteURL), overrides: [:],
            sender: MailAddress(name: displayName, address: "no-reply@\(host)"), replyTo: "", messageDomain: host
        )
    }

    package var mailbox: Mailbox { .platform }

    package func twoFactorRequired(for account: Account, in store: AccountStore) async throws -> Bool {
        true
    }
}

/// The tenant setting that makes two-factor mandatory for staff ("on" unless set to "off").
package enum StaffTwoFactorPolicy {
    package static let key = "staff_two_factor"
}
