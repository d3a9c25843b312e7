import Foundation
import Tenancy

/// `/account`: what the customer has, owes and should do next.
package struct DashboardPage: Sendable {
    package struct ServiceRow: Sendable {
        package let id: Int
        package let name: String
        package let domain: String
        package let nextDue: String
    }

    package struct InvoiceRow: Sendable {
        package let id: Int
        package let number: String
        package let total: String
        package let dueDate: String
        package let overdue: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let name: String
    package let email: String
    package let emailVerified: Bool
    package let services: [ServiceRow]
    package let hasServices: Bool
    package let invoices: [InvoiceRow]
    package let hasInvoices: Bool
    package let totalDue: String
    package let renewals: [ServiceRow]
    package let hasRenewals: Bool
    /// "2 of your orders are being set up."; nil with none, so no alert shows at zero.
    package let pendingNotice: String?
    /// "1 open ticket."; nil with none.
    package let ticketsNotice: String?
    package let refreshed: String
    package let nameservers: [String]
    package let hasNameservers: Bool
}
