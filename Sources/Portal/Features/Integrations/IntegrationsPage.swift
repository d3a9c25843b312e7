import Foundation
import Integrations
import Tenancy

/// `/admin/integrations`: the owner's WHMCS and WHM connection settings. Secrets are never echoed back:
/// the page only says whether one is stored.
package struct IntegrationsPage: Sendable {
    package struct Option: Sendable {
        package let value: String
        package let label: String
        package let selected: Bool
    }

    package struct Check: Sendable {
        package let name: String
        package let succeeded: Bool
        package let message: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package var modes: [Option]
    package var whmcsURL: String
    package var whmcsIdentifier: String
    package var whmcsSecretStored: Bool
    package var whmcsAccessKeyStored: Bool
    package var whmcsGroup: String
    package var whmURL: String
    package var whmUser: String
    package var whmReseller: String
    package var whmTokenStored: Bool
    package var twentyIURL: String
    package var twentyIKeyStored: Bool
    package var sslStoreURL: String
    package var sslStorePartner: String
    package var sslStoreTokenStored: Bool
    package var updatedAt: String
    package var checks: [Check] = [] {
        didSet { hasChecks = !checks.isEmpty }
    }
    /// Stored, not computed: templates read properties through reflection, which sees stored ones only.
    package var hasChecks = false
    package var modeError: String?
    package var whmcsURLError: String?
    package var whmcsIdentifierError: String?
    package var whmcsSecretError: String?
    package var whmcsAccessKeyError: String?
    package var whmcsGroupError: String?
    package var whmURLError: String?
    package var whmUserError: String?
    package var whmResellerError: String?
    package var whmTokenError: String?
    package var twentyIURLError: String?
    package var twentyIKeyError: String?
    package var sslStoreURLError: String?
    package var sslStorePartnerError: String?
    package var sslStoreTokenError: String?

    /// Places each message beside its field (`whmcs_url`, …).
    mutating func show(_ errors: IntegrationSettingsInput.FieldErrors) {
        modeError = errors["mode"]
        whmcsURLError = errors["whmcs_url"]
        whmcsIdentifierError = errors["whmcs_identifier"]
        whmcsSecretError = errors["whmcs_secret"]
        whmcsAccessKeyError = errors["whmcs_accesskey"]
        whmcsGroupError = errors["whmcs_group"]
        whmURLError = errors["whm_url"]
        whmUserError = errors["whm_user"]
        whmResellerError = errors["whm_reseller"]
        whmTokenError = errors["whm_token"]
        twentyIURLError = errors["twentyi_url"]
        twentyIKeyError = errors["twentyi_key"]
        sslStoreURLError = errors["sslstore_url"]
        sslStorePartnerError = errors["sslstore_partner"]
        sslStoreTokenError = errors["sslstore_token"]
    }

    init(chrome: StorefrontChrome, csrf: String, settings: IntegrationSettings) {
        self.chrome = chrome
        self.csrf = csrf
        modes = [
            Option(
                value: "sandbox", label: "Sandbox: the simulators on this machine", selected: settings.mode == .sandbox),
            Option(value: "live", label: "Live: your real WHMCS and WHM", selected: settings.mode == .live),
        ]
        whmcsURL = settings.whmcsURL
        whmcsIdentifier = settings.whmcsIdentifier
        whmcsSecretStored = settings.whmcsSecret != nil
        whmcsAccessKeyStored = settings.whmcsAccessKey != nil
        whmcsGroup = settings.whmcsGroupID.map(String.init) ?? ""
        whmURL = settings.whmURL
        whmUser = settings.whmUser
        whmReseller = settings.whmReseller
        whmTokenStored = settings.whmToken != nil
        twentyIURL = settings.twentyIURL
        twentyIKeyStored = settings.twentyIKey != nil
        sslStoreURL = settings.sslStoreURL
        sslStorePartner = settings.sslStorePartner
        sslStoreTokenStored = settings.sslStoreToken != nil
        updatedAt = settings.updatedAt.map(PageDates.format) ?? ""
    }

    /// Shows what the owner typed (not what is stored) beside the errors, secrets excepted.
    mutating func keep(_ input: IntegrationSettingsInput) {
        if let mode = input.mode {
            modes = modes.map { Option(value: $0.value, label: $0.label, selected: $0.value == mode) }
        }
        whmcsURL = input.whmcsURL ?? whmcsURL
        whmcsIdentifier = input.whmcsIdentifier ?? whmcsIdentifier
        whmcsGroup = input.whmcsGroup ?? whmcsGroup
        whmURL = input.whmURL ?? whmURL
        whmUser = input.whmUser ?? whmUser
        whmReseller = input.whmReseller ?? whmReseller
        twentyIURL = input.twentyIURL ?? twentyIURL
        sslStoreURL = input.sslStoreURL ?? sslStoreURL
        sslStorePartner = input.sslStorePartner ?? sslStorePartner
    }
}
