import Foundation
import Integrations
import Tenancy

/// A change to a tenant's upstream settings from the settings page or the CLI. Nil leaves a field as stored;
/// secrets are only ever replaced, never read back.
package struct IntegrationSettingsInput: Sendable, Equatable {
    package var mode: String?
    package var whmcsURL: String?
    package var whmcsIdentifier: String?
    package var whmcsSecret: String?
    package var whmcsAccessKey: String?
    package var clearWHMCSAccessKey = false
    package var whmcsGroup: String?
    package var whmURL: String?
    package var whmUser: String?
    package var whmToken: String?
    /// With root's token: the reseller the brand acts for. Empty means the token is the reseller's own.
    package var whmReseller: String?
    package var twentyIURL: String?
    package var twentyIKey: String?
    package var sslStoreURL: String?
    package var sslStorePartner: String?
    package var sslStoreToken: String?

    package init() {}

    /// Field name → message; empty when the change is valid.
    package typealias FieldErrors = [String: String]
}
