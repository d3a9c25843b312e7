import Foundation
import GRDB
import Logging
import Testing

@testable import Tenancy

@Suite("New tenant databases from the migrated template")
struct TenantTemplateTests {
    /// Every schema object (tables, indexes, triggers, the help centre's full-text tables) with its SQL.
    private func schema(of path: String) throws -> (objects: [[String?]], version: Int) {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")
            let objects = rows.map { row in ["type", "name", "tbl_name", "sql"].map { row[$0] as String? } }
            return (objects, try Int.fetchOne(db, sql: "PRAGMA user_version") ?? -1)
        }
    }

    @Test("a database made from the template has exactly the schema and version of one migrated step by step")
    func sameSchemaAsMigrated() throws {
        let data = try TestDataDirectory()
        let folder = data.directory.root
        let migratedPath = folder.appendingPathComponent("migrated.sqlite").path
        try TenantDatabase.open(path: migratedPath, tenantID: Tenant.ID(0)).close()
        let templatePath = folder.appendingPathComponent("template.sqlite").path
        try TenantDatabase.create(
            path: templatePath, slug: try TenantSlug(validating: "acme"),
            templates: data.directory.templatesFolder
        ).close()

        let migrated = try schema(of: migratedPath)
        let fromTemplate = try schema(of: templatePath)
        #expect(migrated.objects.count > 60)
        #expect(fromTemplate.objects == migrated.objects)
        #expect(fromTemplate.version == migrated.version)
        #expect(fromTemplate.version == TenantDatabase.migrator.migrations.count)
        // The same migrations are recorded as applied, so a later migration starts from the same place.
        let applied = { (path: String) in
            try DatabaseQueue(path: path).read {
                try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations")
            }
        }
        #expect(try applied(templatePath) == applied(migratedPath))
    }

    @Test("each new database gets its own identity, brand timestamp and file; the template is not shared state")
    func identity() throws {
        let data = try TestDataDirectory()
        let folder = data.directory.root
        let made = Date(timeIntervalSince1970: 1_800_000_000)
        for slug in ["acme", "globex"] {
            let path = folder.appendingPathComponent("\(slug).sqlite").path
            let database = try TenantDatabase.create(
                path: path, slug: try TenantSlug(validating: slug), templates: data.directory.templatesFolder, now: made
            )
            try database.pool.write { db in try db.execute(sql: "UPDATE brand SET tagline = ?", arguments: [slug]) }
            try database.close()
        }
        for slug in ["acme", "globex"] {
            let queue = try DatabaseQueue(path: folder.appendingPathComponent("\(slug).sqlite").path)
            let (owner, created, tagline, updated) = try queue.read { db in
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT tenant_identity.slug, tenant_identity.created_at, brand.tagline, brand.updated_at
                        FROM tenant_identity, brand
                        """)!
                return (row[0] as String, row[1] as Date, row[2] as String, row[3] as Date)
            }
            #expect(owner == slug)
            #expect(created == made)
            #expect(updated == made)
            #expect(tagline == slug)
            try queue.close()
        }
        // Creating over an existing file is refused, and the file is left as it was.
        #expect(throws: TenancyError.self) {
            try TenantDatabase.create(
                path: folder.appendingPathComponent("acme.sqlite").path, slug: try TenantSlug(validating: "acme"),
                templates: data.directory.templatesFolder)
        }
        let tagline = try DatabaseQueue(path: folder.appendingPathComponent("acme.sqlite").path).read {
            try String.fetchOne($0, sql: "SELECT tagline FROM brand")
        }
        #expect(tagline == "acme")
    }

    @Test("a tenant's database copied into another tenant's folder is refused, not served")
    func crossTenantFileRefused() async throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        defer { try? platform.close() }
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")
        let acme = try onboarding.addTenant(.init(slug: "acme", name: "Acme"))
        let globex = try onboarding.addTenant(.init(slug: "globex", name: "Globex"))
        let globexPath = data.directory.tenantDatabasePath(globex.slug)
        try FileManager.default.removeItem(atPath: globexPath)
        try FileManager.default.copyItem(atPath: data.directory.tenantDatabasePath(acme.slug), toPath: globexPath)

        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 4, logger: Logger(label: "test"))
        await #expect {
            try await databases.withDatabase(for: globex) { _ in }
        } throws: { error in
            "\(error)".contains("the database of tenant acme is in the folder of tenant globex")
        }
        try await databases.withDatabase(for: acme) { _ in }
        await databases.closeAll()
    }

    @Test("an older database migrates once and records its version and owner; a newer one is refused")
    func versions() throws {
        let data = try TestDataDirectory()
        let path = data.directory.root.appendingPathComponent("old.sqlite").path
        // A database from before v23 and before versions were recorded: migrations up to v22, user_version 0.
        let queue = try DatabasePool(path: path)
        try TenantDatabase.migrator.migrate(queue, upTo: "v22: the brand's pages, news, menu, announcement and images")
        try queue.close()

        let slug = try TenantSlug(validating: "acme")
        try TenantDatabase.open(path: path, tenantID: Tenant.ID(1), expecting: slug).close()
        let (version, owner, tables) = try DatabaseQueue(path: path).read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA user_version"),
                try String.fetchOne(db, sql: "SELECT slug FROM tenant_identity"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema WHERE name = 'tenant_identity'")
            )
        }
        #expect(version == TenantDatabase.schemaVersion)
        #expect(owner == "acme")
        #expect(tables == 1)

        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "PRAGMA user_version = \(TenantDatabase.schemaVersion + 1)")
        }
        #expect {
            try TenantDatabase.open(path: path, tenantID: Tenant.ID(1), expecting: slug).close()
        } throws: { error in
            "\(error)".contains("newer than this portal's")
        }
    }
}
