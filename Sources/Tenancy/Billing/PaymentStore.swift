import Foundation
import GRDB

/// The brand's own Stripe account: keys sealed by the caller (only their last four characters are readable here),
/// and the WHMCS gateway name card payments are recorded under.
package struct StripeAccount: Sendable, Equatable {
    package var secretKey: Data
    package var secretKeyLast4: String
    package var publishableKey: String
    package var webhookSecret: Data
    package var webhookSecretLast4: String
    /// The WHMCS payment gateway's system name for `AddInvoicePayment`, such as `stripe`.
    package var gateway: String
    /// `https://api.stripe.com`, or the simulator's address in sandbox mode.
    package var baseURL: String
    package var checkedAt: Date?
    package var updatedAt: Date

    package init(
        secretKey: Data, secretKeyLast4: String, publishableKey: String, webhookSecret: Data,
        webhookSecretLast4: String, gateway: String, baseURL: String, checkedAt: Date? = nil, updatedAt: Date
    ) {
        self.secretKey = secretKey
        self.secretKeyLast4 = secretKeyLast4
        self.publishableKey = publishableKey
        self.webhookSecret = webhookSecret
        self.webhookSecretLast4 = webhookSecretLast4
        self.gateway = gateway
        self.baseURL = baseURL
        self.checkedAt = checkedAt
        self.updatedAt = updatedAt
    }

    init(row: Row) {
        secretKey = row["secret_key"]
        secretKeyLast4 = row["secret_key_last4"]
        publishableKey = row["publishable_key"]
        webhookSecret = row["webhook_secret"]
        webhookSecretLast4 = row["webhook_secret_last4"]
        gateway = row["gateway"]
        baseURL = row["base_url"]
        checkedAt = row["checked_at"]
        updatedAt = row["updated_at"]
    }
}

/// One attempt to pay an invoice by card on Stripe Checkout: made before the customer is sent to Stripe, moved on
/// by the webhook (or by reading the session when the customer comes back), and applied to WHMCS exactly once.
package struct CardPayment: Sendable, Equatable {
    package enum Status: String, Sendable {
        /// Sent to Stripe; nothing known yet.
        case open
        /// Completed with a payment method that settles later (a bank debit).
        case processing
        case paid
        case declined
        case expired
    }

    package var sessionID: String
    package var invoiceID: Int
    package var accountID: Account.ID
    package var amountMinor: Int64
    package var currency: String
    package var status: Status
    package var paymentIntent: String?
    /// Why Stripe declined, in Stripe's words.
    package var failure: String
    /// When WHMCS recorded the payment; nil until then.
    package var appliedAt: Date?
    package var applyError: String
    package var refundedMinor: Int64
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        sessionID: String, invoiceID: Int, accountID: Account.ID, amountMinor: Int64, currency: String, now: Date
    ) {
        self.sessionID = sessionID
        self.invoiceID = invoiceID
        self.accountID = accountID
        self.amountMinor = amountMinor
        self.currency = currency
        status = .open
        failure = ""
        applyError = ""
        refundedMinor = 0
        createdAt = now
        updatedAt = now
    }

    init(row: Row) {
        sessionID = row["session_id"]
        invoiceID = row["invoice_id"]
        accountID = Account.ID(row["account_id"] as Int64)
        amountMinor = row["amount_minor"]
        currency = row["currency"]
        status = Status(rawValue: row["status"]) ?? .open
        paymentIntent = row["payment_intent"]
        failure = row["failure"]
        appliedAt = row["applied_at"]
        applyError = row["apply_error"]
        refundedMinor = row["refunded_minor"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }

    /// What can still be refunded.
    package var refundableMinor: Int64 { status == .paid ? amountMinor - refundedMinor : 0 }
}

/// A refund of (part of) a card payment, asked for by staff.
package struct CardRefund: Sendable, Equatable {
    package enum Status: String, Sendable { case requested, refunded, failed }

    package var id: Int64
    package var sessionID: String
    package var amountMinor: Int64
    package var reason: String
    package var stripeRefundID: String?
    package var status: Status
    package var failure: String
    /// When WHMCS recorded it; nil until then.
    package var recordedAt: Date?
    package var actor: String
    package var createdAt: Date

    init(row: Row) {
        id = row["id"]
        sessionID = row["session_id"]
        amountMinor = row["amount_minor"]
        reason = row["reason"]
        stripeRefundID = row["stripe_refund_id"]
        status = Status(rawValue: row["status"]) ?? .requested
        failure = row["failure"]
        recordedAt = row["recorded_at"]
        actor = row["actor"]
        createdAt = row["created_at"]
    }
}

package enum PaymentError: Error, Equatable {
    /// More than what is left to refund.
    case exceedsRefundable(Int64)
    case notPaid
}

