import Foundation
import Tenancy

/// The sign-in page, for customers (`/login`) and staff (`/admin/login`).
package struct LoginPage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package let heading: String
    package let action: String
    package let forgotURL: String
    package let offerSignUp: Bool
    package var email = ""
    package var next = ""
    package var notice: Notice?
}
