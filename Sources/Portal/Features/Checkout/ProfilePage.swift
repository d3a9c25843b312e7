import Foundation
import Tenancy

/// `/account/profile`.
package struct ProfilePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let profile: ProfileForm
    package let errors: [String: String]
}
