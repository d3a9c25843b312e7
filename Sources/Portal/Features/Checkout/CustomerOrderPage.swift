import Foundation
import Tenancy

package struct CustomerOrderPage: Sendable {
    package struct Step: Sendable {
        package let label: String
        package let done: Bool
        package let current: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let number: String
    package let product: String
    package let domain: String
    package let total: String
    package let status: String
    package let message: String
    package let isSettling: Bool
    package let isActive: Bool
    package let steps: [Step]
    package let placed: String
    package let waitingForEmail: Bool
    package let email: String
    package let hostingUsername: String?
    package let nameservers: [String]
    package let hasNameservers: Bool
    package var notice: Notice?
    /// The invoice to pay, when the order waits for the customer's payment.
    package var payURL: String?
}
