import Foundation
import Tenancy

/// `/account/security` and `/admin/security`.
package struct SecurityPage: Sendable {
    package struct SessionRow: Sendable {
        package let reference: String
        package let device: String
        package let ip: String
        package let lastSeen: String
        package let isCurrent: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let basePath: String
    package let homePath: String
    package let logoutPath: String
    package let email: String
    package let sessions: [SessionRow]
    package let hasOtherSessions: Bool
    package var notice: Notice?
    package var currentPasswordError: String?
    package var newPasswordError: String?
    package var emailError: String?
}
