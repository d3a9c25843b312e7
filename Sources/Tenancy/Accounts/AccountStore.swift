import Foundation
import GRDB

/// Accounts, sessions, one-time tokens, recovery codes, audit log and mail outbox of one database
/// (a tenant's, or the platform registry). Every method is one transaction.
package struct AccountStore: Sendable {
    package let pool: DatabasePool
    /// Sessions read before, reused until the database next commits (a tenant's; the platform's are read each time).
    let sessionReads: CommittedReads<String, SessionRead>?
    /// Settings read before (by the keys asked together), reused the same way.
    let settingReads: CommittedReads<[String], [String: String]>?
    /// The tenant's connection for reads on the calling thread; nil for the platform's, which reads `async`.
    let inline: InlineReader?

    package init(pool: DatabasePool) {
        self.init(pool: pool, sessionReads: nil, settingReads: nil, inline: nil)
    }

    init(
        pool: DatabasePool, sessionReads: CommittedReads<String, SessionRead>?,
        settingReads: CommittedReads<[String], [String: String]>?, inline: InlineReader?
    ) {
        self.pool = pool
        self.sessionReads = sessionReads
        self.settingReads = settingReads
        self.inline = inline
    }

    /// A session row and its account (nil when the account is gone), as read together. A class: a cached read is
    /// handed out by reference, not field by field.
    final class SessionRead: Sendable {
        let session: AccountSession
        let account: Account?

        init(session: AccountSession, account: Account?) {
            self.session = session
            self.account = account
        }
    }

    // MARK: Accounts

    /// Creates an account; an email already used by the same kind of account is refused.
    package func createAccount(
        kind: Account.Kind, email: String, name: String, company: String = "", passwordHash: String?,
        role: Account.Role? = nil, emailVerified: Bool = false, now: Date = Date()
    ) async throws -> Account {
        try await pool.write { db in
            try Self.insertAccount(
                db, kind: kind, email: email, name: name, company: company, passwordHash: passwordHash,
                role: role, emailVerifiedAt: emailVerified ? now : nil, now: now
            )
        }
    }

    /// Runs several changes as one transaction, for flows whose change and email must commit together.
    package func transaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.write(body)
    }

    package func account(kind: Account.Kind, email: String) async throws -> Account? {
        try await pool.read { db in
            try Account.fetchOne(
                db, sql: "SELECT * FROM accounts WHERE kind = ? AND email = ?", arguments: [kind, email])
        }
    }

    package func account(_ id: Account.ID) async throws -> Account? {
        try await pool.read { db in
            try Account.fetchOne(db, sql: "SELECT * FROM accounts WHERE id = ?", arguments: [id])
        }
    }

    /// The email address of each of `ids` that still exists, in one query (for lists of orders and tickets).
    package func emails(of ids: Set<Account.ID>) async throws -> [Account.ID: String] {
        guard !ids.isEmpty else { return [:] }
        let values = ids.map(\.rawValue)
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, email FROM accounts WHERE id IN (\(databaseQuestionMarks(count: values.count)))",
                arguments: StatementArguments(values)
            )
            return Dictionary(
                rows.map { (Account.ID($0["id"] as Int64), $0["email"] as String) },
                uniquingKeysWith: { first, _ in first })
        }
    }

    package func setPasswordHash(_ hash: String, for id: Account.ID) async throws {
        try await pool.write { db in try Self.updatePasswordHash(db, hash, for: id) }
    }

    package static func updatePasswordHash(_ db: Database, _ hash: String, for id: Account.ID) throws {
        try db.execute(sql: "UPDATE accounts SET password_hash = ? WHERE id = ?", arguments: [hash, id])
    }

    package static func removeSessions(_ db: Database, of id: Account.ID) throws {
        try db.execute(sql: "DELETE FROM sessions WHERE account_id = ?", arguments: [id])
    }

    /// Marks the address confirmed; with `newEmail`, first moves the account to that address.
    package func markEmailVerified(_ id: Account.ID, newEmail: String?, now: Date = Date()) async throws {
        try await pool.write { db in
            do {
                if let newEmail {
                    try db.execute(sql: "UPDATE accounts SET email = ? WHERE id = ?", arguments: [newEmail, id])
                }
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw AccountError.emailTaken
            }
            try db.execute(sql: "UPDATE accounts SET email_verified_at = ? WHERE id = ?", arguments: [now, id])
        }
    }

    package func setName(_ name: String, for id: Account.ID) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE accounts SET name = ? WHERE id = ?", arguments: [name, id])
        }
    }

    /// Saves the language a customer chose for pages and emails (a tenant's accounts only).
    package func setLanguage(_ language: String, for id: Account.ID) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE accounts SET language = ? WHERE id = ?", arguments: [language, id])
        }
    }

    // MARK: Staff

    /// The platform's users (in platform.sqlite's accounts).
    package func platformUsers() async throws -> [Account] {
        try await pool.read { db in
            try Account.fetchAll(db, sql: "SELECT * FROM accounts WHERE kind = 'platform' ORDER BY email")
        }
    }

    package func staff() async throws -> [Account] {
        try await pool.read { db in
            try Account.fetchAll(db, sql: "SELECT * FROM accounts WHERE kind = 'staff' ORDER BY role DESC, email")
        }
    }

    /// Changes a staff member's role; the last owner cannot stop being one.
    package func setRole(_ role: Account.Role, for id: Account.ID) async throws -> Account {
        try await pool.write { db in
            guard var account = try Self.staffMember(db, id) else { throw AccountError.notFound }
            if account.role == .owner && role != .owner { try Self.requireAnotherOwner(db, than: id) }
            try db.execute(sql: "UPDATE accounts SET role = ? WHERE id = ?", arguments: [role, id])
            account.role = role
            return account
        }
    }

    /// Removes a staff member and their sessions; never the last owner.
    package func removeStaff(_ id: Account.ID) async throws -> Account {
        try await pool.write { db in
            guard let account = try Self.staffMember(db, id) else { throw AccountError.notFound }
            if account.role == .owner { try Self.requireAnotherOwner(db, than: id) }
            try db.execute(sql: "DELETE FROM accounts WHERE id = ?", arguments: [id])
            return account
        }
    }

    // MARK: Sessions

    package func createSession(_ session: AccountSession) async throws {
        try await pool.write { db in try session.insert(db) }
    }

    /// The session with this id hash, if it has not expired by idle or absolute time; touches it.
    ///
    /// Read first and write only when needed (an expired row to delete, or `last_seen_at` more than a minute
    /// old), so signed-in page views do not queue on the tenant's single writer.
    package func liveSession(idHash: String, idleTimeout: TimeInterval, now: Date = Date()) async throws
        -> (AccountSession, Account)?
    {
        let query: @Sendable (Database) throws -> SessionRead? = { db in
            // Every signed-in request runs these two: prepared once per connection, not per request.
            guard
                let session = try AccountSession.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM sessions WHERE id_hash = ?"), arguments: [idHash])
            else { return nil }
            let account = try Account.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM accounts WHERE id = ?"), arguments: [session.accountID])
            return SessionRead(session: session, account: account)
        }
        let found: SessionRead?
        if let inline, let sessionReads {
            found = try sessionReads.value(for: idHash) { try inline.read(query) }
        } else {
            found = try await pool.read(query)
        }
        guard let found else { return nil }
        let (session, account) = (found.session, found.account)
        if session.expiresAt <= now || session.lastSeenAt.addingTimeInterval(idleTimeout) <= now {
            try await deleteSession(idHash: idHash)
            return nil
        }
        guard let account else { return nil }
        // A minute's precision is enough for idle expiry; writing on every request would cost a commit each.
        guard now.timeIntervalSince(session.lastSeenAt) > 60 else { return (session, account) }
        var touched = session
        touched.lastSeenAt = now
        try await pool.writeWithoutTransaction { db in
            // The touch does not wait for the disk (synchronous = NORMAL for its commit alone): a power cut could
            // lose it, which only makes the session look idle a minute early, and the next commit that waits syncs
            // it with its own. In WAL mode the database stays consistent either way.
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? 2
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
            try db.inTransaction {
                try db.execute(
                    sql: "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", arguments: [now, idHash])
                return .commit
            }
        }
        return (touched, account)
    }

    package func deleteSession(idHash: String) async throws {
        try await pool.write { db in _ = try AccountSession.deleteOne(db, key: idHash) }
    }

    /// Ends every session of an account except `keeping`; returns how many ended.
    @discardableResult
    package func deleteSessions(of id: Account.ID, keeping: String? = nil) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM sessions WHERE account_id = ? AND id_hash IS NOT ?", arguments: [id, keeping]
            )
            return db.changesCount
        }
    }

    package func sessions(of id: Account.ID) async throws -> [AccountSession] {
        try await pool.read { db in
            try AccountSession.fetchAll(
                db, sql: "SELECT * FROM sessions WHERE account_id = ? ORDER BY last_seen_at DESC", arguments: [id]
            )
        }
    }

    /// The client addresses of the account's most recent sessions: where its owner usually signs in from.
    package func sessionAddresses(of id: Account.ID) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT DISTINCT ip FROM sessions WHERE account_id = ? AND ip != '' ORDER BY last_seen_at DESC LIMIT 20",
                arguments: [id])
        }
    }

    // MARK: One-time tokens

    package func issueToken(_ token: AccountToken) async throws {
        try await pool.write { db in try token.insert(db) }
    }

    /// Uses a token once: it must exist, match the purpose, be unused and unexpired. Returns it marked used.
    package func consumeToken(hash: String, purpose: AccountToken.Purpose, now: Date) async throws
        -> AccountToken
    {
        try await pool.write { db in
            guard var token = try AccountToken.fetchOne(db, key: hash), token.purpose == purpose,
                token.usedAt == nil, token.expiresAt > now
            else { throw AccountError.invalidToken }
            token.usedAt = now
            try db.execute(sql: "UPDATE account_tokens SET used_at = ? WHERE token_hash = ?", arguments: [now, hash])
            return token
        }
    }

    /// Looks at a token without using it (to show a form before the person submits it).
    package func peekToken(hash: String, purpose: AccountToken.Purpose, now: Date) async throws -> AccountToken? {
        try await pool.read { db in
            guard let token = try AccountToken.fetchOne(db, key: hash), token.purpose == purpose,
                token.usedAt == nil, token.expiresAt > now
            else { return nil }
            return token
        }
    }

    // MARK: Two-factor

    package func setPendingTOTP(_ sealed: Data, for id: Account.ID) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE accounts SET totp_pending_secret = ? WHERE id = ?", arguments: [sealed, id])
        }
    }

    /// Replaces the sealed TOTP secret (an older one sealed again, bound to its account).
    package func resealTOTP(_ sealed: Data, for id: Account.ID) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE accounts SET totp_secret = ? WHERE id = ?", arguments: [sealed, id])
        }
    }

    /// Turns two-factor on with the confirmed secret and a fresh set of recovery codes, in one transaction.
    package func enableTOTP(_ sealed: Data, step: Int64, recoveryCodeHashes: [String], for id: Account.ID) async throws
    {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE accounts SET totp_secret = ?, totp_pending_secret = NULL, totp_last_step = ? WHERE id = ?",
                arguments: [sealed, step, id]
            )
            try Self.replaceRecoveryCodes(db, recoveryCodeHashes, for: id)
        }
    }

    /// Turns two-factor off and drops the recovery codes.
    package func disableTOTP(for id: Account.ID) async throws {
        try await pool.write { db in
            try db.execute(
                sql:
                    "UPDATE accounts SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = 0 WHERE id = ?",
                arguments: [id]
            )
            try db.execute(sql: "DELETE FROM recovery_codes WHERE account_id = ?", arguments: [id])
        }
    }

    /// Records a used time step; false when it (or a later one) was used already, so no code works twice.
    package func acceptTOTPStep(_ step: Int64, for id: Account.ID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE accounts SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
                arguments: [step, id, step]
            )
            return db.changesCount == 1
        }
    }

    package func replaceRecoveryCodes(_ hashes: [String], for id: Account.ID) async throws {
        try await pool.write { db in try Self.replaceRecoveryCodes(db, hashes, for: id) }
    }

    /// Uses a recovery code once; false when it is unknown or already used.
    package func consumeRecoveryCode(hash: String, for id: Account.ID, now: Date) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE recovery_codes SET used_at = ? WHERE account_id = ? AND code_hash = ? AND used_at IS NULL",
                arguments: [now, id, hash]
            )
            return db.changesCount == 1
        }
    }

    package func unusedRecoveryCodes(for id: Account.ID) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM recovery_codes WHERE account_id = ? AND used_at IS NULL", arguments: [id]
            ) ?? 0
        }
    }

    private static func replaceRecoveryCodes(_ db: Database, _ hashes: [String], for id: Account.ID) throws {
        try db.execute(sql: "DELETE FROM recovery_codes WHERE account_id = ?", arguments: [id])
        for hash in hashes {
            try db.execute(
                sql: "INSERT INTO recovery_codes (account_id, code_hash) VALUES (?, ?)", arguments: [id, hash])
        }
    }

    // MARK: Audit and outbox

    package func audit(
        _ action: String, actor: Account?, target: String = "", detail: String = "", ip: String = "",
        now: Date = Date()
    ) async throws {
        try await pool.write { db in
            try Self.appendAudit(db, action, actor: actor, target: target, detail: detail, ip: ip, now: now)
        }
    }

    package func auditEntries(action: String? = nil, actor: String? = nil, limit: Int = 200) async throws
        -> [AuditEntry]
    {
        try await pool.read { db in
            var sql = "SELECT * FROM audit_log WHERE 1 = 1"
            var arguments: StatementArguments = []
            if let action, !action.isEmpty {
                sql += " AND action = ?"
                _ = arguments.append(contentsOf: [action])
            }
            if let actor, !actor.isEmpty {
                sql += " AND actor LIKE ?"
                _ = arguments.append(contentsOf: ["%\(actor)%"])
            }
            sql += " ORDER BY id DESC LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try AuditEntry.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// Queues a message (its own transaction; flows that change data queue inside theirs with `insertMail`).
    package func enqueueMail(_ mail: OutgoingMail, now: Date = Date()) async throws {
        try await pool.write { db in try Self.insertMail(db, mail, now: now) }
    }

    package func outbox(limit: Int = 100) async throws -> [OutboxMail] {
        try await pool.read { db in
            try OutboxMail.fetchAll(db, sql: "SELECT * FROM mail_outbox ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
    }

    // MARK: Settings

    /// One setting. A tenant's are read on the calling thread and kept until the database next commits, as sessions
    /// are (every staff request reads the two-factor policy: a pool read was a hop to a reader's queue, and on a
    /// brand's first staff request a reader connection of its own, which parses the whole schema).
    package func setting(_ key: String) async throws -> String? {
        try await settings([key])[key]
    }

    /// Several settings read together (one snapshot).
    package func settings(_ keys: [String]) async throws -> [String: String] {
        let read: @Sendable (Database) throws -> [String: String] = { db in
            var values: [String: String] = [:]
            for key in keys {
                values[key] = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT value FROM settings WHERE key = ?"), arguments: [key])
            }
            return values
        }
        if let inline, let settingReads { return try settingReads.value(for: keys) { try inline.read(read) } }
        return try await pool.read(read)
    }

    /// Several settings written in one transaction, with an audit entry.
    package func setSettings(
        _ values: [(String, String)], audit action: String, actor: Account?, detail: String, ip: String
    ) async throws {
        try await pool.write { db in
            for (key, value) in values {
                try db.execute(
                    sql:
                        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [key, value]
                )
            }
            try Self.appendAudit(db, action, actor: actor, target: "", detail: detail, ip: ip, now: Date())
        }
    }

    package func setSetting(_ key: String, to value: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value]
            )
        }
    }

    // MARK: Building blocks for multi-step transactions

    package static func insertAccount(
        _ db: Database, kind: Account.Kind, email: String, name: String, company: String, passwordHash: String?,
        role: Account.Role?, emailVerifiedAt: Date?, now: Date
    ) throws -> Account {
        do {
            try db.execute(
                sql: """
                    INSERT INTO accounts (kind, email, name, company, password_hash, role, email_verified_at, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [kind, email, name, company, passwordHash, role, emailVerifiedAt, now]
            )
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw AccountError.emailTaken
        }
        guard
            let account = try Account.fetchOne(
                db, sql: "SELECT * FROM accounts WHERE id = ?",
                arguments: [db.lastInsertedRowID])
        else { throw AccountError.notFound }
        return account
    }

    package static func insertToken(_ db: Database, _ token: AccountToken) throws {
        try token.insert(db)
    }

    package static func appendAudit(
        _ db: Database, _ action: String, actor: Account?, target: String, detail: String, ip: String, now: Date
    ) throws {
        try db.execute(
            sql: "INSERT INTO audit_log (at, actor_id, actor, action, target, detail, ip) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [now, actor?.id, actor?.email ?? "anonymous", action, target, detail, ip]
        )
    }

    /// An audit entry written by the platform itself (the order pipeline, a scheduler), named `system:<name>`.
    package static func appendSystemAudit(
        _ db: Database, _ action: String, system: String, target: String, detail: String = "", now: Date
    ) throws {
        try db.execute(
            sql:
                "INSERT INTO audit_log (at, actor_id, actor, action, target, detail, ip) VALUES (?, NULL, ?, ?, ?, ?, '')",
            arguments: [now, "system:\(system)", action, target, detail]
        )
    }

    package static func insertMail(_ db: Database, _ mail: OutgoingMail, now: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO mail_outbox (created_at, to_address, to_name, from_address, from_name, reply_to, message_id,
                    subject, text_body, html_body, kind, next_attempt_at, relay)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                now, mail.toAddress, mail.toName, mail.fromAddress, mail.fromName, mail.replyTo, mail.messageID,
                mail.subject, mail.text, mail.html, mail.kind, now, mail.relay,
            ]
        )
    }

    private static func staffMember(_ db: Database, _ id: Account.ID) throws -> Account? {
        try Account.fetchOne(db, sql: "SELECT * FROM accounts WHERE id = ? AND kind = 'staff'", arguments: [id])
    }

    private static func requireAnotherOwner(_ db: Database, than id: Account.ID) throws {
        let others =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM accounts WHERE kind = 'staff' AND role = 'owner' AND id != ?",
                arguments: [id]
            ) ?? 0
        guard others > 0 else { throw AccountError.lastOwner }
    }
}
