import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension TicketsController {
    package struct ListPage: Sendable {
        package struct Row: Sendable {
            package let id: Int64
            package let number: String
            package let subject: String
            package let department: String
            /// WHMCS's word for the status: the badge's `data-status`, which picks its colour.
            package let status: String
            /// The status in the reader's language on the customer's list (WHMCS's word on the staff one).
            package var statusLabel = ""
            package let updated: String
            package let customer: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package let rows: [Row]
        package let hasRows: Bool
        package let previousURL: String?
        package let nextURL: String?
        package let openOnly: Bool
    }

    package struct NewPage: Sendable {
        package struct Choice: Sendable {
            package let value: String
            package let label: String
            package let selected: Bool
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let departments: [Choice]
        package let services: [Choice]
        package let hasServices: Bool
        package let subject: String
        package let message: String
        package let key: String
        package let errors: [String: String]
    }

    package struct ThreadPage: Sendable {
        package struct Message: Sendable {
            package let author: String
            package let isStaff: Bool
            package let paragraphs: [String]
            package let date: String
        }

        package let chrome: StorefrontChrome
        package let csrf: String
        package var notice: Notice?
        package let id: Int64
        package let number: String
        package let subject: String
        package let department: String
        package let status: String
        package let isOpen: Bool
        package let customer: String
        package let messages: [Message]
        package let replyError: String?
        package let reply: String
        package let action: String
        package let backURL: String
    }
}

extension TicketsController.ListPage.Row {
    init(_ ticket: Ticket, customer: String) {
        self.init(
            id: ticket.id ?? 0, number: ticket.number, subject: ticket.subject, department: ticket.departmentName,
            status: ticket.status, statusLabel: ticket.status, updated: PageDates.format(ticket.updatedAt),
            customer: customer)
    }
}

extension TicketsController.NewPage {
    /// The form with `department` and `service` (WHMCS ids as text) chosen.
    init(
        departments: [(id: Int, name: String)], services: [MirroredService], department: String, service: String,
        subject: String, message: String, key: String, errors: [String: String], chrome: StorefrontChrome,
        csrf: String
    ) {
        self.init(
            chrome: chrome, csrf: csrf,
            departments: departments.map {
                Choice(value: String($0.id), label: $0.name, selected: String($0.id) == department)
            },
            services: [Choice(value: "", label: tr("support.ticket-new.no_service"), selected: service.isEmpty)]
                + services.map {
                    Choice(
                        value: String($0.whmcsServiceID), label: "\($0.productName) \($0.domain)",
                        selected: String($0.whmcsServiceID) == service)
                },
            hasServices: !services.isEmpty, subject: subject, message: message, key: key, errors: errors
        )
    }
}

extension TicketsController.ThreadPage {
    /// The thread as the customer (`staff` false) or the brand's staff see it, with the reply form.
    init(
        _ ticket: Ticket, messages: [TicketMessage], staff: Bool, customer: String, reply: String, error: String?,
        chrome: StorefrontChrome, csrf: String
    ) {
        let id = ticket.id ?? 0
        // Staff pages stay in English; the customer reads the status and the support label in their language.
        let staffAuthor = { (name: String) in
            staff ? "\(name) (support)" : tr("support.ticket.staff_author", ["name": name])
        }
        self.init(
            chrome: chrome, csrf: csrf, id: id, number: ticket.number, subject: ticket.subject,
            department: ticket.departmentName, status: staff ? ticket.status : TicketLabels.status(ticket.status),
            isOpen: ticket.isOpen, customer: customer,
            messages: messages.map {
                Message(
                    author: $0.author == "staff" ? staffAuthor($0.authorName) : $0.authorName,
                    isStaff: $0.author == "staff", paragraphs: Self.paragraphs($0.body),
                    date: PageDates.format($0.createdAt))
            },
            replyError: error, reply: reply,
            action: staff ? AdminPaths.ticketReply.link(id) : AccountPaths.ticketReply.link(id),
            backURL: staff ? AdminPaths.tickets.link() : AccountPaths.tickets.link()
        )
    }

    static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter {
            !$0.isEmpty
        }
    }
}
