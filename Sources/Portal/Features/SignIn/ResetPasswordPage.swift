import Foundation
import Tenancy

package struct ResetPasswordPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let heading: String
    package let action: String
    package let token: String
    package let askName: Bool
    package let passwordLabel: String
    package var name = ""
    package var nameError: String?
    package var passwordError: String?
}
