import Foundation
import GRDB
import Integrations
import Tenancy

/// A tenant's own mail settings: an optional relay of its own (password sealed with the master key) and its time
/// zone, in which its pages and emails show times and reminders are computed (until the owner picks one, the zone of
/// the brand's country). Stored in the tenant's settings table.
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
        if let zone = values[timeZoneKey] {
            settings.timeZone = zone
        } else {
            // Not chosen yet: the brand's country's zone.
            let country = try await store.pool.read { db in
                try String.fetchOne(db, sql: "SELECT country FROM brand LIMIT 1") ?? ""
            }
            settings.timeZone = CountryZones.zone(for: country)?.identifier ?? "UTC"
        }
        return settings
    }

    /// The tenant's relay, opened with the master key; nil when it has none.
    package func relay(for tenant: Tenant, secrets: SecretBox, egress: EgressPolicy) throws -> SMTPRelay? {
        guard !relayURL.isEmpty else { return nil }
        let password = try relayPassword.map {
            try secrets.open($0, context: Self.context(tenant, url: relayURL, user: relayUser))
        }
        var relay = try SMTPRelay(url: relayURL, username: relayUser, password: password)
        relay.egress = egress
        return relay
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

extension TenantMailSettings {
    /// These settings with the owner's form applied, and a message for each of the relay address and the time zone
    /// that cannot be used. A stored password only goes to the relay it was given for; `seal` seals a new one for
    /// its relay address and user.
    func updated(
        relayURL: String, user: String, password: String, timeZone: String, allowLoopbackRelay: Bool,
        seal: (_ password: String, _ url: String, _ user: String) throws -> Data
    ) throws -> (settings: TenantMailSettings, urlError: String?, zoneError: String?) {
        var settings = self
        settings.relayURL = relayURL
        settings.relayUser = user
        settings.timeZone = timeZone
        var urlError: String?
        if !settings.relayURL.isEmpty {
            do {
                let relay = try SMTPRelay(url: settings.relayURL)
                settings.relayURL = relay.url
                let kind = HostKind(relay.host)
                let allowed =
                    kind == .publicName || kind == .publicAddress || (kind == .loopback && allowLoopbackRelay)
                if !allowed {
                    urlError = "Use your mail provider's public relay address, not this machine or a private network."
                } else if kind != .loopback, !SMTPRelay.standardPorts.contains(relay.port) {
                    urlError = "Use a mail port: 587 (STARTTLS), 465 (TLS), 25 or 2525."
                }
            } catch {
                urlError = "\(error)"
            }
        }
        if settings.relayURL != self.relayURL || settings.relayUser != self.relayUser { settings.relayPassword = nil }
        if !password.isEmpty { settings.relayPassword = try seal(password, settings.relayURL, settings.relayUser) }
        if settings.relayURL.isEmpty { (settings.relayUser, settings.relayPassword) = ("", nil) }
        let zoneError = TimeZone(identifier: settings.timeZone) == nil ? "Choose a time zone from the list." : nil
        return (settings, urlError, zoneError)
    }
}
