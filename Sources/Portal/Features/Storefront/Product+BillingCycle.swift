import Branding
import Foundation
import Tenancy

extension Product.BillingCycle {
    /// "Monthly", "Every 2 years", … for choices.
    var label: String {
        switch self {
        case .monthly: tr("catalogue.cycle.monthly")
        case .quarterly: tr("catalogue.cycle.quarterly")
        case .semiannually: tr("catalogue.cycle.semiannually")
        case .annually: tr("catalogue.cycle.annually")
        case .biennially: tr("catalogue.cycle.biennially")
        case .triennially: tr("catalogue.cycle.triennially")
        }
    }

    var perLabel: String {
        switch self {
        case .monthly: tr("catalogue.per_cycle.monthly")
        case .quarterly: tr("catalogue.per_cycle.quarterly")
        case .semiannually: tr("catalogue.per_cycle.semiannually")
        case .annually: tr("catalogue.per_cycle.annually")
        case .biennially: tr("catalogue.per_cycle.biennially")
        case .triennially: tr("catalogue.per_cycle.triennially")
        }
    }
}
