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
    package let companyNumber: String
    package let taxNumber: String
    package let customerName: String
    package let customerAddress: [String]
}
