import Foundation
import GRDB

/// Which reminders were queued, by (object, due date, threshold), so each goes out at most once whatever the
/// clock does. The row and the email are written in one transaction.
enum ReminderSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE reminders_sent (
                    object TEXT NOT NULL,
                    due_date TEXT NOT NULL,
                    threshold INTEGER NOT NULL,
                    sent_at DATETIME NOT NULL,
                    PRIMARY KEY (object, due_date, threshold)
                )
                """
        )
    }
}

extension AccountStore {
    /// The thresholds already reminded for `object` due on `dueDate`.
    package func remindedThresholds(object: String, dueDate: String) async throws -> [Int] {
        try await pool.read { db in
            try Int.fetchAll(
                db, sql: "SELECT threshold FROM reminders_sent WHERE object = ? AND due_date = ?",
                arguments: [object, dueDate]
            )
        }
    }

    /// Records the reminder and queues its email together; false (and nothing queued) when it was already sent.
    package func queueReminder(object: String, dueDate: String, threshold: Int, mail: OutgoingMail, now: Date)
        async throws -> Bool
    {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO reminders_sent (object, due_date, threshold, sent_at) VALUES (?, ?, ?, ?)",
                arguments: [object, dueDate, threshold, now]
            )
            guard db.changesCount == 1 else { return false }
            try Self.insertMail(db, mail, now: now)
            return true
        }
    }
}
