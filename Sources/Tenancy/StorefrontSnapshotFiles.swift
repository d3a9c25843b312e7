import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where each tenant's storefront snapshot lives, and the rule that keeps a snapshot no older than its database.
///
/// A snapshot (`DATA/.storefront/<slug>.snapshot`, outside the tenant's folder so backups, exports and moves never
/// carry one) holds what the storefront shows and the pages already rendered from it, so a tenant that is not in
/// memory answers its first request without opening its database. What it holds is read from the tables in
/// `tables`; every commit that changes one of them, in any process, removes the tenant's snapshot through
/// `StorefrontCommitObserver` (installed on every tenant pool) before the commit and again after it. A snapshot is
/// written only through `replace(_:with:ifUnchangedSince:)`, which refuses when such a commit happened after the
/// data was read, so a read from before a commit can never be stored after that commit's removal.
package enum StorefrontSnapshotFiles {
    /// The tables the storefront's content is read from (`TenantDatabase.storefrontSite`); a test checks this list
    /// against the tables that read actually touches.
    package static let tables: Set<String> = [
        "brand", "site_settings", "site_pages", "product_categories", "products", "product_prices", "domain_prices",
        "product_translations",
    ]

    /// The folder of snapshots in a data directory (a dot name, so never a tenant's folder).
    package static func folder(in dataDirectory: DataDirectory) -> URL {
        dataDirectory.root.appendingPathComponent(".storefront", isDirectory: true)
    }

    package static func path(in dataDirectory: DataDirectory, slug: TenantSlug) -> String {
        folder(in: dataDirectory).appendingPathComponent("\(slug.rawValue).snapshot").path
    }

    /// The snapshot of the tenant whose database is at `databasePath` (`DATA/<slug>/tenant.sqlite`).
    package static func path(forDatabase databasePath: String) -> String {
        let database = URL(fileURLWithPath: databasePath)
        let tenantFolder = database.deletingLastPathComponent()
        return tenantFolder.deletingLastPathComponent().appendingPathComponent(".storefront", isDirectory: true)
            .appendingPathComponent("\(tenantFolder.lastPathComponent).snapshot").path
    }

    /// Per snapshot path, how many storefront commits (and removals) this process has seen. Only paths that had one
    /// are kept: at most one small entry per tenant.
    private static let ledger = Mutex<[String: UInt64]>([:])

    /// Read before the data a snapshot is made of: a storefront commit after it makes `replace` refuse.
    package static func generation(of path: String) -> UInt64 {
        ledger.withLock { $0[path] ?? 0 }
    }

    /// Removes the snapshot and moves its generation on: every snapshot or copy read before now is refused.
    package static func discard(_ path: String) {
        ledger.withLock { ledger in
            ledger[path, default: 0] &+= 1
            unlink(path)
        }
    }

    /// Removes the snapshot without moving the generation on (before a commit, which will move it on after).
    static func remove(_ path: String) {
        ledger.withLock { _ in _ = unlink(path) }
    }

    /// Writes `bytes` as the snapshot at `path` unless a storefront commit or a discard happened since `generation`
    /// was read. Written to a temporary file first and renamed into place, so a reader sees the old file or the new
    /// one, never part of one. Not synced: a snapshot lost in a crash is read from the database again.
    @discardableResult
    package static func replace(_ path: String, with bytes: [UInt8], ifUnchangedSince generation: UInt64) throws
        -> Bool
    {
        let folder = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let temporary = path + ".\(UInt64.random(in: 0...UInt64.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw TenancyError.storage("could not create \(temporary) (errno \(errno))") }
        let written = bytes.withUnsafeBytes { buffer in write(descriptor, buffer.baseAddress, buffer.count) }
        close(descriptor)
        guard written == bytes.count else {
            unlink(temporary)
            throw TenancyError.storage("could not write \(temporary)")
        }
        let kept = ledger.withLock { ledger in
            guard (ledger[path] ?? 0) == generation else { return false }
            return rename(temporary, path) == 0
        }
        if !kept { unlink(temporary) }
        return kept
    }

    /// The snapshot's bytes, or nil when there is none.
    package static func read(_ path: String) throws -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw TenancyError.storage("could not open \(path) (errno \(errno))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw TenancyError.storage("could not stat \(path)") }
        let size = Int(status.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        while offset < size {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + offset, size - offset)
            }
            guard count > 0 else { throw TenancyError.storage("could not read \(path) (errno \(errno))") }
            offset += count
        }
        return bytes
    }
}

/// Removes a tenant's storefront snapshot around every commit that changes what the storefront shows.
///
/// Before the commit, so that once the change is on disk no snapshot of the old content is left, even if the
/// process stops right after; after it, to move the generation on, so a snapshot read from the database before the
/// commit can no longer be stored (and a copy written in between is removed).
///
/// A statement counts when it is about to write one of the tables (GRDB asks `observes(eventsOfKind:)` of every
/// statement that inserts, updates or deletes, triggers included), not when a row change is reported: SQLite reports
/// no row changes of `WITHOUT ROWID` tables (prices, domain prices and product translations are such tables).
/// Databases being staged or the template (folders whose name starts with a dot) have no snapshot.
final class StorefrontCommitObserver: TransactionObserver, Sendable {
    private let path: String?
    private let changed = Atomic<Bool>(false)

    init(databasePath: String) {
        let folder = URL(fileURLWithPath: databasePath).deletingLastPathComponent().lastPathComponent
        path = folder.hasPrefix(".") ? nil : StorefrontSnapshotFiles.path(forDatabase: databasePath)
    }

    /// Notes the write and declines the row events: only the commit matters here, and declining leaves SQLite's
    /// optimisations (a whole-table delete) and GRDB's per-row work alone.
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        if path != nil, StorefrontSnapshotFiles.tables.contains(eventKind.tableName) {
            changed.store(true, ordering: .relaxed)
        }
        return false
    }

    func databaseDidChange(with event: DatabaseEvent) {}

    func databaseWillCommit() throws {
        if let path, changed.load(ordering: .relaxed) { StorefrontSnapshotFiles.remove(path) }
    }

    func databaseDidCommit(_ db: Database) {
        if let path, changed.exchange(false, ordering: .relaxed) { StorefrontSnapshotFiles.discard(path) }
    }

    func databaseDidRollback(_ db: Database) { changed.store(false, ordering: .relaxed) }
}
