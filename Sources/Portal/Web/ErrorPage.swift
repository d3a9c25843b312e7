import Branding
import Foundation
import Tenancy

/// An error page: branded on a tenant host, neutral anywhere else.
package struct ErrorPage: Sendable, Encodable {
    package let chrome: StorefrontChrome?
    package let stylesheetURL: String
    package let status: Int
    package let title: String
    package let message: String
    package let requestID: String
}
