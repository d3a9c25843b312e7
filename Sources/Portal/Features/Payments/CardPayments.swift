import Branding
import Foundation
import Integrations
import Logging
import Tenancy

/// The brand's Stripe account as the portal uses it: a client and the webhook signing secret, opened from the
/// tenant's sealed settings.
package struct StripeConnection: Sendable {
    package let client: StripeClient
    package let account: StripeAccount
    let webhookSecret: String
}

extension TenantUpstreams {
    static let stripeLiveURL = "https://api.stripe.com"
    static let stripeSecretField = "stripe.secret"
    static let stripeWebhookField = "stripe.webhook"

    /// The brand's Stripe connection; nil when it has none (it then pays through WHMCS).
    package func stripe(for tenant: Tenant) async throws -> StripeConnection? {
        guard let account = try await databases.withDatabase(for: tenant, { try await $0.payments.stripeAccount() })
        else { return nil }
        return try stripe(for: tenant, account: account)
    }

    func stripe(for tenant: Tenant, account: StripeAccount) throws -> StripeConnection {
        // Anything but Stripe's own address is the simulator on this machine: only a sandbox server may call it.
        guard account.baseURL == Self.stripeLiveURL || allowSandbox else { throw UpstreamSettingsError.sandboxDisabled }
        let secret = try open(account.secretKey, tenant, Self.stripeSecretField)
        return StripeConnection(
            client: StripeClient(
                credentials: StripeCredentials(baseURL: account.baseURL, secretKey: secret),
                caller: caller(
                    tenant, .stripe, identifier: secret,
                    mode: account.baseURL == Self.stripeLiveURL ? .live : .sandbox)),
            account: account, webhookSecret: try open(account.webhookSecret, tenant, Self.stripeWebhookField))
    }
}

