import Foundation
import Tenancy

/// A friendly page for an upstream failure: no vendor words, a reference staff can find in the logs.
package struct UpstreamTroublePage: Sendable {
    package let chrome: StorefrontChrome
    package let title: String
    package let message: String
    package let reference: String
    package let backURL: String
}
