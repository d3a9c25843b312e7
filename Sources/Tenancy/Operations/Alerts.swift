import Foundation
import GRDB

/// Something that needs a person: raised once per incident (an order parked, a relay refusing mail, a backup
/// failing), shown in the console until it is resolved, then cleared. `incident` names the occurrence (`order:42`,
/// `upstream:whmcs`, `backup:acme`); while one is open, raising it again changes nothing.
package struct Alert: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package var id: Int64?
    package var incident: String
    package var kind: String
    package var title: String
    package var detail: String
    package var raisedAt: Date
    package var clearedAt: Date?

    package enum CodingKeys: String, CodingKey {
        case id, incident, kind, title, detail
        case raisedAt = "raised_at"
        case clearedAt = "cleared_at"
    }

    package init(incident: String, kind: String, title: String, detail: String, raisedAt: Date) {
        self.incident = incident
        self.kind = kind
        self.title = title
        self.detail = detail
        self.raisedAt = raisedAt
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Inserts the alert unless its incident is open in `table`; true when it was new.
    static func raise(_ alert: Alert, in db: Database, table: String) throws -> Bool {
        let open = try Bool.fetchOne(
            db, sql: "SELECT 1 FROM \(table) WHERE incident = ? AND cleared_at IS NULL", arguments: [alert.incident])
        guard open != true else { return false }
        try db.execute(
            sql: "INSERT INTO \(table) (incident, kind, title, detail, raised_at) VALUES (?, ?, ?, ?, ?)",
            arguments: [alert.incident, alert.kind, alert.title, String(alert.detail.prefix(2000)), alert.raisedAt])
        return true
    }

    /// The open alerts of `table` (newest first), then up to `limit` of the most recently cleared.
    static func recent(in db: Database, table: String, limit: Int) throws -> [Alert] {
        try Alert.fetchAll(
            db,
            sql: """
                SELECT * FROM (
                    SELECT * FROM \(table) WHERE cleared_at IS NULL
                    UNION ALL
                    SELECT * FROM (SELECT * FROM \(table) WHERE cleared_at IS NOT NULL ORDER BY cleared_at DESC LIMIT ?)
                ) ORDER BY cleared_at IS NOT NULL, raised_at DESC
                """, arguments: [limit])
    }

    /// Clears the open incident in `table`; true when one was open.
    static func clear(_ incident: String, in db: Database, table: String, at date: Date) throws -> Bool {
        try db.execute(
            sql: "UPDATE \(table) SET cleared_at = ? WHERE incident = ? AND cleared_at IS NULL",
            arguments: [date, incident])
        return db.changesCount > 0
    }
}

/// A brand's alerts, in its own database: for its owners and admins.
package struct AlertStore: Sendable {
    let pool: DatabasePool
    /// The staff home's alerts, kept until the brand's database next commits (tenant databases only).
    var recentReads: CommittedReads<Int, [Alert]>? = nil
    var inline: InlineReader? = nil

    static func createTable(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE alerts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    title TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    raised_at DATETIME NOT NULL,
                    cleared_at DATETIME
                );
                CREATE UNIQUE INDEX alerts_open ON alerts(incident) WHERE cleared_at IS NULL;
                CREATE INDEX alerts_recent ON alerts(raised_at);
                """)
    }

    /// Raises the alert; true when the incident was not open already (then, and only then, people are told).
    package func raise(_ alert: Alert) async throws -> Bool {
        try await pool.write { db in try Alert.raise(alert, in: db, table: "alerts") }
    }

    package func clear(_ incident: String, at date: Date = Date()) async throws -> Bool {
        try await pool.write { db in try Alert.clear(incident, in: db, table: "alerts", at: date) }
    }

    /// Clears an incident inside another change's transaction (a parked order retried or cancelled).
    package static func clear(_ incident: String, in db: Database, at date: Date) throws {
        _ = try Alert.clear(incident, in: db, table: "alerts", at: date)
    }

    package func isOpen(_ incident: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM alerts WHERE incident = ? AND cleared_at IS NULL", arguments: [incident])
                ?? false
        }
    }

    /// Open alerts first (newest first), then the most recently cleared, up to `limit`.
    package func recent(limit: Int = 20) async throws -> [Alert] {
        guard let recentReads, let inline else {
            return try await pool.read { db in try Alert.recent(in: db, table: "alerts", limit: limit) }
        }
        return try recentReads.value(for: limit) {
            try inline.read { db in try Alert.recent(in: db, table: "alerts", limit: limit) }
        }
    }
}

extension TenantDatabase {
    package var alerts: AlertStore { AlertStore(pool: pool, recentReads: reads.alerts, inline: reads.inline) }
}

extension PlatformDatabase {
    /// Raises a platform alert (for the platform's users); true when the incident was new.
    package func raisePlatformAlert(_ alert: Alert) throws -> Bool {
        try pool.write { db in try Alert.raise(alert, in: db, table: "platform_alerts") }
    }

    /// Clears every open platform alert of `kind` whose incident is not in `current`; returns the cleared ones.
    @discardableResult
    package func clearPlatformAlerts(kind: String, except current: Set<String>, at date: Date) throws -> [Alert] {
        try pool.write { db in
            let open = try Alert.fetchAll(
                db, sql: "SELECT * FROM platform_alerts WHERE kind = ? AND cleared_at IS NULL", arguments: [kind])
            let resolved = open.filter { !current.contains($0.incident) }
            for alert in resolved { _ = try Alert.clear(alert.incident, in: db, table: "platform_alerts", at: date) }
            return resolved
        }
    }

    /// Open platform alerts first (newest first), then the most recently cleared, up to `limit`.
    package func platformAlerts(limit: Int = 20) throws -> [Alert] {
        try pool.read { db in try Alert.recent(in: db, table: "platform_alerts", limit: limit) }
    }

    // MARK: The brands' open alerts

    package struct BrandAlertEntry: Sendable, Equatable {
        package var tenant: Tenant.ID
        package var incident: String
        package var kind: String
    }

    package func indexBrandAlert(_ tenant: Tenant.ID, incident: String, kind: String, at date: Date) throws {
        try pool.write { db in
            try db.execute(
                sql:
                    "INSERT OR IGNORE INTO brand_alerts_open (tenant_id, incident, kind, raised_at) VALUES (?, ?, ?, ?)",
                arguments: [tenant.rawValue, incident, kind, date])
        }
    }

    package func unindexBrandAlert(_ tenant: Tenant.ID, incident: String) throws {
        try pool.write { db in
            try db.execute(
                sql: "DELETE FROM brand_alerts_open WHERE tenant_id = ? AND incident = ?",
                arguments: [tenant.rawValue, incident])
        }
    }

    package func openBrandAlerts() throws -> [BrandAlertEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT tenant_id, incident, kind FROM brand_alerts_open ORDER BY raised_at").map
            {
                BrandAlertEntry(tenant: Tenant.ID($0[0]), incident: $0[1], kind: $0[2])
            }
        }
    }
}
