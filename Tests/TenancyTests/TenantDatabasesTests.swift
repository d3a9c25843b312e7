import Foundation
import GRDB
import Logging
import Testing

@testable import Tenancy

@Suite("Tenant database pools")
struct TenantDatabasesTests {
    private func makeTenants(_ count: Int, in data: borrowing TestDataDirectory) throws -> [Tenant] {
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        defer { try? platform.close() }
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")
        return try (1...count).map { try onboarding.addTenant(.init(slug: "t\($0)", name: "Tenant \($0)")) }
    }

    @Test("no more pools stay open than the bound")
    func bound() async throws {
        let data = try TestDataDirectory()
        let tenants = try makeTenants(12, in: data)
        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 4, logger: Logger(label: "test"))

        for tenant in tenants {
            let count = try await databases.withDatabase(for: tenant) { database in
                try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM products") }
            }
            #expect(count == 0)
            #expect(databases.openCount <= 4)
        }
        await databases.closeAll()
        #expect(databases.openCount == 0)
    }

    @Test("a pool in use is not closed by eviction")
    func leasedPoolSurvivesEviction() async throws {
        let data = try TestDataDirectory()
        let tenants = try makeTenants(6, in: data)
        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 2, logger: Logger(label: "test"))

        try await databases.withDatabase(for: tenants[0]) { held in
            for other in tenants.dropFirst() {
                try await databases.withDatabase(for: other) { _ in }
            }
            let value = try await held.pool.write { db -> Int in
                try db.execute(sql: "UPDATE brand SET tagline = 'still open'")
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM brand") ?? 0
            }
            #expect(value == 1)
        }
        await databases.finishClosing()
        #expect(databases.openCount <= 2)
        await databases.closeAll()
    }

    @Test("concurrent users of one tenant share one pool")
    func onePoolPerFile() async throws {
        let data = try TestDataDirectory()
        let tenants = try makeTenants(1, in: data)
        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 4, logger: Logger(label: "test"))
        let pools = try await withThrowingTaskGroup(of: ObjectIdentifier.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await databases.withDatabase(for: tenants[0]) { ObjectIdentifier($0.pool) }
                }
            }
            return try await group.reduce(into: Set<ObjectIdentifier>()) { $0.insert($1) }
        }
        #expect(pools.count == 1)
        await databases.closeAll()
    }

    @Test("many requests over more tenants than the bound, with tenants forgotten meanwhile, all read open pools")
    func concurrentLeasesEvictionsAndForgets() async throws {
        let data = try TestDataDirectory()
        let tenants = try makeTenants(8, in: data)
        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 3, logger: Logger(label: "test"))
        let slugs = try await withThrowingTaskGroup(of: String?.self) { group in
            for number in 0..<240 {
                let tenant = tenants[number % tenants.count]
                group.addTask {
                    if number % 17 == 0 { databases.forget(tenant.id) }
                    // A pool closed under a lease would fail this read ("connection is closed").
                    return try await databases.withDatabase(for: tenant) { database in
                        try await database.pool.read { db in
                            try String.fetchOne(db, sql: "SELECT slug FROM tenant_identity")
                        }
                    }
                }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(slugs.count == 240)
        #expect(Set(slugs.compactMap { $0 }) == Set(tenants.map(\.slug.rawValue)))
        await databases.finishClosing()
        #expect(databases.openCount <= 3)
        await databases.closeAll()
        #expect(databases.openCount == 0)
    }

    @Test("pragmas: WAL, foreign keys and synchronous FULL")
    func pragmas() async throws {
        let data = try TestDataDirectory()
        let tenants = try makeTenants(1, in: data)
        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 4, logger: Logger(label: "test"))
        let (mode, keys, sync) = try await databases.withDatabase(for: tenants[0]) { database in
            try await database.pool.write { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                    try Int.fetchOne(db, sql: "PRAGMA synchronous")
                )
            }
        }
        #expect(mode == "wal")
        #expect(keys == 1)
        #expect(sync == 2)  // FULL
        await databases.closeAll()
    }

    @Test("the pool bound follows the descriptor budget")
    func descriptorBudget() {
        #expect(FileDescriptors.poolBound(requested: 256, limit: 20_000) == 256)
        #expect(FileDescriptors.poolBound(requested: 256, limit: 1024 + TenantDatabase.descriptorsPerPool * 10) == 10)
        #expect(FileDescriptors.poolBound(requested: 256, limit: 100) >= 1)
    }
}

