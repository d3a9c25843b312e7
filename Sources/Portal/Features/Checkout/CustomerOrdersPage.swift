import Foundation
import Tenancy

/// `/account/orders` and `/account/orders/{id}`.
package struct CustomerOrdersPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let number: String
        package let product: String
        package let domain: String
        package let total: String
        package let status: String
        /// The status as the stylesheet knows it (`data-status`), the same in every language; a parked order reads
        /// as being set up.
        package var statusCode = ""
        package let placed: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let rows: [Row]
    package let hasRows: Bool
    package let previousURL: String?
    package let nextURL: String?
}
