import Foundation
import Tenancy

/// `/account/invoices/{id}`: a branded, printable invoice.
package struct InvoicePage: Sendable {
    package struct Line: Sendable {
        package let description: String
        package let amount: String
        /// The dates a service line pays for, such as "6 December 2026 to 5 January 2027".
        package var period: String?
    }

    package var chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let id: Int
    package let number: String
    /// WHMCS's word for the status: the badge's `data-status`, which picks its colour.
    package let status: String
    /// The status in the reader's language, as the badge and the details show it.
    package var statusLabel = ""
    package let isUnpaid: Bool
    package let date: String
    package let dueDate: String
    package let datePaid: String?
    package let lines: [Line]
    package let subtotal: String
    /// Each tax WHMCS charged, with its name and rate.
    package let taxLines: [TaxSettings.Line]
    package let total: String
    package let balance: String
    package let sellerName: String
    package let sellerAddress: [String]
    package let companyNumber: String
    package let taxNumber: String
    package let customerName: String
    package let customerAddress: [String]
    /// The customer's VAT or tax id, printed under their address.
    package var customerTaxID = ""
    /// The newest card payment, in plain words ("Paid", "Processing", "Declined: …").
    package var payment: PaymentState?
    /// Refunds made on the invoice, in plain words.
    package var refunds: [String] = []
    package var hasRefunds = false
}

/// How the customer's newest card payment stands, for the invoice page.
package struct PaymentState: Sendable, Equatable {
    /// `paid`, `processing`, `declined`, `expired` or `open`.
    package var state: String
    package var title: String
    package var detail: String
    /// The alert's colour: success, error or info.
    package var tone: String {
        switch state {
        case "paid": "success"
        case "declined": "error"
        default: "info"
        }
    }

    init(_ payment: CardPayment, amount: String) {
        switch payment.status {
        case .paid:
            state = "paid"
            title = tr("billing.payment.paid_title")
            detail = tr("billing.payment.paid_detail", ["amount": amount])
        case .processing:
            state = "processing"
            title = tr("billing.payment.processing_title")
            detail = tr("billing.payment.processing_detail", ["amount": amount])
        case .declined:
            state = "declined"
            title = tr("billing.payment.declined_title")
            detail = tr(
                "billing.payment.declined_detail",
                ["reason": payment.failure.isEmpty ? tr("billing.payment.bank_declined") : payment.failure])
        case .expired:
            state = "expired"
            title = tr("billing.payment.expired_title")
            detail = tr("billing.payment.expired_detail")
        case .open:
            state = "open"
            title = tr("billing.payment.open_title")
            detail = tr("billing.payment.open_detail")
        }
    }
}

/// The page "Pay" answers with: it moves on to the payment page by itself (a meta refresh), with a link as well.
package struct PaymentHandoffPage: Sendable {
    package let chrome: StorefrontChrome
    package let url: String
    package let backURL: String
    package let explanation: String
}