@Suite("Reads without opening a pool")
struct ReadOnceTests {
    private func makeTenants(_ slugs: [String], in data: borrowing TestDataDirectory) throws -> [Tenant] {
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        defer { try? platform.close() }
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")
        return try slugs.map { try onboarding.addTenant(.init(slug: $0, name: $0)) }
    }

    @Test("a read of a tenant whose pool is closed opens no pool, and sees the latest commit")
    func closedTenantStaysClosed() async throws {
        let data = try TestDataDirectory()
        let tenants = try makeTenants(["acme", "globex"], in: data)
        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 4, logger: Logger(label: "test"))
        for tenant in tenants {
            let tagline = try await databases.readOnce(for: tenant) { db in
                try String.fetchOne(db, sql: "SELECT slug FROM tenant_identity")
            }
            #expect(tagline == tenant.slug.rawValue)
        }
        #expect(databases.openCount == 0)

        // Through the pool while it is open; and after it closed, the read-only read sees what it committed.
        try await databases.withDatabase(for: tenants[0]) { database in
            try await database.pool.write { db in try db.execute(sql: "UPDATE brand SET tagline = 'fresh'") }
            let seen = try await databases.readOnce(for: tenants[0]) { db in
                try String.fetchOne(db, sql: "SELECT tagline FROM brand")
            }
            #expect(seen == "fresh")
        }
        await databases.closeAll()
        let after = try await databases.readOnce(for: tenants[0]) { db in
            try String.fetchOne(db, sql: "SELECT tagline FROM brand")
        }
        #expect(after == "fresh")
        #expect(databases.openCount == 0)
    }

    @Test("a database of an older schema is read through the pool, which migrates it; a misplaced one is refused")
    func olderSchemaAndMisplacedFile() async throws {
        let data = try TestDataDirectory()
        let tenants = try makeTenants(["acme", "globex"], in: data)
        let acmePath = data.directory.tenantDatabasePath(tenants[0].slug)
        try await DatabaseQueue(path: acmePath).write { db in try db.execute(sql: "PRAGMA user_version = 1") }
        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 4, logger: Logger(label: "test"))
        let count = try await databases.readOnce(for: tenants[0]) { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM brand")
        }
        #expect(count == 1)
        #expect(databases.openCount == 1, "opened to migrate")
        await databases.closeAll()
        let version = try await DatabaseQueue(path: acmePath).read { try Int.fetchOne($0, sql: "PRAGMA user_version") }
        #expect(version == TenantDatabase.schemaVersion)

        let globexPath = data.directory.tenantDatabasePath(tenants[1].slug)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: globexPath + suffix) }
        try FileManager.default.copyItem(atPath: acmePath, toPath: globexPath)
        await #expect {
            try await databases.readOnce(for: tenants[1]) { db in try Int.fetchOne(db, sql: "SELECT 1") }
        } throws: { error in
            "\(error)".contains("the database of tenant acme is in the folder of tenant globex")
        }
    }

    @Test("a tenant in maintenance is not read")
    func maintenance() async throws {
        let data = try TestDataDirectory()
        let tenants = try makeTenants(["acme"], in: data)
        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 4, logger: Logger(label: "test"))
        databases.setMaintenance([tenants[0].id])
        await #expect(throws: TenancyError.maintenance("acme")) {
            try await databases.readOnce(for: tenants[0]) { db in try Int.fetchOne(db, sql: "SELECT 1") }
        }
    }
}
