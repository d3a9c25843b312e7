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
    package static func snapshot(databaseAt path: String, into destination: URL) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        try queue.inDatabase { db in try db.execute(sql: "VACUUM INTO ?", arguments: [destination.path]) }
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
            try source.backup(to: live.pool)
        }
        // Opening again brings a backup from an older portal up to this schema.
        try TenantDatabase.open(path: livePath, tenantID: Tenant.ID(0)).close()
    }
}
