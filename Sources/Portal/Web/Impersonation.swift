import Foundation
import Mustache

/// Who is signed in as whom, for the banner on every page of such a session.
package enum Impersonation {
    package struct Banner: Sendable, Encodable, Equatable {
        package let customer: String
        package let staff: String
        package let csrf: String
    }

    /// Paths a staff member signed in as a customer may not open: the customer's own security settings.
    /// Compared segment by segment with empty ones dropped, as the router matches (`//account//security` is the same page).
    package static func isRefused(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return segments.count >= 2 && segments[0] == "account" && segments[1] == "security"
    }
}
