import Foundation
import Tenancy

/// `/account/invoices`.
package struct InvoicesPage: Sendable {
    package struct Row: Sendable {
        package let id: Int
        package let number: String
        package let date: String
        package let dueDate: String
        package let total: String
        package let status: String
        package let overdue: Bool
    }

    package struct Filter: Sendable {
        package let value: String
        package let label: String
        package let current: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
    package let filters: [Filter]
    package let emptyMessage: String
    package let previousURL: String?
    package let nextURL: String?
    package let refreshed: String
}
