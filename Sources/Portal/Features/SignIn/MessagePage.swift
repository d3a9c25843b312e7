import Foundation
import Tenancy

/// A one-message page: "check your inbox", "email verified", "link expired".
package struct MessagePage: Sendable {
    package let chrome: StorefrontChrome
    package let title: String
    package let message: String
    package let linkURL: String?
    package let linkLabel: String?
}
