import Foundation
import Tenancy

/// `/order/{slug}/review`: the price summary, then either sign-in links or the billing details and "Place order".
package struct OrderReviewPage: Sendable {
    package struct Line: Sendable {
        package let label: String
        package let amount: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package let slug: String
    package let name: String
    package let lines: [Line]
    package let total: String
    package let cycle: String
    package let domain: String
    package let domainAction: String
    package let changeURL: String
    package let signedIn: Bool
    package let signInURL: String
    package let signUpURL: String
    package let idempotencyKey: String
    /// The total shown, in minor units; a different total at "Place order" shows the review again.
    package let quotedTotal: String
    package let profile: ProfileForm
    package let errors: [String: String]
    /// A transfer asks for the domain's authorisation code here, in the posted form only (never in a link).
    package let isTransfer: Bool
    package var notice: Notice?
}
