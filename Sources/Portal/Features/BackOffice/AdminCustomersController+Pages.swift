import Foundation
import Hummingbird
import Integrations
import Tenancy

extension AdminCustomersController {
    package struct ListPage: Sendable {
        package struct Row: Sendable {
            package let id: Int64
            package let name: String
            package let email: String
            package let company: String
            package let services: Int
            package let joined: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package let query: String
        package let hasQuery: Bool
        package let rows: [Row]
        package let hasRows: Bool
        package let summary: String
        package let previous: String?
        package let next: String?
    }

    package struct DetailPage: Sendable {
        package struct Line: Sendable {
            package let id: String
            package let title: String
            package let detail: String
            package let status: String
            package let link: String?
            package var canSuspend = false
            package var canUnsuspend = false
        }

        package struct Note: Sendable {
            package let author: String
            package let body: String
            package let at: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let customerID: Int64
        package let name: String
        package let email: String
        package let company: String
        package let hasCompany: Bool
        package let joined: String
        package let verified: Bool
        /// The audit trail is for owners and admins, as the audit log is.
        package let canReadAudit: Bool
        package let canAct: Bool
        /// Owners and admins only.
        package let canSignInAs: Bool
        package let services: [Line]
        package let invoices: [Line]
        package let tickets: [Line]
        package let orders: [Line]
        package let notes: [Note]
        package let audit: [AuditPage.Row]
        package var noteInput = ""
        package var noteError: String?
    }
}
