import Foundation
import GRDB
import Synchronization

/// Platform users and the platform audit log shared through a cluster's registry.
///
/// Each platform user travels as one document: the account row with its sessions, one-time tokens and recovery
/// codes, as JSON with sorted keys, so two copies of the same state are the same text. A node keeps, per account,
/// the document it last exchanged with the registry (`platform_account_sync`): an account whose document differs
/// from it was changed here and is published; one that does not may be replaced by the registry's. Audit entries are
/// appended everywhere and never change: this node's own are pushed once (`cluster.audit_pushed`), every other
/// node's are copied in with their registry id (`audit_log.origin`).
package enum PlatformRealmCopy {
    /// The tables a platform user's document is made of, with the column that orders their rows.
    static let childTables: [(table: String, order: String)] = [
        ("sessions", "id_hash"), ("account_tokens", "token_hash"), ("recovery_codes", "code_hash"),
    ]
    /// The tables whose changes a node publishes.
    package static let observedTables: Set<String> = ["accounts", "sessions", "account_tokens", "recovery_codes"]
    static let auditPushedKey = "cluster.audit_pushed"
    /// The name this folder's entries carried into the registry when the platform was migrated to it.
    static let auditOriginKey = "cluster.audit_origin"

    /// Every platform user's current document, by account id.
    package static func documents(_ db: Database) throws -> [Int64: String] {
        var documents: [Int64: String] = [:]
        for id in try Int64.fetchAll(db, sql: "SELECT id FROM accounts WHERE kind = 'platform' ORDER BY id") {
            documents[id] = try document(db, account: id)
        }
        return documents
    }

    /// One platform user's document; nil when there is no such account.
    package static func document(_ db: Database, account id: Int64) throws -> String? {
        guard let account = try Row.fetchOne(db, sql: "SELECT * FROM accounts WHERE id = ?", arguments: [id]) else {
            return nil
        }
        var parts: [String: [[String: Cell]]] = ["accounts": [cells(account)]]
        for (table, order) in childTables {
            parts[table] = try Row.fetchAll(
                db, sql: "SELECT * FROM \(table) WHERE account_id = ? ORDER BY \(order)", arguments: [id]
            ).map(cells)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(parts), as: UTF8.self)
    }

    /// The account's email address, as the registry indexes it.
    package static func email(in document: String) -> String? {
        guard let parts = try? JSONDecoder().decode([String: [[String: Cell]]].self, from: Data(document.utf8)),
            case .text(let email) = parts["accounts"]?.first?["email"]
        else { return nil }
        return email
    }

    /// What changed here and is not yet in the registry: documents that differ from the last one exchanged, and
    /// (as nil) accounts exchanged before that are gone here.
    package static func unpublished(_ db: Database) throws -> [Int64: String?] {
        let synced = try exchanged(db)
        var changes: [Int64: String?] = [:]
        let current = try documents(db)
        for (id, document) in current where synced[id]?.document != document { changes[id] = .some(document) }
        for (id, state) in synced where current[id] == nil && state.document != nil { changes[id] = .some(nil) }
        return changes
    }

    /// Records what was exchanged with the registry, at the registry revision it has there (a nil document: the
    /// account is gone from both). A copy never replaces an account with a document older than this.
    package static func markExchanged(_ db: Database, _ documents: [Int64: SharedAccountDocument]) throws {
        for (id, state) in documents {
            try db.execute(
                sql: """
                    INSERT INTO platform_account_sync (account_id, document, revision) VALUES (?, ?, ?)
                    ON CONFLICT (account_id) DO UPDATE SET document = excluded.document, revision = excluded.revision
                    WHERE excluded.revision >= platform_account_sync.revision
                    """,
                arguments: [id, state.document, state.revision])
        }
    }

    /// Gives way to the registry for `ids` (it has other accounts under their ids or emails): they count as
    /// exchanged at revision 0, and the copy starts again from the registry's first revision, so the next sync
    /// brings every account the registry has and replaces these.
    package static func yield(_ db: Database, _ ids: Set<Int64>) throws {
        guard !ids.isEmpty else { return }
        var exchanged: [Int64: SharedAccountDocument] = [:]
        for id in ids { exchanged[id] = SharedAccountDocument(document: try document(db, account: id), revision: 0) }
        try db.execute(
            sql:
                "DELETE FROM platform_account_sync WHERE account_id IN (\(ids.map(String.init).joined(separator: ",")))"
        )
        try markExchanged(db, exchanged)
        try db.execute(sql: "UPDATE registry_replica SET revision = 0 WHERE id = 1")
    }

    /// The name this data folder's audit entries carry in the registry: made once from the node's name and a random
    /// part, so a node rebuilt under the same name with a fresh folder never collides with its predecessor's entries.
    package static func auditName(_ db: Database, node: String) throws -> String {
        if let name = try String.fetchOne(
            db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [auditOriginKey])
        {
            return name
        }
        let name = "\(node)-\(UUID().uuidString.prefix(8).lowercased())"
        try db.execute(
            sql: "INSERT INTO settings (key, value) VALUES (?, ?)", arguments: [auditOriginKey, name])
        return name
    }

    /// Writes the registry's documents into this copy. A document no newer than the one last exchanged is old news
    /// (this node's own publication overtook it); an account changed here since its last exchange keeps its state
    /// (it is published next, and the registry takes it). `complete` also removes accounts the registry no longer
    /// has, unless they are waiting to be published.
    package static func apply(
        _ db: Database, _ documents: [Int64: SharedAccountDocument], complete: Bool, revision: Int64
    ) throws {
        var incoming = documents
        let synced = try exchanged(db)
        if complete {
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM accounts WHERE kind = 'platform'")
            where incoming[id] == nil {
                incoming[id] = SharedAccountDocument(document: nil, revision: revision)
            }
        }
        var taken: [Int64: SharedAccountDocument] = [:]
        for (id, state) in incoming {
            if let known = synced[id], state.revision <= known.revision { continue }
            let local = try self.document(db, account: id)
            if local != state.document {
                // Changed here and not yet published: the local state wins and is sent next.
                if local != synced[id]?.document { continue }
                try replace(db, account: id, with: state.document)
            }
            taken[id] = state
        }
        try markExchanged(db, taken)
    }

    /// Replaces an account's rows with a document's (nil deletes the account with its rows).
    static func replace(_ db: Database, account id: Int64, with document: String?) throws {
        guard let document else {
            try db.execute(sql: "DELETE FROM accounts WHERE id = ?", arguments: [id])
            return
        }
        let parts = try JSONDecoder().decode([String: [[String: Cell]]].self, from: Data(document.utf8))
        guard let account = parts["accounts"]?.first, account["id"] == .integer(id) else {
            throw TenancyError.storage("platform user document \(id) has no account row")
        }
        // Another account that had this email here (removed and created again elsewhere) makes way.
        if case .text(let email) = account["email"] {
            try db.execute(
                sql: "DELETE FROM accounts WHERE kind = 'platform' AND email = ? AND id != ?", arguments: [email, id])
        }
        try upsert(db, table: "accounts", row: account, key: "id")
        for (table, _) in childTables {
            try db.execute(sql: "DELETE FROM \(table) WHERE account_id = ?", arguments: [id])
            for row in parts[table] ?? [] { try upsert(db, table: table, row: row, key: nil) }
        }
    }

    /// Builds the document of a new platform user with the invitation `create` makes, in a scratch database of
    /// the platform's schema: what `portal platform add-user --registry` stores in the shared registry, with the
    /// id the registry gave it.
    package static func newAccount(
        id: Int64, create: @escaping @Sendable (Database) throws -> String
    ) throws -> (document: String, token: String) {
        let scratch = try DatabaseQueue()
        try PlatformDatabase.migrator.migrate(scratch)
        return try scratch.write { db in
            try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES ('accounts', ?)", arguments: [id - 1])
            let token = try create(db)
            guard let document = try document(db, account: id) else {
                throw TenancyError.storage("the new platform user did not get id \(id)")
            }
            return (document, token)
        }
    }

    // MARK: Audit

    /// This node's own audit entries not yet pushed to the registry, oldest first.
    package static func unpushedAudit(_ db: Database, limit: Int = 500) throws -> [AuditEntry] {
        let pushed =
            try Int64.fetchOne(
                db, sql: "SELECT CAST(value AS INTEGER) FROM settings WHERE key = ?", arguments: [auditPushedKey]) ?? 0
        return try AuditEntry.fetchAll(
            db, sql: "SELECT * FROM audit_log WHERE origin IS NULL AND id > ? ORDER BY id LIMIT ?",
            arguments: [pushed, limit])
    }

    /// Records that this node's entries up to `id` are in the registry.
    package static func markAuditPushed(_ db: Database, through id: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO settings (key, value) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                WHERE CAST(settings.value AS INTEGER) < CAST(excluded.value AS INTEGER)
                """,
            arguments: [auditPushedKey, String(id)])
    }

    /// Marks everything here as exchanged: the platform was just copied into a registry, where this folder's
    /// entries carry the name `origin`.
    package static func markMigrated(_ db: Database, origin: String) throws {
        try markExchanged(db, try documents(db).mapValues { SharedAccountDocument(document: $0, revision: 0) })
        if let last = try Int64.fetchOne(db, sql: "SELECT max(id) FROM audit_log") {
            try markAuditPushed(db, through: last)
        }
        try db.execute(
            sql:
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            arguments: [auditOriginKey, origin])
    }

    /// Copies other nodes' entries in, each once; entries this folder wrote itself (under `node`, or under the
    /// name it was migrated with) are already here.
    package static func copyAudit(_ db: Database, _ entries: [SharedAuditEntry], node: String?) throws {
        let origin = try String.fetchOne(
            db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [auditOriginKey])
        for entry in entries where entry.node != node && entry.node != origin {
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO audit_log (at, actor_id, actor, action, target, detail, ip, origin)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.at, entry.actorID, entry.actor, entry.action, entry.target, entry.detail, entry.ip,
                    entry.sharedID,
                ])
        }
    }

    // MARK: Rows as JSON

    /// A column's value as SQLite stores it: JSON null, number, string, or `{"real": …}` / `{"blob": base64}`.
    enum Cell: Codable, Equatable {
        case null, integer(Int64), real(Double), text(String), blob(Data)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else if let value = try? container.decode(String.self) {
                self = .text(value)
            } else {
                let tagged = try container.decode([String: String].self)
                if let real = tagged["real"].flatMap(Double.init) {
                    self = .real(real)
                } else if let blob = tagged["blob"].flatMap({ Data(base64Encoded: $0) }) {
                    self = .blob(blob)
                } else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown cell \(tagged)")
                }
            }
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .integer(let value): try container.encode(value)
            case .text(let value): try container.encode(value)
            case .real(let value): try container.encode(["real": String(value)])
            case .blob(let value): try container.encode(["blob": value.base64EncodedString()])
            }
        }

        var databaseValue: DatabaseValue {
            switch self {
            case .null: .null
            case .integer(let value): value.databaseValue
            case .real(let value): value.databaseValue
            case .text(let value): value.databaseValue
            case .blob(let value): value.databaseValue
            }
        }
    }

    static func cells(_ row: Row) -> [String: Cell] {
        var cells: [String: Cell] = [:]
        for (column, value) in row {
            switch value.storage {
            case .null: cells[column] = .null
            case .int64(let integer): cells[column] = .integer(integer)
            case .double(let real): cells[column] = .real(real)
            case .string(let text): cells[column] = .text(text)
            case .blob(let data): cells[column] = .blob(data)
            }
        }
        return cells
    }

    /// Inserts a row of known columns only (a newer node's extra column is not this schema's), replacing the row
    /// with the same `key`.
    private static func upsert(_ db: Database, table: String, row: [String: Cell], key: String?) throws {
        let known = Set(try db.columns(in: table).map(\.name))
        let columns = row.keys.filter(known.contains).sorted()
        let names = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        var sql = "INSERT INTO \(table) (\(names)) VALUES (\(marks))"
        if let key {
            let updates = columns.filter { $0 != key }.map { "\"\($0)\" = excluded.\"\($0)\"" }.joined(separator: ", ")
            sql += " ON CONFLICT (\(key)) DO UPDATE SET \(updates)"
        }
        try db.execute(
            sql: sql, arguments: StatementArguments(columns.map { row[$0]?.databaseValue ?? .null }))
    }

    private static func exchanged(_ db: Database) throws -> [Int64: SharedAccountDocument] {
        var synced: [Int64: SharedAccountDocument] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT account_id, document, revision FROM platform_account_sync") {
            synced[row["account_id"]] = SharedAccountDocument(document: row["document"], revision: row["revision"])
        }
        return synced
    }
}

/// A platform user's document as the shared registry has it, with the revision it got there; nil when removed.
package struct SharedAccountDocument: Sendable, Equatable {
    package var document: String?
    package var revision: Int64

    package init(document: String?, revision: Int64) {
        self.document = document
        self.revision = revision
    }
}

/// A platform audit entry as the shared registry keeps it: which node wrote it, and its id there.
package struct SharedAuditEntry: Sendable, Equatable {
    package var sharedID: Int64
    package var node: String
    package var at: Date
    package var actorID: Int64?
    package var actor: String
    package var action: String
    package var target: String
    package var detail: String
    package var ip: String

    package init(
        sharedID: Int64, node: String, at: Date, actorID: Int64?, actor: String, action: String, target: String,
        detail: String, ip: String
    ) {
        self.sharedID = sharedID
        self.node = node
        self.at = at
        self.actorID = actorID
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
        self.ip = ip
    }
}

extension PlatformDatabase {
    /// What `portal registry migrate-to-postgres` copies besides tenants and domains, read in one transaction.
    package func realmForMigration() throws -> (
        documents: [Int64: String], audit: [AuditEntry], claims: [Tenant.ID: UpstreamClaim]
    ) {
        try pool.read { db in
            var claims: [Tenant.ID: UpstreamClaim] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT tenant_id, whmcs_key, whm_key FROM upstream_claims") {
                claims[Tenant.ID(row["tenant_id"])] = UpstreamClaim(whmcs: row["whmcs_key"], whm: row["whm_key"])
            }
            return (
                try PlatformRealmCopy.documents(db),
                try AuditEntry.fetchAll(db, sql: "SELECT * FROM audit_log WHERE origin IS NULL ORDER BY id"),
                claims
            )
        }
    }

    /// Calls `changed` after each commit that wrote a platform user's rows or the audit log, for as long as the
    /// database is open.
    package func observeRealmCommits(_ changed: @escaping @Sendable () -> Void) {
        pool.add(transactionObserver: RealmCommitObserver(changed: changed), extent: .databaseLifetime)
    }
}

/// Calls `changed` after each commit that wrote a platform user's rows or the audit log.
final class RealmCommitObserver: TransactionObserver, Sendable {
    private let touched = Mutex(false)
    private let changed: @Sendable () -> Void

    init(changed: @escaping @Sendable () -> Void) {
        self.changed = changed
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        eventKind.tableName == "audit_log" || PlatformRealmCopy.observedTables.contains(eventKind.tableName)
    }

    func databaseDidChange(with event: DatabaseEvent) {
        touched.withLock { $0 = true }
    }

    func databaseDidCommit(_ db: Database) {
        if touched.withLock({ value in
            defer { value = false }
            return value
        }) {
            changed()
        }
    }

    func databaseDidRollback(_ db: Database) {
        touched.withLock { $0 = false }
    }
}
