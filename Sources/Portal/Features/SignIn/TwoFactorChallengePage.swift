import Foundation
import Tenancy

/// The second step of signing in.
package struct TwoFactorChallengePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let action: String
    package var notice: Notice?
}

/// The platform console's home: every tenant with its status and primary domain.