/// Card payments, Stripe webhook events and refunds of one tenant.
package struct PaymentStore: Sendable {
    let pool: DatabasePool

    package init(pool: DatabasePool) {
        self.pool = pool
    }

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE stripe_account (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    secret_key BLOB NOT NULL,
                    secret_key_last4 TEXT NOT NULL,
                    publishable_key TEXT NOT NULL,
                    webhook_secret BLOB NOT NULL,
                    webhook_secret_last4 TEXT NOT NULL,
                    gateway TEXT NOT NULL,
                    base_url TEXT NOT NULL,
                    checked_at DATETIME,
                    updated_at DATETIME NOT NULL
                );
                CREATE TABLE card_payments (
                    session_id TEXT PRIMARY KEY,
                    invoice_id INTEGER NOT NULL,
                    account_id INTEGER NOT NULL REFERENCES accounts(id),
                    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
                    currency TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('open', 'processing', 'paid', 'declined', 'expired')),
                    payment_intent TEXT,
                    failure TEXT NOT NULL DEFAULT '',
                    applied_at DATETIME,
                    apply_error TEXT NOT NULL DEFAULT '',
                    refunded_minor INTEGER NOT NULL DEFAULT 0,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX card_payments_by_invoice ON card_payments(invoice_id, created_at);
                CREATE INDEX card_payments_to_apply ON card_payments(status, applied_at);
                CREATE TABLE stripe_events (
                    event_id TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    session_id TEXT,
                    received_at DATETIME NOT NULL
                );
                CREATE TABLE card_refunds (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    session_id TEXT NOT NULL REFERENCES card_payments(session_id),
                    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
                    reason TEXT NOT NULL DEFAULT '',
                    stripe_refund_id TEXT,
                    status TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'refunded', 'failed')),
                    failure TEXT NOT NULL DEFAULT '',
                    recorded_at DATETIME,
                    actor TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX card_refunds_by_payment ON card_refunds(session_id, id);
                """)
    }

    // MARK: The Stripe account

    package func stripeAccount() async throws -> StripeAccount? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM stripe_account WHERE id = 1").map(StripeAccount.init(row:))
        }
    }

    /// Stores the account (replacing any before it), audited in the same transaction.
    package func saveStripeAccount(_ account: StripeAccount, actor: Account?, ip: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO stripe_account (id, secret_key, secret_key_last4, publishable_key, webhook_secret,
                        webhook_secret_last4, gateway, base_url, checked_at, updated_at)
                    VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET secret_key = excluded.secret_key,
                        secret_key_last4 = excluded.secret_key_last4, publishable_key = excluded.publishable_key,
                        webhook_secret = excluded.webhook_secret, webhook_secret_last4 = excluded.webhook_secret_last4,
                        gateway = excluded.gateway, base_url = excluded.base_url, checked_at = excluded.checked_at,
                        updated_at = excluded.updated_at
                    """,
                arguments: [
                    account.secretKey, account.secretKeyLast4, account.publishableKey, account.webhookSecret,
                    account.webhookSecretLast4, account.gateway, account.baseURL, account.checkedAt, account.updatedAt,
                ])
            try AccountStore.appendAudit(
                db, "payments.stripe_saved", actor: actor, target: "stripe",
                detail: "secret key …\(account.secretKeyLast4), gateway \(account.gateway)", ip: ip,
                now: account.updatedAt)
        }
    }

    package func removeStripeAccount(actor: Account?, ip: String, now: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM stripe_account")
            try AccountStore.appendAudit(
                db, "payments.stripe_removed", actor: actor, target: "stripe", detail: "", ip: ip, now: now)
        }
    }

    package func markStripeChecked(at date: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE stripe_account SET checked_at = ? WHERE id = 1", arguments: [date])
        }
    }

    // MARK: Card payments

    package func startCheckout(_ payment: CardPayment) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO card_payments (session_id, invoice_id, account_id, amount_minor, currency, status,
                        payment_intent, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?)
                    ON CONFLICT(session_id) DO NOTHING
                    """,
                arguments: [
                    payment.sessionID, payment.invoiceID, payment.accountID, payment.amountMinor, payment.currency,
                    payment.paymentIntent, payment.createdAt, payment.updatedAt,
                ])
        }
    }

    package func payment(session: String) async throws -> CardPayment? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM card_payments WHERE session_id = ?", arguments: [session])
                .map(CardPayment.init(row:))
        }
    }

    /// The newest attempt to pay `invoiceID`, of `account` only.
    package func latestPayment(invoice invoiceID: Int, of account: Account.ID) async throws -> CardPayment? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM card_payments WHERE invoice_id = ? AND account_id = ?
                    ORDER BY created_at DESC, rowid DESC LIMIT 1
                    """,
                arguments: [invoiceID, account]
            ).map(CardPayment.init(row:))
        }
    }

    /// The session a PaymentIntent event is about: by the intent, or else the newest open attempt on the invoice.
    package func session(intent: String, invoice: Int?) async throws -> String? {
        try await pool.read { db in
            if let session = try String.fetchOne(
                db, sql: "SELECT session_id FROM card_payments WHERE payment_intent = ?", arguments: [intent])
            {
                return session
            }
            guard let invoice else { return nil }
            return try String.fetchOne(
                db,
                sql: """
                    SELECT session_id FROM card_payments WHERE invoice_id = ? AND status = 'open'
                    ORDER BY created_at DESC, rowid DESC LIMIT 1
                    """, arguments: [invoice])
        }
    }

    /// The paid card payments of an invoice (for refunds), oldest first.
    package func paidPayments(invoice invoiceID: Int) async throws -> [CardPayment] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM card_payments WHERE invoice_id = ? AND status = 'paid' ORDER BY created_at",
                arguments: [invoiceID]
            ).map(CardPayment.init(row:))
        }
    }

    /// What Stripe said about a session. A paid session never goes back to anything else.
    package enum Outcome: Sendable, Equatable {
        case paid(paymentIntent: String)
        case processing(paymentIntent: String?)
        case declined(String)
        case expired
    }

    /// Moves the session's payment on; returns it afterwards (nil for a session this brand never started).
    @discardableResult
    package func record(_ outcome: Outcome, session: String, now: Date) async throws -> CardPayment? {
        try await pool.write { db in try Self.apply(outcome, session: session, db, now: now) }
    }

    /// Records a webhook event once, with its effect on the payment, in one transaction. False for an event id
    /// already recorded: a repeated delivery changes nothing.
    package func recordEvent(id: String, type: String, session: String?, outcome: Outcome?, now: Date) async throws
        -> Bool
    {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO stripe_events (event_id, type, session_id, received_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(event_id) DO NOTHING
                    """,
                arguments: [id, type, session, now])
            guard db.changesCount > 0 else { return false }
            if let session, let outcome { try Self.apply(outcome, session: session, db, now: now) }
            return true
        }
    }

    private static func apply(_ outcome: Outcome, session: String, _ db: Database, now: Date) throws -> CardPayment? {
        guard
            let current = try Row.fetchOne(
                db, sql: "SELECT * FROM card_payments WHERE session_id = ?", arguments: [session]
            ).map(CardPayment.init(row:))
        else { return nil }
        guard current.status != .paid else { return current }
        let (status, intent, failure): (CardPayment.Status, String?, String) =
            switch outcome {
            case .paid(let intent): (.paid, intent, "")
            case .processing(let intent): (.processing, intent ?? current.paymentIntent, "")
            case .declined(let reason): (.declined, current.paymentIntent, reason)
            case .expired: (current.status == .declined ? .declined : .expired, current.paymentIntent, current.failure)
            }
        try db.execute(
            sql: """
                UPDATE card_payments SET status = ?, payment_intent = ?, failure = ?, updated_at = ?
                WHERE session_id = ?
                """,
            arguments: [status.rawValue, intent, failure, now, session])
        return try Row.fetchOne(db, sql: "SELECT * FROM card_payments WHERE session_id = ?", arguments: [session])
            .map(CardPayment.init(row:))
    }

    /// Whether the event id was recorded.
    package func hasEvent(_ id: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM stripe_events WHERE event_id = ?", arguments: [id]) ?? false
        }
    }

    /// Paid card payments WHMCS has not recorded yet: the pipeline applies them (again after a crash).
    package func unappliedPayments() async throws -> [CardPayment] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM card_payments WHERE status = 'paid' AND applied_at IS NULL ORDER BY updated_at"
            ).map(CardPayment.init(row:))
        }
    }

    /// Recorded in WHMCS; the invoice's waiting payment steps are woken so the order goes on at once.
    package func markApplied(session: String, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE card_payments SET applied_at = ?, apply_error = '' WHERE session_id = ?",
                arguments: [now, session])
            try db.execute(
                sql: """
                    UPDATE order_jobs SET run_after = ?
                    WHERE state = 'queued' AND step = 'payment' AND run_after > ?
                        AND order_id IN (
                            SELECT o.id FROM orders o JOIN card_payments p ON p.invoice_id = o.whmcs_invoice_id
                            WHERE p.session_id = ?)
                    """,
                arguments: [now, now, session])
        }
    }

    package func markApplyFailed(session: String, error: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE card_payments SET apply_error = ? WHERE session_id = ?", arguments: [error, session])
        }
    }

    // MARK: Refunds

    /// Reserves a refund of `amountMinor` against the payment (refused above what is left), audited.
    package func requestRefund(
        session: String, amountMinor: Int64, reason: String, actor: Account, ip: String, now: Date
    ) async throws -> CardRefund {
        try await pool.write { db in
            guard
                let payment = try Row.fetchOne(
                    db, sql: "SELECT * FROM card_payments WHERE session_id = ?", arguments: [session]
                ).map(CardPayment.init(row:)), payment.status == .paid
            else { throw PaymentError.notPaid }
            let pending =
                try Int64.fetchOne(
                    db,
                    sql:
                        "SELECT coalesce(sum(amount_minor), 0) FROM card_refunds WHERE session_id = ? AND status = 'requested'",
                    arguments: [session]) ?? 0
            let left = payment.refundableMinor - pending
            guard amountMinor > 0, amountMinor <= left else { throw PaymentError.exceedsRefundable(left) }
            try db.execute(
                sql: """
                    INSERT INTO card_refunds (session_id, amount_minor, reason, actor, created_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [session, amountMinor, reason, actor.email, now])
            let id = db.lastInsertedRowID
            try AccountStore.appendAudit(
                db, "payments.refund_requested", actor: actor, target: "invoice \(payment.invoiceID)",
                detail: "\(amountMinor) \(payment.currency) of \(session)", ip: ip, now: now)
            return try Self.refund(db, id)!
        }
    }

    /// Stripe made the refund: counted against the payment, audited and the customer's email queued, together.
    package func completeRefund(
        _ id: Int64, stripeRefundID: String, actor: Account?, mail: OutgoingMail?, now: Date
    ) async throws {
        try await pool.write { db in
            guard let refund = try Self.refund(db, id), refund.status == .requested else { return }
            try db.execute(
                sql: "UPDATE card_refunds SET status = 'refunded', stripe_refund_id = ? WHERE id = ?",
                arguments: [stripeRefundID, id])
            try db.execute(
                sql:
                    "UPDATE card_payments SET refunded_minor = refunded_minor + ?, updated_at = ? WHERE session_id = ?",
                arguments: [refund.amountMinor, now, refund.sessionID])
            try AccountStore.appendAudit(
                db, "payments.refunded", actor: actor, target: refund.sessionID,
                detail: "\(refund.amountMinor) as \(stripeRefundID)", ip: "", now: now)
            if let mail { try AccountStore.insertMail(db, mail, now: now) }
        }
    }

    package func failRefund(_ id: Int64, reason: String, actor: Account?, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE card_refunds SET status = 'failed', failure = ? WHERE id = ? AND status = 'requested'",
                arguments: [reason, id])
            try AccountStore.appendAudit(
                db, "payments.refund_failed", actor: actor, target: "refund \(id)", detail: reason, ip: "", now: now)
        }
    }

    package func markRefundRecorded(_ id: Int64, now: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE card_refunds SET recorded_at = ? WHERE id = ?", arguments: [now, id])
        }
    }

    /// Refunds asked of Stripe whose answer was never stored (a crash or a lost answer): asked again with the same
    /// idempotency key, Stripe returns the refund it made, or makes it once.
    package func unansweredRefunds(before date: Date) async throws -> [CardRefund] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM card_refunds WHERE status = 'requested' AND created_at < ? ORDER BY id",
                arguments: [date]
            ).map(CardRefund.init(row:))
        }
    }

    /// Refunds Stripe made that WHMCS has not recorded yet.
    package func unrecordedRefunds() async throws -> [CardRefund] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM card_refunds WHERE status = 'refunded' AND recorded_at IS NULL ORDER BY id"
            ).map(CardRefund.init(row:))
        }
    }

    package func refunds(invoice invoiceID: Int) async throws -> [CardRefund] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.* FROM card_refunds r JOIN card_payments p ON p.session_id = r.session_id
                    WHERE p.invoice_id = ? ORDER BY r.id
                    """,
                arguments: [invoiceID]
            ).map(CardRefund.init(row:))
        }
    }

    /// Whether anything waits for WHMCS: a payment or a refund it has not recorded.
    package func hasUnrecordedWork() async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM card_payments WHERE status = 'paid' AND applied_at IS NULL)
                        OR EXISTS (SELECT 1 FROM card_refunds WHERE status = 'refunded' AND recorded_at IS NULL)
                        OR EXISTS (SELECT 1 FROM card_refunds WHERE status = 'requested')
                    """) ?? false
        }
    }

    private static func refund(_ db: Database, _ id: Int64) throws -> CardRefund? {
        try Row.fetchOne(db, sql: "SELECT * FROM card_refunds WHERE id = ?", arguments: [id]).map(CardRefund.init(row:))
    }
}
