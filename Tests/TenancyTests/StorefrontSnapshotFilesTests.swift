import Foundation
import GRDB
import Testing

@testable import Tenancy

@Suite("Storefront snapshot files follow the tenant's commits")
struct StorefrontSnapshotFilesTests {
    private func snapshot(_ slug: String, in data: borrowing TestDataDirectory) throws -> String {
        let path = StorefrontSnapshotFiles.path(in: data.directory, slug: try TenantSlug(validating: slug))
        let written = try StorefrontSnapshotFiles.replace(
            path, with: Array("snapshot of \(slug)".utf8),
            ifUnchangedSince: StorefrontSnapshotFiles.generation(of: path))
        #expect(written)
        return path
    }

    @Test("a commit to a storefront table removes that tenant's snapshot; other commits and tenants keep theirs")
    func commitsRemoveSnapshots() async throws {
        let data = try TestDataDirectory()
        let one = try data.openNewTenant("one")
        defer { try? one.close() }
        let two = try data.openNewTenant("two")
        defer { try? two.close() }
        let (pathOne, pathTwo) = (try snapshot("one", in: data), try snapshot("two", in: data))
        #expect(
            StorefrontSnapshotFiles.path(
                forDatabase: data.directory.tenantDatabasePath(try TenantSlug(validating: "one")))
                == pathOne)

        // Not what the storefront shows: the snapshot stays.
        try await one.pool.write { db in
            try db.execute(sql: "INSERT INTO audit_log (at, actor, action) VALUES (0, 'x', 'y')")
        }
        #expect(FileManager.default.fileExists(atPath: pathOne))
        // A rolled-back change to the brand leaves it too.
        try? await one.pool.write { db in
            try db.execute(sql: "UPDATE brand SET tagline = 'rolled back'")
            throw CancellationError()
        }
        #expect(FileManager.default.fileExists(atPath: pathOne))

        let product = try await one.pool.write { db in
            try CatalogueStore.insert(
                db,
                CatalogueEntry(
                    product: Product(slug: "p", name: "P", summary: "", kind: .sharedHosting),
                    prices: [ProductPrice(cycle: .monthly, priceMinor: 100)]))
        }
        // Prices, domain prices and translations are WITHOUT ROWID tables, whose row changes SQLite never reports:
        // each is changed alone here.
        for change in [
            "UPDATE brand SET tagline = 'new'",
            "INSERT INTO product_categories (slug, name, description, position) VALUES ('c', 'C', '', 0)",
            "UPDATE product_prices SET price_minor = 150 WHERE product_id = \(product)",
            "INSERT INTO domain_prices (product_id, tld, register_minor, transfer_minor, renew_minor) VALUES (\(product), 'com', 1, 1, 1)",
            "INSERT INTO product_translations (product_id, language, name) VALUES (\(product), 'ar', 'P')",
            "DELETE FROM product_translations",
        ] {
            _ = try snapshot("one", in: data)
            try await one.pool.write { db in try db.execute(sql: change) }
            #expect(!FileManager.default.fileExists(atPath: pathOne), "\(change)")
        }
        #expect(FileManager.default.fileExists(atPath: pathTwo))
        #expect(try StorefrontSnapshotFiles.read(pathTwo) == Array("snapshot of two".utf8))
    }

    @Test("a snapshot read before a storefront commit is refused after it")
    func staleWriteRefused() async throws {
        let data = try TestDataDirectory()
        let one = try data.openNewTenant("one")
        defer { try? one.close() }
        let path = StorefrontSnapshotFiles.path(in: data.directory, slug: try TenantSlug(validating: "one"))
        let before = StorefrontSnapshotFiles.generation(of: path)
        try await one.pool.write { db in try db.execute(sql: "UPDATE products SET name = name") }
        try await one.pool.write { db in try db.execute(sql: "UPDATE brand SET tagline = 'after'") }
        #expect(try !StorefrontSnapshotFiles.replace(path, with: [1, 2, 3], ifUnchangedSince: before))
        #expect(!FileManager.default.fileExists(atPath: path))
        // Nothing but the snapshot is left in the folder (the refused temporary file is gone).
        let names = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(names.allSatisfy { !$0.hasSuffix(".tmp") })
        #expect(
            try StorefrontSnapshotFiles.replace(
                path, with: [1, 2, 3], ifUnchangedSince: StorefrontSnapshotFiles.generation(of: path)))
        #expect(try StorefrontSnapshotFiles.read(path) == [1, 2, 3])
    }

    @Test("restoring a backup over a tenant's database removes its snapshot")
    func restoreRemovesSnapshot() async throws {
        let data = try TestDataDirectory()
        let one = try data.openNewTenant("one")
        let copy = data.directory.root.appendingPathComponent("copy.sqlite").path
        try await one.pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        try one.close()
        let path = try snapshot("one", in: data)
        try DatabaseFiles.restoreTenantDatabase(
            from: copy, to: data.directory.tenantDatabasePath(try TenantSlug(validating: "one")))
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
