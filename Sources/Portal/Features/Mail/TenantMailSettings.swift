import Foundation
import Integrations
import Tenancy

/// A tenant's own mail settings: an optional relay of its own (password sealed with the master key) and its time
/// zone, in which reminders are computed. Stored in the tenant's settings table.
package struct TenantMailSettings: Sendable, Equatable {
    package static let urlKey = "mail.relay_url"
    package static let userKey = "mail.relay_user"
    package static let passwordKey = "mail.relay_password"
    package static let timeZoneKey = "tenant.time_zone"

    package var relayURL = ""
    package var relayUser = ""
    package var relayPassword: Data?
    package var timeZone = "UTC"

    package init() {}

    /// The password is bound to the relay and user it was given for: a changed address can never receive it.
    static func context(_ tenant: Tenant, url: String, user: String) -> String {
        "tenant:\(tenant.slug)/mail.relay_password|\(url)|\(user)"
    }

    package static func load(from store: AccountStore) async throws -> TenantMailSettings {
        let values = try await store.settings([urlKey, userKey, passwordKey, timeZoneKey])
        var settings = TenantMailSettings()
        settings.relayURL = values[urlKey] ?? ""
        settings.relayUser = values[userKey] ?? ""
        settings.relayPassword = values[passwordKey].flatMap { $0.isEmpty ? nil : Data(base64Encoded: $0) }
        settings.timeZone = values[timeZoneKey] ?? "UTC"
        return settings
    }

    /// The tenant's relay, opened with the master key; nil when it has none.
    package func relay(for tenant: Tenant, secrets: SecretBox) throws -> SMTPRelay? {
        guard !relayURL.isEmpty else { return nil }
        let password = try relayPassword.map {
            try secrets.open($0, context: Self.context(tenant, url: relayURL, user: relayUser))
        }
        return try SMTPRelay(url: relayURL, username: relayUser, password: password)
    }

    /// The zone reminders are computed in; UTC when the stored one is unknown.
    package var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }
}

extension TenantDatabases {
    /// The brand's time zone, in which its pages and emails show dates.
    func timeZone(of tenant: Tenant) async throws -> TimeZone {
        try await withDatabase(for: tenant) { try await TenantMailSettings.load(from: $0.accounts).zone }
    }
}
