import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Storefront snapshots: a tenant's first request after a restart, without its database")
struct StorefrontSnapshotTests {
    private struct Answer: Sendable, Equatable {
        let body: String
        let etag: String?
    }

    private static func snapshotPath(_ slug: String, in folder: String) throws -> String {
        StorefrontSnapshotFiles.path(in: DataDirectory(path: folder), slug: try TenantSlug(validating: slug))
    }

    /// The snapshot is written in the background after a home page is first rendered: waits for it, by attempts.
    private static func waitForSnapshot(_ path: String) async throws {
        for _ in 0..<3_000 where !FileManager.default.fileExists(atPath: path) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(FileManager.default.fileExists(atPath: path), "no snapshot at \(path)")
    }

    private static func home(_ client: any TestClientProtocol, _ host: String) async throws -> Answer {
        let response = try await client.get("/", host: host)
        #expect(response.status == .ok)
        return Answer(body: response.text, etag: response.headers[.eTag])
    }

    /// Runs the portal once over `folder` until acme's home page is rendered and its snapshot written; that answer.
    @discardableResult
    private static func firstRun(in folder: String) async throws -> Answer {
        let path = try snapshotPath("acme", in: folder)
        let first = Mutex<Answer?>(nil)
        try await withExistingPortal(dataPath: folder) { client, _ in
            let answer = try await home(client, "acme.localhost")
            first.withLock { $0 = answer }
            try await waitForSnapshot(path)
        }
        return try #require(first.withLock { $0 })
    }

    /// Changes a product's name with a connection of its own, which no commit observer watches: what a crash between
    /// a commit and its removal of the snapshot would leave behind, and a way to tell a snapshot's page from the
    /// database's.
    private static func writeUnseen(_ name: String, in folder: String) async throws {
        let queue = try DatabaseQueue(
            path: DataDirectory(path: folder).tenantDatabasePath(try TenantSlug(validating: "acme")))
        try await queue.write { db in
            try db.execute(sql: "UPDATE products SET name = ? WHERE slug = 'plan-0'", arguments: [name])
        }
        try queue.close()
    }

