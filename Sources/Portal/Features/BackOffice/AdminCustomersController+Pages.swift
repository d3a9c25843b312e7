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

extension AdminCustomersController.DetailPage {
    init(_ customer: Account, _ record: CustomerDesk.Record, notice: Notice?, context: StaffRequestContext) {
        let canAct = context.role >= .admin
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, customerID: customer.id.rawValue,
            name: customer.name, email: customer.email, company: customer.company,
            hasCompany: !customer.company.isEmpty, joined: PageDates.format(customer.createdAt),
            verified: customer.emailVerifiedAt != nil, canReadAudit: context.role >= .admin, canAct: canAct,
            canSignInAs: context.role >= .admin,
            services: record.services.map { service in
                var line = Line(
                    id: String(service.whmcsServiceID), title: service.productName, detail: service.domain,
                    status: service.status, link: nil)
                line.canSuspend = canAct && service.status == "Active"
                line.canUnsuspend = canAct && service.status == "Suspended"
                return line
            },
            invoices: record.invoices.map {
                Line(
                    id: String($0.whmcsInvoiceID), title: "Invoice \($0.number)",
                    detail: "\(Money.format(minor: $0.totalMinor, currency: $0.currency)), due \($0.dueDate)",
                    status: $0.status, link: AdminPaths.invoice.link($0.whmcsInvoiceID))
            },
            tickets: record.tickets.map {
                Line(
                    id: String($0.id ?? 0), title: $0.subject, detail: $0.departmentName, status: $0.status,
                    link: $0.id.map { AdminPaths.ticket.link($0) })
            },
            orders: record.orders.map {
                Line(
                    id: String($0.id?.rawValue ?? 0), title: "\($0.number): \($0.productName)",
                    detail: Money.format(minor: $0.totalMinor, currency: $0.currency),
                    status: $0.status.staffLabel, link: $0.id.map { AdminPaths.order.link($0.rawValue) })
            },
            notes: record.notes.map { Note(author: $0.author, body: $0.body, at: PageDates.format($0.createdAt)) },
            audit: AuditPage.rows(record.audit)
        )
    }
}
