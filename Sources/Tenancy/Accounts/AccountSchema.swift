import GRDB

/// The accounts tables, the same in every tenant database and in the platform registry, so one store
/// serves customers and staff on tenant hosts and platform users on the platform host.
enum AccountSchema {
    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE accounts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL CHECK (kind IN ('customer', 'staff', 'platform')),
                    email TEXT NOT NULL COLLATE NOCASE,
                    name TEXT NOT NULL,
                    company TEXT NOT NULL DEFAULT '',
                    password_hash TEXT,
                    role TEXT CHECK (role IN ('owner', 'admin', 'support')),
                    email_verified_at DATETIME,
                    totp_secret BLOB,
                    totp_pending_secret BLOB,
                    totp_last_step INTEGER NOT NULL DEFAULT 0,
                    created_at DATETIME NOT NULL,
                    UNIQUE (kind, email),
                    CHECK ((kind = 'staff') = (role IS NOT NULL))
                );
                CREATE TABLE sessions (
                    id_hash TEXT PRIMARY KEY NOT NULL,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    csrf_token TEXT NOT NULL,
                    second_factor_pending BOOLEAN NOT NULL DEFAULT 0,
                    created_at DATETIME NOT NULL,
                    last_seen_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL,
                    user_agent TEXT NOT NULL DEFAULT '',
                    ip TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX sessions_by_account ON sessions(account_id);
                CREATE TABLE account_tokens (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'invite', 'change_email')),
                    new_email TEXT,
                    expires_at DATETIME NOT NULL,
                    used_at DATETIME
                );
                CREATE TABLE recovery_codes (
                    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
                    code_hash TEXT NOT NULL,
                    used_at DATETIME,
                    PRIMARY KEY (account_id, code_hash)
                );
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at DATETIME NOT NULL,
                    actor_id INTEGER,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL DEFAULT '',
                    detail TEXT NOT NULL DEFAULT '',
                    ip TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX audit_by_time ON audit_log(at);
                CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TABLE mail_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    created_at DATETIME NOT NULL,
                    to_address TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    text_body TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed'))
                );
                CREATE TABLE settings (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                """
        )
    }
}
