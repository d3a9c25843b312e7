import Foundation
import Tenancy

/// Test hook (`--crash-after-step`): where the pipeline kills itself (SIGKILL) right after upstream work and before
/// it is recorded, the worst moment for a crash. Each order step has one; `stackUser` is the StackCP user a cloud
/// server order makes before the server itself.
package enum CrashPoint: String, CaseIterable, Sendable {
    case client, order, payment, accept, provision
    case stackUser = "stack-user"
    /// After a Stripe webhook event is recorded, before its payment is applied to WHMCS.
    case stripeEvent = "stripe-event"
    /// After `AddInvoicePayment` for a card payment, before it is marked applied.
    case cardPayment = "card-payment"

    init(_ step: OrderJob.Step) {
        switch step {
        case .client: self = .client
        case .order: self = .order
        case .payment: self = .payment
        case .accept: self = .accept
        case .provision: self = .provision
        }
    }
}

extension CrashPoint {
    /// Kills the process (SIGKILL) when `configured` names this point: the one way a test hook fires.
    func fire(ifConfigured configured: CrashPoint?) {
        if configured == self { kill(getpid(), SIGKILL) }
    }
}
