import Foundation
import Tenancy

extension Order.Status {
    /// What customers read: calm, and never a vendor's error.
    var customerLabel: String {
        switch self {
        case .awaitingPayment: tr("checkout.order.status.awaiting_payment")
        case .paid: tr("checkout.order.status.paid")
        case .provisioning: tr("checkout.order.status.provisioning")
        case .active: tr("checkout.order.status.active")
        case .needsSetup, .failed: tr("checkout.order.status.being_set_up")
        case .cancelled: tr("checkout.order.status.cancelled")
        }
    }

    var customerMessage: String {
        switch self {
        case .awaitingPayment: tr("checkout.order.message.awaiting_payment")
        case .paid: tr("checkout.order.message.paid")
        case .provisioning: tr("checkout.order.message.provisioning")
        case .active: tr("checkout.order.message.active")
        case .needsSetup: tr("checkout.order.message.needs_setup")
        case .failed: tr("checkout.order.message.failed")
        case .cancelled: tr("checkout.order.message.cancelled")
        }
    }
}
