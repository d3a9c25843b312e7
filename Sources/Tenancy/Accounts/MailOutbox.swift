import Foundation
import GRDB

/// The delivery side of a mail outbox (a tenant's, or the registry's for platform mail). Each method is one
/// transaction; claiming a message is conditional, so two workers can never send the same one.
package struct MailOutbox: Sendable {
    let pool: DatabasePool

    package init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Queued messages whose time has come, oldest first.
    package func due(now: Date, limit: Int = 20) async throws -> [OutboxMail] {
        try await pool.read { db in
            try OutboxMail.fetchAll(
                db,
                sql: "SELECT * FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
                arguments: [now, limit]
            )
        }
    }

    /// Whether anything is queued or being sent.
    package func hasWork() async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM mail_outbox WHERE status IN ('queued', 'sending'))") ?? false
        }
    }

    /// When the next queued message is due, if any.
    package func nextDue() async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM mail_outbox WHERE status = 'queued'")
        }
    }

    /// Marks a queued message as being sent (and counts the attempt); false when someone else took it.
    package func claim(_ id: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql:
                    "UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ? AND status = 'queued'",
                arguments: [id]
            )
            return db.changesCount == 1
        }
    }

    package func markSent(_ id: Int64, now: Date) async throws {
        try await set(
            id, "UPDATE mail_outbox SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ?", [now, id])
    }

    package func retry(_ id: Int64, at time: Date, error: String) async throws {
        try await set(
            id, "UPDATE mail_outbox SET status = 'queued', next_attempt_at = ?, last_error = ? WHERE id = ?",
            [time, error, id])
    }

    package func fail(_ id: Int64, error: String) async throws {
        try await set(id, "UPDATE mail_outbox SET status = 'failed', last_error = ? WHERE id = ?", [error, id])
    }

    /// No relay is configured: the message is kept, readable on the mailbox page, and not sent.
    package func capture(_ id: Int64, now: Date) async throws {
        try await set(id, "UPDATE mail_outbox SET status = 'captured', sent_at = ? WHERE id = ?", [now, id])
    }

    /// Staff cancel a queued or failed message; false when it is already on its way or sent.
    package func cancel(_ id: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE mail_outbox SET status = 'cancelled' WHERE id = ? AND status IN ('queued', 'failed')",
                arguments: [id])
            return db.changesCount == 1
        }
    }

    /// Staff send a failed or cancelled message again, now.
    package func requeue(_ id: Int64, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE mail_outbox SET status = 'queued', next_attempt_at = ?, attempts = 0, last_error = ''
                    WHERE id = ? AND status IN ('failed', 'cancelled')
                    """,
                arguments: [now, id]
            )
            return db.changesCount == 1
        }
    }

    /// After a crash, messages left in `sending` may or may not have been accepted by the relay. They are not sent
    /// again automatically (that could duplicate them); they are marked failed for staff to check and retry.
    package func recoverInterrupted() async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE mail_outbox SET status = 'failed',
                        last_error = 'delivery was interrupted (the server stopped mid-send); not resent automatically in case the relay had accepted it'
                    WHERE status = 'sending'
                    """
            )
            return db.changesCount
        }
    }

    package func message(_ id: Int64) async throws -> OutboxMail? {
        try await pool.read { db in
            try OutboxMail.fetchOne(db, sql: "SELECT * FROM mail_outbox WHERE id = ?", arguments: [id])
        }
    }

    package func recent(limit: Int = 100) async throws -> [OutboxMail] {
        try await pool.read { db in
            try OutboxMail.fetchAll(db, sql: "SELECT * FROM mail_outbox ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
    }

    private func set(_ id: Int64, _ sql: String, _ arguments: StatementArguments) async throws {
        try await pool.write { db in try db.execute(sql: sql, arguments: arguments) }
    }
}

extension TenantDatabase {
    /// This tenant's mail outbox, for delivery and the staff mail page.
    package var mail: MailOutbox { MailOutbox(pool: pool) }
}

extension PlatformDatabase {
    /// Mail to platform users, delivered like a tenant's.
    package var mail: MailOutbox { MailOutbox(pool: pool) }

    /// Records that an outbox (`platform` or `tenant:<id>`) has mail; written before the mail itself, so after a
    /// crash the hint may be spare but is never missing.
    package func markMailPending(_ mailbox: String, now: Date = Date()) async throws {
        try await pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO mail_pending (mailbox, since) VALUES (?, ?) ON CONFLICT(mailbox) DO UPDATE SET since = excluded.since",
                arguments: [mailbox, now]
            )
        }
    }

    package func pendingMailboxes() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT mailbox FROM mail_pending ORDER BY since") }
    }

    /// Clears the hint unless mail was announced after `checkedAt` (when the outbox was found empty).
    package func clearMailPending(_ mailbox: String, checkedAt: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM mail_pending WHERE mailbox = ? AND since <= ?", arguments: [mailbox, checkedAt])
        }
    }
}
