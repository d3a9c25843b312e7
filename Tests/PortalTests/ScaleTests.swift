import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Many tenants, few open databases: answers stay correct and descriptors stay bounded.
@Suite("Scale", .serialized)
struct ScaleTests {
    /// Descriptors this process holds on files inside `folder` (/proc/self/fd, Linux).
    static func descriptors(under folder: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.reduce(0) { count, entry in
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(entry)")
            return count + (target?.hasPrefix(folder) == true ? 1 : 0)
        }
    }

    static func manyTenants(_ count: Int) -> [TestTenant] {
        (1...count).map { TestTenant(slug: "t\($0)", name: "Brand \($0)", products: ["Plan of brand \($0)"]) }
    }

    @Test("2,000 tenants each requested once with 64 open databases: every answer right, descriptors bounded")
    func twoThousandTenants() async throws {
        let folder = try TemporaryFolder()
        try await createTenants(Self.manyTenants(2_000), in: folder.path)
        let dataPath = DataDirectory(path: folder.path).root.path
        // 64 pools of at most descriptorsPerPool each, plus the registry's own connections.
        let bound = 64 * TenantDatabase.descriptorsPerPool + 12

        try await withExistingPortal(dataPath: folder.path, configure: { $0.maxOpenTenants = 64 }) { client, deps in
            var peak = 0
            for number in 1...2_000 {
                let response = try await client.get("/", host: "t\(number).localhost")
                #expect(response.status == .ok)
                #expect(response.text.contains("<title>Brand \(number) —"), "t\(number)")
                #expect(response.text.contains(">Plan of brand \(number)<"), "t\(number)")
                if number % 25 == 0 {
                    peak = max(peak, Self.descriptors(under: dataPath))
                    #expect(deps.databases.openCount <= 64)
                }
            }
            peak = max(peak, Self.descriptors(under: dataPath))
            // Visitors' pages are read through one-shot read-only connections: no pool stays open for them.
            #expect(deps.databases.openCount == 0)
            #expect(peak <= 12, "peak \(peak) descriptors on tenant files with only the storefront served")

            // Work that needs each tenant's pool (signed-in pages, jobs) keeps at most 64 open.
            for tenant in try deps.platform.allTenants() {
                try await deps.databases.withDatabase(for: tenant) { database in
                    _ = try await database.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM products")
                    }
                }
                if tenant.id.rawValue % 25 == 0 {
                    peak = max(peak, Self.descriptors(under: dataPath))
                    #expect(deps.databases.openCount <= 64)
                }
            }
            peak = max(peak, Self.descriptors(under: dataPath))
            #expect(peak <= bound, "peak \(peak) descriptors on tenant files, bound \(bound)")
            #expect(peak > 64, "the test should have kept many databases open (peak \(peak))")
        }
    }

    @Test("200 concurrent requests over 50 tenants while pools are evicted: no error, no wrong tenant")
    func concurrentEviction() async throws {
        try await withPortal(
            tenants: Self.manyTenants(50),
            configure: {
                $0.maxOpenTenants = 8
                $0.pageCacheEntries = 4  // most requests must go to their tenant's database
            }
        ) { client, dependencies in
            let port = try #require(client.port)
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(
                idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 200)
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let outcomes = try await withThrowingTaskGroup(of: (Int, Int, String).self) { group in
                for index in 0..<200 {
                    let number = index % 50 + 1
                    group.addTask {
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/")
                        request.headers.add(name: "Host", value: "t\(number).localhost")
                        let response = try await http.execute(request, timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        return (number, Int(response.status.code), String(buffer: body))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            try await http.shutdown()

            #expect(outcomes.count == 200)
            for (number, status, body) in outcomes {
                #expect(status == 200, "t\(number) answered \(status)")
                #expect(body.contains("<title>Brand \(number) —"), "t\(number) got another tenant's page")
                let titles = body.matches(of: /<title>Brand (\d+) —/).map { Int($0.1) }
                #expect(titles == [number])
            }
            await dependencies.databases.finishClosing()
            #expect(dependencies.databases.openCount <= 8)
        }
    }
}
