import Foundation
import Tenancy

package struct ForgotPasswordPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let action: String
    package var email = ""
    package var emailError: String?
    package var notice: Notice?
}