    @Test("after a clean restart the home page comes from the snapshot, byte for byte; not over another database file")
    func restartServesTheSnapshot() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme, .globex], in: folder.path)
        let expected = try await Self.firstRun(in: folder.path)
        #expect(expected.body.contains("Acme Starter"))
        // The database now names the product differently; only the snapshot still has the page above.
        try await Self.writeUnseen("Acme Unseen", in: folder.path)
        try await withExistingPortal(dataPath: folder.path) { client, _ in
            let answer = try await Self.home(client, "acme.localhost")
            #expect(answer == expected)
            // Another tenant is read from its own database, and shows only its own.
            let globex = try await Self.home(client, "globex.localhost")
            #expect(globex.body.contains("Globex Launch") && !globex.body.contains("Acme"))
        }
        // The same bytes in another file (a folder put in place by a move or by hand): the snapshot is not its own.
        let database = DataDirectory(path: folder.path).tenantDatabasePath(try TenantSlug(validating: "acme"))
        try FileManager.default.copyItem(atPath: database, toPath: database + ".copy")
        try FileManager.default.removeItem(atPath: database)
        try FileManager.default.moveItem(atPath: database + ".copy", toPath: database)
        try await withExistingPortal(dataPath: folder.path) { client, _ in
            let answer = try await Self.home(client, "acme.localhost")
            #expect(answer.body.contains("Acme Unseen"))
        }
    }

    @Test("a change to what the storefront shows removes the snapshot, online and offline")
    func changesAreNeverHidden() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme], in: folder.path)
        let path = try Self.snapshotPath("acme", in: folder.path)
        try await withExistingPortal(dataPath: folder.path) { client, dependencies in
            _ = try await Self.home(client, "acme.localhost")
            try await Self.waitForSnapshot(path)
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                var entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
                entry.product.name = "Acme Renamed"
                _ = try await database.catalogue.save(entry, actor: nil, via: "test", ip: "")
            }
            // The commit itself took the snapshot away and made the page in memory stale: nobody called invalidate.
            #expect(!FileManager.default.fileExists(atPath: path))
            let answer = try await Self.home(client, "acme.localhost")
            #expect(answer.body.contains("Acme Renamed"))
            try await Self.waitForSnapshot(path)
        }
        // A change made while the server is stopped, by another process's pool (as `portal` commands open it).
        let database = try TenantDatabase.open(
            path: DataDirectory(path: folder.path).tenantDatabasePath(try TenantSlug(validating: "acme")),
            tenantID: Tenant.ID(0))
        try await database.pool.write { db in
            try db.execute(sql: "UPDATE products SET name = 'Acme Offline' WHERE slug = 'plan-0'")
        }
        try database.close()
        #expect(!FileManager.default.fileExists(atPath: path))
        try await withExistingPortal(dataPath: folder.path) { client, _ in
            let body = try await Self.home(client, "acme.localhost").body
            #expect(body.contains("Acme Offline") && !body.contains("Acme Renamed"))
        }
    }

    @Test("snapshots of a run that stopped without closing them are not used")
    func uncleanStopDropsSnapshots() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme], in: folder.path)
        let path = try Self.snapshotPath("acme", in: folder.path)
        try await Self.firstRun(in: folder.path)
        // As if that run had stopped before closing: no record that its snapshots are current, and a write it left
        // half done.
        let snapshots = StorefrontSnapshotFiles.folder(in: DataDirectory(path: folder.path))
        try FileManager.default.removeItem(at: snapshots.appendingPathComponent("clean"))
        let halfWritten = snapshots.appendingPathComponent("acme.snapshot.12345.tmp")
        try Data("half".utf8).write(to: halfWritten)
        try await Self.writeUnseen("Acme Unseen", in: folder.path)
        #expect(FileManager.default.fileExists(atPath: path))
        try await withExistingPortal(dataPath: folder.path) { client, _ in
            let answer = try await Self.home(client, "acme.localhost")
            #expect(answer.body.contains("Acme Unseen"))
        }
        #expect(!FileManager.default.fileExists(atPath: halfWritten.path))
    }

    @Test("removing a tenant removes its snapshot")
    func removalRemovesSnapshot() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme], in: folder.path)
        let path = try Self.snapshotPath("acme", in: folder.path)
        try await Self.firstRun(in: folder.path)
        let data = DataDirectory(path: folder.path)
        let platform = try PlatformDatabase(dataDirectory: data)
        defer { try? platform.close() }
        _ = try TenantOnboarding(platform: platform, dataDirectory: data, baseDomain: "localhost")
            .removeTenant(slug: "acme")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("one tenant's snapshot put in another's place is never served for it")
    func snapshotsStayWithTheirTenant() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme, .globex], in: folder.path)
        let (acme, globex) = (
            try Self.snapshotPath("acme", in: folder.path), try Self.snapshotPath("globex", in: folder.path)
        )
        try await Self.firstRun(in: folder.path)
        try FileManager.default.copyItem(atPath: acme, toPath: globex)
        try await withExistingPortal(dataPath: folder.path) { client, _ in
            let body = try await Self.home(client, "globex.localhost").body
            #expect(body.contains("Globex Launch") && !body.contains("Acme"))
            let answer = try await Self.home(client, "acme.localhost")
            #expect(answer.body.contains("Acme Starter"))
        }
    }

    @Test("every table the storefront reads is one whose commits remove the snapshot")
    func tablesCoverTheStorefrontRead() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme], in: folder.path)
        let one = try TenantDatabase.open(
            path: DataDirectory(path: folder.path).tenantDatabasePath(try TenantSlug(validating: "acme")),
            tenantID: Tenant.ID(0))
        defer { try? one.close() }
        // A chosen home page, so the page read runs too.
        var settings = SiteSettings()
        settings.homePage = "welcome"
        try await one.content.saveSite(settings)
        let read = try await one.pool.read { db -> Set<String> in
            let statements = StatementLog()
            db.trace { statements.append($0.description) }
            _ = try TenantDatabase.storefrontSite(db)
            db.trace(options: [], nil)
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            var read: Set<String> = []
            for sql in statements.all where sql.uppercased().hasPrefix("SELECT") {
                let region = try db.makeStatement(sql: sql).databaseRegion
                for table in tables where region.isModified(byEventsOfKind: .insert(tableName: table)) {
                    read.insert(table)
                }
            }
            return read
        }
        #expect(read.contains("products") && read.contains("brand") && read.contains("site_pages"))
        #expect(read.subtracting(StorefrontSnapshotFiles.tables).isEmpty, "\(read)")
    }
}

/// The SQL a trace saw, in order.
private final class StatementLog: @unchecked Sendable {
    private let lock = NSLock()
    private var statements: [String] = []
    func append(_ sql: String) { lock.withLock { statements.append(sql) } }
    var all: [String] { lock.withLock { statements } }
}
