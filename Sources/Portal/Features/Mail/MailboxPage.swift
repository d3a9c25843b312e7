import Foundation
import Tenancy

/// `/admin/mailbox`: what the portal would have emailed, readable in demo and sandbox mode.
package struct MailboxPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let at: String
        package let to: String
        package let subject: String
        package let body: String
        package let status: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let isEmpty: Bool
}
