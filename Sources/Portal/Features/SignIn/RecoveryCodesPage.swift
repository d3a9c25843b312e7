import Foundation
import Tenancy

/// Shown once, right after enrolment or renewal.
package struct RecoveryCodesPage: Sendable {
    package let chrome: StorefrontChrome
    package let basePath: String
    package let codes: [String]
}
