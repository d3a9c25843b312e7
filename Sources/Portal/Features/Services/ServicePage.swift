import Foundation
import Tenancy

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
