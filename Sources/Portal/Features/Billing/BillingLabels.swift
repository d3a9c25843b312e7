import Foundation

/// The words a customer reads for WHMCS's statuses and billing cycles, in the reader's language. WHMCS's own words
/// stay the data (stored, compared, and the badges' `data-status` that picks their colour); these are only shown.
/// A word WHMCS uses that is not known here is shown as WHMCS wrote it.
enum BillingLabels {
    /// A service's status: "Active", "Suspended", …
    static func serviceStatus(_ status: String) -> String {
        switch status {
        case "Pending": tr("billing.service-status.pending")
        case "Active": tr("billing.service-status.active")
        case "Completed": tr("billing.service-status.completed")
        case "Suspended": tr("billing.service-status.suspended")
        case "Terminated": tr("billing.service-status.terminated")
        case "Cancelled": tr("billing.service-status.cancelled")
        case "Fraud": tr("billing.service-status.fraud")
        default: status
        }
    }

    /// An invoice's status: "Unpaid", "Paid", … and the portal's own "Overdue".
    static func invoiceStatus(_ status: String) -> String {
        switch status {
        case "Draft": tr("billing.invoice-status.draft")
        case "Unpaid": tr("billing.invoice-status.unpaid")
        case "Paid": tr("billing.invoice-status.paid")
        case "Cancelled": tr("billing.invoice-status.cancelled")
        case "Refunded": tr("billing.invoice-status.refunded")
        case "Collections": tr("billing.invoice-status.collections")
        case "Payment Pending": tr("billing.invoice-status.payment_pending")
        case "Overdue": tr("billing.invoice-status.overdue")
        default: status
        }
    }

    /// A WHMCS billing cycle as WHMCS writes it ("Monthly", "Semi-Annually", …); lower-case it for "£5 monthly".
    static func cycle(_ cycle: String) -> String {
        switch cycle {
        case "Monthly": tr("billing.cycle.monthly")
        case "Quarterly": tr("billing.cycle.quarterly")
        case "Semi-Annually": tr("billing.cycle.semi_annually")
        case "Annually": tr("billing.cycle.annually")
        case "Biennially": tr("billing.cycle.biennially")
        case "Triennially": tr("billing.cycle.triennially")
        case "Free Account": tr("billing.cycle.free_account")
        case "One Time": tr("billing.cycle.one_time")
        default: cycle
        }
    }
}
