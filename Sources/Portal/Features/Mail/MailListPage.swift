import Foundation
import Tenancy

/// `/admin/mail`: the outbox, newest first, filterable by status.
package struct MailListPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let at: String
        package let to: String
        package let subject: String
        package let status: String
        package let attempts: Int
        package let lastError: String
    }

    package struct Filter: Sendable {
        package let value: String
        package let label: String
        package let selected: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let notice: Notice?
    package let relayConfigured: Bool
    package let filters: [Filter]
    package let rows: [Row]
    package let isEmpty: Bool
}
