import Foundation
import Tenancy

/// `/admin/mail/settings`: the brand's own relay and its time zone.
package struct MailSettingsPage: Sendable {
    package struct Zone: Sendable {
        package let id: String
        package let selected: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package var relayURL: String
    package var relayUser: String
    package var passwordStored: Bool
    package var zones: [Zone]
    package var relayURLError: String?
    package var timeZoneError: String?
}

extension MailSettingsPage {
    init(_ settings: TenantMailSettings, notice: Notice?, context: StaffRequestContext) {
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, relayURL: settings.relayURL,
            relayUser: settings.relayUser, passwordStored: settings.relayPassword != nil,
            zones: TimeZone.knownTimeZoneIdentifiers.sorted().map { Zone(id: $0, selected: $0 == settings.timeZone) }
        )
    }
}
