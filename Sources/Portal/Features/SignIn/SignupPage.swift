import Foundation
import Tenancy

package struct SignupPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package var name = ""
    package var email = ""
    package var company = ""
    package var nameError: String?
    package var emailError: String?
    package var companyError: String?
    package var passwordError: String?
    package var notice: Notice?
    /// Where to go after signing in (an order being placed); a local path only.
    package var next = ""
}
