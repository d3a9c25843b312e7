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
            #expect(await databases.openCount <= 4)
        }
        await databases.closeAll()
        #expect(await databases.openCount == 0)
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
        #expect(await databases.openCount <= 2)
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
