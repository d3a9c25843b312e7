import GRDB

/// The delivery columns of the mail outbox (tenant databases and the registry alike): the headers fixed when a
/// message is queued, and its delivery state.
enum MailSchema {
    static func upgradeOutbox(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE mail_outbox_new (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    created_at DATETIME NOT NULL,
                    to_address TEXT NOT NULL,
                    to_name TEXT NOT NULL DEFAULT '',
                    from_address TEXT NOT NULL DEFAULT '',
                    from_name TEXT NOT NULL DEFAULT '',
                    reply_to TEXT NOT NULL DEFAULT '',
                    message_id TEXT NOT NULL DEFAULT '',
                    subject TEXT NOT NULL,
                    text_body TEXT NOT NULL,
                    html_body TEXT,
                    kind TEXT NOT NULL,
                    -- queued → sending → sent | queued (retry) | failed; captured when no relay is configured.
                    status TEXT NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'cancelled', 'captured')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at DATETIME,
                    last_error TEXT NOT NULL DEFAULT '',
                    sent_at DATETIME
                );
                INSERT INTO mail_outbox_new (id, created_at, to_address, subject, text_body, html_body, kind, status)
                    SELECT id, created_at, to_address, subject, text_body, html_body, kind, status FROM mail_outbox;
                DROP TABLE mail_outbox;
                ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
                CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
                -- Mail queued before delivery existed has no headers to send with: it stays readable, unsent.
                UPDATE mail_outbox SET status = 'captured' WHERE status IN ('queued', 'sending');
                """
        )
    }
}
