import Branding
import Foundation
import Tenancy

extension Product.BillingCycle {
    /// "Monthly", "Every 2 years", … for choices.
    var label: String {
        switch self {
        case .monthly: "Monthly"
        case .quarterly: "Quarterly"
        case .semiannually: "Every 6 months"
        case .annually: "Yearly"
        case .biennially: "Every 2 years"
        case .triennially: "Every 3 years"
        }
    }

    var perLabel: String {
        switch self {
        case .monthly: "per month"
        case .quarterly: "per quarter"
        case .semiannually: "every 6 months"
        case .annually: "per year"
        case .biennially: "every 2 years"
        case .triennially: "every 3 years"
        }
    }
}