/// Paying invoices by card on the brand's own Stripe account, and everything after: the webhook, applying the
/// payment to WHMCS exactly once (through the order pipeline's per-tenant worker, so a crash is resumed), and
/// refunds. No card data passes through the portal: the customer types it on Stripe's page.
package struct CardPayments: Sendable {
    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    let queue: OrderQueue
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let refresh: @Sendable (Account.ID, Tenant) async throws -> Void
    let now: @Sendable () -> Date
    let crashAfter: CrashPoint?
    let logger: Logger

    func crashPoint(_ point: CrashPoint) {
        point.fire(ifConfigured: crashAfter)
    }

    // MARK: Paying

    package enum Route: Equatable, Sendable {
        /// The Stripe-hosted payment page.
        case stripe(String)
        /// No Stripe account: WHMCS's own invoice page by single sign-on, where its gateway takes the payment.
        case whmcs(String)
        /// The invoice is not unpaid (any more).
        case nothingDue
    }

    /// Where the customer pays `invoiceID` (already checked to be theirs). `returnURL` is the invoice page on the
    /// host the customer is on; Stripe sends them back there.
    package func route(invoiceID: Int, account: Account, in tenant: Tenant, returnURL: String) async throws -> Route {
        guard
            let link = try await databases.withDatabase(
                for: tenant, { try await $0.upstreams.billingClient(of: account.id) })
        else { throw PortalError.notFound }
        let (whmcs, _) = try await upstreams.whmcs(for: tenant)
        guard let stripe = try await upstreams.stripe(for: tenant) else {
            return .whmcs(
                try await whmcs.createSsoToken(clientID: link.clientID, page: "viewinvoice.php?id=\(invoiceID)")
                    .redirectURL)
        }
        guard let invoice = try await whmcs.invoice(id: invoiceID), invoice.clientID == link.clientID else {
            throw PortalError.notFound
        }
        guard invoice.status == "Unpaid", invoice.balanceMinor > 0 else { return .nothingDue }
        let currency = whmcs.currency
        // What Stripe can charge in this currency (thousandths in tens): recorded in WHMCS as charged.
        let amount = StripeAmount.fromStripe(StripeAmount.toStripe(invoice.balanceMinor, currency), currency)
        if let open = try await databases.withDatabase(
            for: tenant, { try await $0.payments.latestPayment(invoice: invoiceID, of: account.id) }),
            open.status == .open || open.status == .declined, open.amountMinor == amount,
            now().timeIntervalSince(open.createdAt) < 20 * 3600
        {
            // The same page again (a second click, or back after a decline: Stripe keeps the session open for
            // another card) rather than a second session.
            let session = try await stripe.client.checkoutSession(id: open.sessionID)
            if session.status == "open", !session.url.isEmpty { return .stripe(session.url) }
        }
        var request = StripeCheckoutRequest(
            currency: currency, amountMinor: amount, description: "Invoice \(invoiceID)", invoiceID: invoiceID,
            customerEmail: account.email,
            successURL: returnURL + "?payment=return&session={CHECKOUT_SESSION_ID}",
            cancelURL: returnURL + "?payment=cancelled")
        request.metadata = ["brand": tenant.slug.rawValue]
        let session = try await stripe.client.createCheckoutSession(
            request, idempotencyKey: "checkout-\(tenant.slug)-\(invoiceID)-\(UUID().uuidString)")
        var payment = CardPayment(
            sessionID: session.id, invoiceID: invoiceID, accountID: account.id, amountMinor: amount,
            currency: currency.code, now: now())
        payment.paymentIntent = session.paymentIntent
        let started = payment
        try await databases.withDatabase(for: tenant) { try await $0.payments.startCheckout(started) }
        return .stripe(session.url)
    }

    /// The customer's newest attempt at the invoice, brought up to date with Stripe when it is still open (the
    /// customer may be back before the webhook). Nil when they never tried by card.
    package func latest(invoiceID: Int, account: Account, in tenant: Tenant, ask: Bool) async -> CardPayment? {
        guard
            var payment = try? await databases.withDatabase(
                for: tenant, { try await $0.payments.latestPayment(invoice: invoiceID, of: account.id) })
        else { return nil }
        guard ask, payment.status == .open || payment.status == .processing,
            let stripe = try? await upstreams.stripe(for: tenant),
            let session = try? await stripe.client.checkoutSession(id: payment.sessionID),
            let outcome = Self.outcome(of: session)
        else { return payment }
        if case .paid = outcome { try? await queue.willQueue(tenant.id) }
        if let updated = try? await databases.withDatabase(
            for: tenant, { try await $0.payments.record(outcome, session: payment.sessionID, now: now()) })
        {
            payment = updated
        }
        if payment.status == .paid { queue.notify(tenant.id) }
        return payment
    }

    /// What a session says: paid, still settling, expired, declined (the PaymentIntent's last error), or nothing new.
    static func outcome(of session: StripeCheckoutSession) -> PaymentStore.Outcome? {
        switch (session.status, session.paymentStatus) {
        case ("complete", "paid"), ("complete", "no_payment_required"):
            return session.paymentIntent.map { .paid(paymentIntent: $0) }
        case ("complete", _): return .processing(paymentIntent: session.paymentIntent)
        case ("expired", _): return .expired
        default: return session.lastPaymentError.map { .declined($0) }
        }
    }

    // MARK: The webhook

    package enum WebhookAnswer: Equatable, Sendable {
        case accepted
        case duplicate
        case refused(String)
    }

    /// Checks the signature with this brand's secret (another brand's event fails here), records the event id once
    /// together with its effect, and lets the pipeline apply a payment.
    package func receive(payload: [UInt8], signature: String?, tenant: Tenant) async throws -> WebhookAnswer {
        guard let stripe = try await upstreams.stripe(for: tenant) else {
            return .refused("this brand has no Stripe account")
        }
        let event: StripeEvent
        do {
            event = try StripeWebhook.verify(
                payload: payload, header: signature, secret: stripe.webhookSecret, now: now())
        } catch let refusal as StripeWebhook.Refusal {
            return .refused(refusal.description)
        }
        var session: String?
        var outcome: PaymentStore.Outcome?
        if let checkout = event.checkoutSession {
            session = checkout.id
            switch event.type {
            case "checkout.session.completed": outcome = Self.outcome(of: checkout)
            case "checkout.session.async_payment_succeeded":
                outcome = checkout.paymentIntent.map { .paid(paymentIntent: $0) }
            case "checkout.session.async_payment_failed": outcome = .declined("The payment did not go through.")
            case "checkout.session.expired": outcome = .expired
            default: break
            }
        } else if event.type == "payment_intent.payment_failed", let intent = event.object["id"]?.string {
            let invoice = event.object["metadata"]?["invoice_id"]?.int
            session = try await databases.withDatabase(
                for: tenant, { try await $0.payments.session(intent: intent, invoice: invoice) })
            outcome = .declined(event.object["last_payment_error"]?["message"]?.string ?? "The card was declined.")
        }
        if case .paid = outcome {
            // Durable before the event is: a crash after recording still leaves the tenant on the pipeline's list.
            try await queue.willQueue(tenant.id)
        }
        let recorded = try await databases.withDatabase(for: tenant) { [session, outcome] database in
            try await database.payments.recordEvent(
                id: event.id, type: event.type, session: session, outcome: outcome, now: now())
        }
        guard recorded else { return .duplicate }
        crashPoint(.stripeEvent)
        if case .paid = outcome { queue.notify(tenant.id) }
        logger.info(
            "stripe event",
            metadata: ["tenant": "\(tenant.slug)", "event": "\(event.id)", "type": "\(event.type)"])
        return .accepted
    }

    // MARK: Applying to WHMCS

    /// Applies every paid card payment WHMCS has not recorded (`AddInvoicePayment`, once: a transaction with the
    /// PaymentIntent's id already on the invoice counts as done), then records refunds. Runs in the pipeline's
    /// worker for the tenant, one at a time. True when something still waits (WHMCS or Stripe could not be reached).
    package func applyPending(_ tenant: Tenant) async -> Bool {
        do {
            guard
                try await databases.withDatabase(for: tenant, { try await $0.payments.hasUnrecordedWork() })
            else { return false }
            // A payment Stripe took is recorded even if the brand has since disconnected Stripe; refunds need it.
            let stripe = try await upstreams.stripe(for: tenant)
            let gateway = stripe?.account.gateway ?? "stripe"
            let (whmcs, _) = try await upstreams.whmcs(for: tenant)
            let (payments, answered, refunds) = try await databases.withDatabase(for: tenant) { database in
                (
                    try await database.payments.unappliedPayments(),
                    try await database.payments.unansweredRefunds(before: now().addingTimeInterval(-60)),
                    try await database.payments.unrecordedRefunds()
                )
            }
            for payment in payments { await apply(payment, via: whmcs, gateway: gateway, tenant) }
            if let stripe {
                for refund in answered { await askAgain(refund, stripe: stripe, tenant: tenant) }
            }
            for refund in refunds { await record(refund, via: whmcs, gateway: gateway, tenant) }
            return try await databases.withDatabase(for: tenant) { try await $0.payments.hasUnrecordedWork() }
        } catch {
            logger.warning(
                "card payments could not be applied",
                metadata: ["tenant": "\(tenant.slug)", "error": "\(TenantUpstreams.describe(error))"])
            return true
        }
    }

    private func apply(_ payment: CardPayment, via whmcs: WHMCSClient, gateway: String, _ tenant: Tenant) async {
        guard let intent = payment.paymentIntent else { return }
        do {
            guard let invoice = try await whmcs.invoice(id: payment.invoiceID) else {
                throw OrderProblem("invoice \(payment.invoiceID) is missing in WHMCS")
            }
            if !invoice.transactions.contains(where: { $0.transactionID == intent }) {
                try await whmcs.addPayment(
                    WHMCSPayment(
                        invoiceID: payment.invoiceID, transactionID: intent, gateway: gateway,
                        date: OrderSteps.whmcsDate(now()), amountMinor: payment.amountMinor))
            }
            crashPoint(.cardPayment)
            try await databases.withDatabase(for: tenant) { database in
                try await database.payments.markApplied(session: payment.sessionID, now: now())
            }
            logger.info(
                "card payment applied",
                metadata: ["tenant": "\(tenant.slug)", "invoice": "\(payment.invoiceID)", "transaction": "\(intent)"])
            try? await refresh(payment.accountID, tenant)
        } catch {
            let reason = OrderSteps.describe(error)
            try? await databases.withDatabase(for: tenant) {
                try await $0.payments.markApplyFailed(session: payment.sessionID, error: reason)
            }
            logger.warning(
                "card payment not applied yet",
                metadata: ["tenant": "\(tenant.slug)", "invoice": "\(payment.invoiceID)", "reason": "\(reason)"])
        }
    }

    // MARK: Refunds

    package enum RefundProblem: Error, Equatable {
        case nothingToRefund
        case exceeds(Int64)
        case stripe(String)
    }

    /// Refunds `amountMinor` (all that is left when nil) of the invoice's card payment: Stripe first, then the
    /// audit entry and the customer's branded email in one transaction, then WHMCS (or the pipeline, later).
    package func refund(
        invoiceID: Int, amountMinor: Int64?, reason: String, by staff: Account, in tenant: Tenant, ip: String
    ) async throws -> CardRefund {
        let paid = try await databases.withDatabase(for: tenant) {
            try await $0.payments.paidPayments(invoice: invoiceID)
        }
        guard let payment = paid.last(where: { $0.refundableMinor > 0 }), let intent = payment.paymentIntent else {
            throw RefundProblem.nothingToRefund
        }
        let amount = amountMinor ?? payment.refundableMinor
        let request: CardRefund
        do {
            request = try await databases.withDatabase(for: tenant) { database in
                try await database.payments.requestRefund(
                    session: payment.sessionID, amountMinor: amount, reason: reason, actor: staff, ip: ip, now: now())
            }
        } catch PaymentError.exceedsRefundable(let left) {
            throw RefundProblem.exceeds(left)
        }
        guard let stripe = try await upstreams.stripe(for: tenant) else { throw RefundProblem.nothingToRefund }
        let made: StripeRefund
        do {
            made = try await stripe.client.createRefund(
                paymentIntent: intent, amountMinor: amount, currency: Currency(payment.currency),
                reason: "requested_by_customer", idempotencyKey: "refund-\(tenant.slug)-\(request.id)")
        } catch {
            let why = TenantUpstreams.describe(error)
            try await databases.withDatabase(for: tenant) {
                try await $0.payments.failRefund(request.id, reason: why, actor: staff, now: now())
            }
            throw RefundProblem.stripe(why)
        }
        try await complete(request, stripeRefund: made.id, payment: payment, actor: staff, tenant: tenant)
        // Recorded in WHMCS now if it answers; otherwise the pipeline's worker keeps trying.
        try await queue.willQueue(tenant.id)
        if let (whmcs, _) = try? await upstreams.whmcs(for: tenant),
            let stored = try await databases.withDatabase(
                for: tenant, { try await $0.payments.unrecordedRefunds() }
            ).first(where: { $0.id == request.id })
        {
            await record(stored, via: whmcs, gateway: stripe.account.gateway, tenant)
        }
        queue.notify(tenant.id)
        return try await databases.withDatabase(for: tenant) {
            try await $0.payments.refunds(invoice: invoiceID)
        }.first { $0.id == request.id } ?? request
    }

    private func complete(
        _ refund: CardRefund, stripeRefund: String, payment: CardPayment, actor: Account?, tenant: Tenant
    ) async throws {
        let realm = realm(tenant)
        let (customer, number) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.accounts.account(payment.accountID),
                try await database.billing.invoice(payment.invoiceID, of: payment.accountID)?.number
            )
        }
        var mail: OutgoingMail?
        if let customer {
            let full = refund.amountMinor >= payment.refundableMinor
            mail = try await flows.prepareMail(
                realm: realm, to: customer.email, name: customer.name, .paymentRefunded,
                variables: [
                    "invoice.number": (number?.isEmpty ?? true) ? String(payment.invoiceID) : number!,
                    "refund.amount": Money.format(minor: refund.amountMinor, currency: payment.currency),
                    "refund.reason": refund.reason, "refund.full": full ? "yes" : "",
                    "link": flows.services.link(
                        primaryHost: realm.linkHost, path: AccountPaths.invoice.link(payment.invoiceID)),
                ],
                tag: "payment_refunded")
            try await flows.mailQueue.willQueue(realm.mailbox)
        }
        let prepared = mail
        try await databases.withDatabase(for: tenant) { database in
            try await database.payments.completeRefund(
                refund.id, stripeRefundID: stripeRefund, actor: actor, mail: prepared, now: now())
        }
        if prepared != nil { flows.mailQueue.notify(realm.mailbox) }
    }

    /// A refund whose answer was lost: asked again with its key, Stripe returns the same refund (or makes it once).
    private func askAgain(_ refund: CardRefund, stripe: StripeConnection, tenant: Tenant) async {
        do {
            guard
                let payment = try await databases.withDatabase(
                    for: tenant, { try await $0.payments.payment(session: refund.sessionID) }),
                let intent = payment.paymentIntent
            else { return }
            let made = try await stripe.client.createRefund(
                paymentIntent: intent, amountMinor: refund.amountMinor, currency: Currency(payment.currency),
                reason: "requested_by_customer", idempotencyKey: "refund-\(tenant.slug)-\(refund.id)")
            try await complete(refund, stripeRefund: made.id, payment: payment, actor: nil, tenant: tenant)
        } catch UpstreamError.apiError(_, _, let message) {
            try? await databases.withDatabase(for: tenant) {
                try await $0.payments.failRefund(refund.id, reason: message, actor: nil, now: now())
            }
        } catch {
            logger.warning(
                "refund not confirmed yet", metadata: ["tenant": "\(tenant.slug)", "refund": "\(refund.id)"])
        }
    }

    /// `AddTransaction` with the money out (and the invoice marked Refunded when nothing is left).
    private func record(_ refund: CardRefund, via whmcs: WHMCSClient, gateway: String, _ tenant: Tenant) async {
        guard let refundID = refund.stripeRefundID else { return }
        do {
            guard
                let payment = try await databases.withDatabase(
                    for: tenant, { try await $0.payments.payment(session: refund.sessionID) }),
                let link = try await databases.withDatabase(
                    for: tenant, { try await $0.upstreams.billingClient(of: payment.accountID) })
            else { return }
            try await whmcs.recordRefund(
                invoiceID: payment.invoiceID, clientID: link.clientID, transactionID: refundID,
                amountMinor: refund.amountMinor, paymentMethod: gateway,
                description: "Refund of \(payment.paymentIntent ?? payment.sessionID)"
                    + (refund.reason.isEmpty ? "" : ": \(refund.reason)"),
                fullyRefunded: payment.refundedMinor >= payment.amountMinor)
            try await databases.withDatabase(for: tenant) {
                try await $0.payments.markRefundRecorded(refund.id, now: now())
            }
            try? await refresh(payment.accountID, tenant)
        } catch {
            logger.warning(
                "refund not recorded in WHMCS yet",
                metadata: [
                    "tenant": "\(tenant.slug)", "refund": "\(refund.id)",
                    "error": "\(TenantUpstreams.describe(error))",
                ])
        }
    }
}
