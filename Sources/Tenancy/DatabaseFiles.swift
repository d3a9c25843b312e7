import Foundation
import GRDB

/// A write transaction on a tenant's or the platform's database. Other modules pass it to Tenancy's stores
/// (`AccountStore.insertMail`, `appendAudit` …) to make several changes one commit; only Tenancy acts on it.
package typealias StoreTransaction = Database

/// Whole-file work on SQLite databases: consistent copies, restores and integrity checks, for archives and backups.
package enum DatabaseFiles {
    /// Why a database file failed its check.
    package struct IntegrityFailure: Error, CustomStringConvertible {
        package let description: String
    }

    /// A consistent copy of a live database, taken with `VACUUM INTO` on a read-only connection of its own: it
    /// reads one snapshot while the portal goes on writing, and the copy is compact and has no WAL.
    ///
    /// Returns the row count of every table as of the copy, counted in the live database: the counts are read, then
    /// the copy taken, and `PRAGMA data_version` proves no other connection committed in between (else both are
    /// taken again; after three busy tries the copy itself is counted). A restore drill compares them with what
    /// comes back.
    @discardableResult
    package static func snapshot(databaseAt path: String, into destination: URL) throws -> [String: Int] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.inDatabase { db in
            for _ in 0..<3 {
                let before = try Int.fetchOne(db, sql: "PRAGMA data_version")
                var counts: [String: Int] = [:]
                try db.inTransaction(.deferred) {
                    counts = try rowCounts(db)
                    return .commit
                }
                try db.execute(sql: "VACUUM INTO ?", arguments: [destination.path])
                if try Int.fetchOne(db, sql: "PRAGMA data_version") == before { return counts }
                try FileManager.default.removeItem(at: destination)
            }
            try db.execute(sql: "VACUUM INTO ?", arguments: [destination.path])
            return try rowCounts(of: destination.path)
        }
    }

    /// The row count of every table of the database at `path`.
    package static func rowCounts(of path: String) throws -> [String: Int] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { try rowCounts($0) }
    }

    /// The row count of every table; the caller holds the read transaction that makes them one snapshot.
    static func rowCounts(_ db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        for table in tables {
            counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0
        }
        return counts
    }

    /// SQLite's own check of every page and index; throws `IntegrityFailure` with its first findings.
    package static func checkIntegrity(of path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        let result: [String]
        do {
            result = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        } catch {
            throw IntegrityFailure(description: "\(error)")
        }
        guard result == ["ok"] else { throw IntegrityFailure(description: result.prefix(3).joined(separator: "; ")) }
    }

    /// Replaces the tenant database at `livePath` with the snapshot at `snapshotPath`, page by page through
    /// SQLite's online backup, then opens it once so an older backup is brought up to this schema.
    package static func restoreTenantDatabase(from snapshotPath: String, to livePath: String) throws {
        do {
            let source = try DatabaseQueue(path: snapshotPath)
            defer { try? source.close() }
            let live = try TenantDatabase.open(path: livePath, tenantID: Tenant.ID(0))
            defer { try? live.close() }
            // The backup writes pages, not rows: no commit observer sees it, so the storefront snapshot goes here.
            StorefrontSnapshotFiles.discard(StorefrontSnapshotFiles.path(forDatabase: livePath))
            try source.backup(to: live.pool)
            StorefrontSnapshotFiles.discard(StorefrontSnapshotFiles.path(forDatabase: livePath))
        }
        // Opening again brings a backup from an older portal up to this schema.
        try TenantDatabase.open(path: livePath, tenantID: Tenant.ID(0)).close()
    }
}
