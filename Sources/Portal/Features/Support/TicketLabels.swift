import Foundation

/// The words a customer reads for a ticket's WHMCS status, in the reader's language. WHMCS's own word stays the
/// data (stored, and the badge's `data-status`); a status WHMCS has that is not known here is shown as it is.
enum TicketLabels {
    static func status(_ status: String) -> String {
        switch status {
        case "Open": tr("support.ticket-status.open")
        case "Answered": tr("support.ticket-status.answered")
        case "Customer-Reply": tr("support.ticket-status.customer_reply")
        case "Closed": tr("support.ticket-status.closed")
        case "In Progress": tr("support.ticket-status.in_progress")
        case "On Hold": tr("support.ticket-status.on_hold")
        default: status
        }
    }
}
