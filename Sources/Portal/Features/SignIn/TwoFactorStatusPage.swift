import Foundation
import Tenancy

/// `…/security/two-factor` once enrolled: status, recovery codes left, turn off or renew codes.
package struct TwoFactorStatusPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let basePath: String
    package let remainingCodes: Int
    package let canDisable: Bool
    package var notice: Notice?
}
