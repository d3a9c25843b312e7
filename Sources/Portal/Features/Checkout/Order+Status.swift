import Foundation
import Tenancy

extension Order.Status {
    /// What customers read: calm, and never a vendor's error.
    var customerLabel: String {
        switch self {
        case .awaitingPayment: "Awaiting payment"
        case .paid: "Paid"
        case .provisioning: "Setting up"
        case .active: "Active"
        case .needsSetup, .failed: "Being set up"
        case .cancelled: "Cancelled"
        }
    }

    var customerMessage: String {
        switch self {
        case .awaitingPayment: "We have your order and are preparing the invoice and payment."
        case .paid: "Payment received. We are starting to set up your service."
        case .provisioning: "We are setting up your service now. This page updates by itself."
        case .active: "Your service is ready."
        case .needsSetup: "Our team is setting this up for you. We will email you as soon as it is ready."
        case .failed:
            "We are setting this up. It is taking a little longer than usual; our team is on it and will email you when it is ready. You do not need to do anything."
        case .cancelled: "This order was cancelled. Contact us if you did not expect this."
        }
    }
}
