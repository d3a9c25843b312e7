import Foundation
import Integrations
import Logging
import ServiceLifecycle
import Synchronization
import Tenancy

/// How often and how long delivery is retried after a temporary failure (4xx reply, no connection).
package struct MailRetryPolicy: Sendable {
    package var maximumAttempts = 8
    package var baseDelay: TimeInterval = 60
    package var maximumDelay: TimeInterval = 3600

    package init() {}

    /// The wait after failed attempt `attempt` (1-based): exponential, capped, with full jitter.
    func delay(afterAttempt attempt: Int, unit: Double) -> TimeInterval {
        min(maximumDelay, baseDelay * pow(2, Double(attempt - 1))) * max(0.1, unit)
    }
}

/// Delivers queued mail from every outbox over SMTP, one message at a time per outbox, off the event loop.
///
/// At-most-once where it can be told: a message is marked `sending` before the SMTP transaction and `sent` right
/// after the relay's final 250, and a restart never resends a message found in `sending` (it is marked failed for
/// staff to check). The remaining at-least-once edge: if the relay accepts the message but its final reply is lost
/// (the connection drops after the relay commits and before libcurl reads the 250), the attempt counts as a
/// temporary failure and the message is sent again; the Message-ID stays the same, so receiving systems can see it
/// is a duplicate.
package struct MailDelivery: Service {
    package typealias Send = @Sendable (MailMessage, SMTPRelay) async throws -> Void

    static let parallelOutboxes = 4
    static let messagesPerTurn = 5

    let queue: MailQueue
    let databases: TenantDatabases
    let registry: TenantRegistry
    let platform: PlatformDatabase
    /// The platform's relay; a tenant's own relay replaces it for that tenant's mail. With neither, mail is captured
    /// (demo and sandbox set-ups).
    let relay: SMTPRelay?
    let secrets: SecretBox
    /// Where a brand's own relay may be (public only, unless a sandbox brand on a sandbox server).
    let relayEgress: @Sendable (Tenant) async throws -> EgressPolicy
    let send: Send
    let policy: MailRetryPolicy
    let now: @Sendable () -> Date
    let logger: Logger
    /// Told when a brand's own relay has refused `RelayWatch.threshold` messages in a row, and when it takes one again.
    let alerts: AlertDesk?
    private let relayWatch = RelayWatch()

    package init(
        queue: MailQueue, databases: TenantDatabases, registry: TenantRegistry, platform: PlatformDatabase,
        relay: SMTPRelay?,
        secrets: SecretBox,
        relayEgress: @escaping @Sendable (Tenant) async throws -> EgressPolicy = { _ in .publicOnly },
        send: @escaping Send = { try await SMTPSender().send($0, via: $1) },
        policy: MailRetryPolicy = MailRetryPolicy(), alerts: AlertDesk? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.alerts = alerts
        self.queue = queue
        self.databases = databases
        self.registry = registry
        self.platform = platform
        // The operator's own relay may be anywhere, a local MTA included.
        self.relay = relay.map {
            var relay = $0
            relay.egress = .anyAddress
            return relay
        }
        self.secrets = secrets
        self.relayEgress = relayEgress
        self.send = send
        self.policy = policy
        self.now = now
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            await sweep()
            // A few outboxes at a time, a few messages each per turn: one brand's slow or silent relay (or a flood
            // of its own mail) cannot hold up another brand's password resets. New mail is noticed within a tick.
            await QueueDrain(
                parallel: Self.parallelOutboxes, now: now, takeDue: { queue.takeDue(now: $0) },
                putBack: { queue.notify($0, at: $1) }, work: { await deliver($0) }
            ).run()
        }
    }

    /// At start: each outbox on the pending list gets its interrupted messages recovered and its queued ones
    /// scheduled; no other tenant's database is opened.
    private func sweep() async {
        do {
            for name in try await platform.pendingMailboxes() {
                if Task.isCancelled { return }
                guard let mailbox = Mailbox(name) else { continue }
                await prepare(mailbox)
            }
        } catch {
            logger.error("the pending mail list could not be read", metadata: ["error": "\(error)"])
        }
    }

    private func prepare(_ mailbox: Mailbox) async {
        do {
            let recovered = try await withOutbox(mailbox) { try await $0.recoverInterrupted() }
            if let recovered, recovered > 0 {
                logger.warning(
                    "mail interrupted by a restart marked failed",
                    metadata: ["mailbox": "\(mailbox)", "count": "\(recovered)"])
            }
            try await settle(mailbox)
        } catch {
            logger.error("mail outbox could not be read", metadata: ["mailbox": "\(mailbox)", "error": "\(error)"])
        }
    }

    /// Schedules the outbox's next due message, or takes it off the pending list when nothing is left.
    private func settle(_ mailbox: Mailbox) async throws {
        let checkedAt = Date()
        if let next = try await withOutbox(mailbox, { try await $0.nextDue() }) ?? nil {
            // Still work (a retry later): keep the outbox on the durable pending list for a restart to find.
            try await platform.markMailPending(mailbox.description)
            queue.notify(mailbox, at: next)
        } else if try await withOutbox(mailbox, { try await $0.hasWork() }) != true {
            try await platform.clearMailPending(mailbox.description, checkedAt: checkedAt)
        }
    }

    /// Runs `body` on the outbox of `mailbox`; nil when the tenant no longer exists.
    private func withOutbox<T: Sendable>(_ mailbox: Mailbox, _ body: (MailOutbox) async throws -> T) async throws -> T?
    {
        switch mailbox {
        case .platform:
            return try await body(platform.mail)
        case .tenant(let id):
            // Another node of the cluster holds the tenant and delivers its mail.
            guard let tenant = registry.snapshot.tenantsByID[id], registry.runsJobs(id) else { return nil }
            return try await databases.withDatabase(for: tenant) { try await body($0.mail) }
        }
    }

    /// Sends up to a turn's worth of what is due in one outbox; no database is held open while the relay is talked
    /// to, and a claimed message always finishes its attempt even during shutdown, so none is left `sending`.
    private func deliver(_ mailbox: Mailbox) async {
        do {
            let batch =
                try await withOutbox(mailbox, { try await $0.due(now: now(), limit: Self.messagesPerTurn) }) ?? []
            for mail in batch where !Task.isCancelled {
                guard try await withOutbox(mailbox, { try await $0.claim(mail.id) }) == true else { continue }
                let claimed = mail
                // Unstructured: not cancelled with the worker, so the send and its outcome are recorded together.
                try await Task { try await attempt(claimed, in: mailbox) }.value
            }
            try await settle(mailbox)
        } catch {
            logger.error(
                "mail delivery stopped for an outbox", metadata: ["mailbox": "\(mailbox)", "error": "\(error)"])
            queue.notify(mailbox, at: now().addingTimeInterval(60))
        }
    }

    /// The relay the message was queued for: the brand's own (and only that: its sender may be valid only there),
    /// or the platform's.
    private func relay(for mailbox: Mailbox, queuedFor choice: String) async throws -> SMTPRelay? {
        guard case .tenant(let id) = mailbox, let tenant = registry.snapshot.tenantsByID[id], choice == "own" else {
            return relay
        }
        let settings = try await databases.withDatabase(for: tenant) {
            try await TenantMailSettings.load(from: $0.accounts)
        }
        guard let own = try settings.relay(for: tenant, secrets: secrets, egress: try await relayEgress(tenant)) else {
            throw OwnRelayGone()
        }
        return own
    }

    /// The brand removed its own relay after the message was queued for it.
    struct OwnRelayGone: Error, CustomStringConvertible {
        var description: String {
            "it was queued for the brand's own relay, which is no longer set; it is not sent through the platform's"
        }
    }

    /// One delivery attempt of a claimed message; whatever happens, the message leaves the `sending` state.
    private func attempt(_ mail: OutboxMail, in mailbox: Mailbox) async throws {
        let relay: SMTPRelay?
        do {
            relay = try await self.relay(for: mailbox, queuedFor: mail.relay)
        } catch let gone as OwnRelayGone {
            _ = try await withOutbox(mailbox) { try await $0.fail(mail.id, error: gone.description) }
            PortalMetrics.mail("failed")
            return
        } catch {
            let reason = "the brand's relay settings cannot be used: \(error)"
            if mail.attempts + 1 >= policy.maximumAttempts {
                _ = try await withOutbox(mailbox) { try await $0.fail(mail.id, error: reason) }
                PortalMetrics.mail("failed")
            } else {
                let retryAt = now().addingTimeInterval(policy.delay(afterAttempt: mail.attempts + 1, unit: 1))
                _ = try await withOutbox(mailbox) { try await $0.retry(mail.id, at: retryAt, error: reason) }
            }
            return
        }
        guard let relay else {
            _ = try await withOutbox(mailbox) { try await $0.capture(mail.id, now: now()) }
            return
        }
        let message = MailMessage(
            from: MailAddress(name: mail.fromName, address: mail.fromAddress),
            to: MailAddress(name: mail.toName, address: mail.toAddress),
            replyTo: mail.replyTo.isEmpty ? nil : MailAddress(address: mail.replyTo), subject: mail.subject,
            text: mail.textBody,
            html: mail.htmlBody, messageID: mail.messageID, date: mail.createdAt
        )
        let attempts = mail.attempts + 1
        do {
            try message.validate()
            try await send(message, relay)
            _ = try await withOutbox(mailbox) { try await $0.markSent(mail.id, now: now()) }
            PortalMetrics.mail("sent")
            await relayAnswered(mailbox, relay: mail.relay, refused: nil)
            logger.info(
                "mail sent",
                metadata: [
                    "mailbox": "\(mailbox)", "id": "\(mail.id)", "kind": "\(mail.kind)", "attempts": "\(attempts)",
                ])
        } catch let failure as SMTPFailure where !failure.isPermanent && attempts < policy.maximumAttempts {
            let retryAt = now().addingTimeInterval(policy.delay(afterAttempt: attempts, unit: Double.random(in: 0...1)))
            _ = try await withOutbox(mailbox) { try await $0.retry(mail.id, at: retryAt, error: failure.description) }
            PortalMetrics.mail("deferred")
            await relayAnswered(mailbox, relay: mail.relay, refused: failure.description)
            logger.warning(
                "mail delivery deferred",
                metadata: [
                    "mailbox": "\(mailbox)", "id": "\(mail.id)", "reason": "\(failure)",
                    "detail": "\(failure.detail ?? "")",
                ])
        } catch {
            let reason =
                if let failure = error as? SMTPFailure, !failure.isPermanent {
                    "gave up after \(attempts) attempts: \(failure)"
                } else {
                    "\(error)"
                }
            _ = try await withOutbox(mailbox) { try await $0.fail(mail.id, error: reason) }
            PortalMetrics.mail("failed")
            if error is SMTPFailure { await relayAnswered(mailbox, relay: mail.relay, refused: reason) }
            logger.warning(
                "mail delivery failed",
                metadata: [
                    "mailbox": "\(mailbox)", "id": "\(mail.id)", "reason": "\(reason)",
                    "detail": "\((error as? SMTPFailure)?.detail ?? "")",
                ])
        }
    }

    /// Counts a brand's own relay's refusals in a row: at `RelayWatch.threshold` its owners and admins are alerted
    /// (through the platform's relay); the first message it takes again clears the alert.
    private func relayAnswered(_ mailbox: Mailbox, relay: String, refused reason: String?) async {
        guard let alerts, relay == "own", case .tenant(let id) = mailbox,
            let tenant = registry.snapshot.tenantsByID[id]
        else { return }
        switch relayWatch.record(id, refused: reason != nil) {
        case .raise:
            await alerts.raise(
                tenant, incident: "relay", kind: "relay", title: "Your mail relay keeps refusing mail",
                detail:
                    "The last \(RelayWatch.threshold) messages were refused or could not be handed over (\(reason ?? "")). Messages are retried; check the relay's address, port and credentials under Mail settings.",
                actionPath: AdminPaths.mailSettings.link(), viaPlatformRelay: true)
        case .clear:
            await alerts.clear(tenant, incident: "relay")
        case .none:
            break
        }
    }
}

/// Consecutive refusals per brand relay, in memory.
final class RelayWatch: Sendable {
    static let threshold = 3

    enum Verdict { case raise, clear, none }

    private struct Entry {
        var refusals = 0
        /// Whether a stale alert (from before a restart) may be open: cleared on the first success.
        var mayBeOpen = true
    }

    private let entries = Mutex<[Tenant.ID: Entry]>([:])

    func record(_ tenant: Tenant.ID, refused: Bool) -> Verdict {
        entries.withLock { entries in
            var entry = entries[tenant] ?? Entry()
            defer { entries[tenant] = entry }
            if refused {
                entry.refusals += 1
                guard entry.refusals == Self.threshold else { return .none }
                entry.mayBeOpen = true
                return .raise
            }
            let verdict: Verdict = entry.mayBeOpen ? .clear : .none
            entry = Entry(refusals: 0, mayBeOpen: false)
            return verdict
        }
    }
}
