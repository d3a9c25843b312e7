import Branding
import Foundation

/// `/admin/brand/emails`: every email the brand sends, and whether it is customised.
package struct EmailTemplateListPage: Sendable {
    package struct Row: Sendable {
        package let name: String
        package let title: String
        package let purpose: String
        package let customised: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let layoutCustomised: Bool
    package let rows: [Row]
    /// Owners see the layout and the security emails; admins the rest.
    package var isOwner = false
}
