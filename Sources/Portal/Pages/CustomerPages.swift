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
    package let pendingOrders: Int
    package let openTickets: Int
    package let refreshed: String
    package let nameservers: [String]
    package let hasNameservers: Bool
}

/// `/account/services`.
package struct ServicesPage: Sendable {
    package struct Row: Sendable {
        package let id: Int
        package let name: String
        package let domain: String
        package let status: String
        package let nextDue: String
        package let price: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
    package let previousURL: String?
    package let nextURL: String?
    package let refreshed: String
}

/// `/account/services/{id}`.
package struct ServicePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let id: Int
    package let name: String
    package let domain: String
    package let status: String
    package let isActive: Bool
    package let cycle: String
    package let price: String
    package let nextDue: String
    package let resources: [String]
    package let hasResources: Bool
    package let nameservers: [String]
    package let hasNameservers: Bool
    package let server: String
    package let username: String
    package let hasControlPanel: Bool
    package let canRevealPassword: Bool
    /// Set only on the answer to a successful reveal, which is never cached.
    package var revealedPassword: String?
    package var passwordError: String?
    package struct PlanChoice: Sendable {
        package let product: String
        package let cycle: String
        package let label: String
    }
    /// Other plans of the same kind this service can move to.
    package var plans: [PlanChoice] = []
    package var hasPlans = false
    package var canChange = false
    /// A change already under way (its order number).
    package var pendingChange: String?
    package var changeKey = ""
}

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

/// `/account/invoices/{id}`: a branded, printable invoice.
package struct InvoicePage: Sendable {
    package struct Line: Sendable {
        package let description: String
        package let amount: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let id: Int
    package let number: String
    package let status: String
    package let isUnpaid: Bool
    package let date: String
    package let dueDate: String
    package let datePaid: String?
    package let lines: [Line]
    package let subtotal: String
    package let tax: String
    package let hasTax: Bool
    package let total: String
    package let balance: String
    package let sellerName: String
    package let sellerAddress: [String]
    package let customerName: String
    package let customerAddress: [String]
}

/// A friendly page for an upstream failure: no vendor words, a reference staff can find in the logs.
package struct UpstreamTroublePage: Sendable {
    package let chrome: StorefrontChrome
    package let title: String
    package let message: String
    package let reference: String
    package let backURL: String
}

/// `/account/profile`.
package struct ProfilePage: Sendable {
    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let profile: ProfileForm
    package let errors: [String: String]
}
