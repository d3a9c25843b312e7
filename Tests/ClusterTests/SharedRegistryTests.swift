import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Cluster
@testable import Tenancy

/// One node's side of a shared registry in a test: its data folder, `platform.sqlite` copy and in-memory registry.
final class TestNode: Sendable {
    let root: String
    let data: DataDirectory
    let platform: PlatformDatabase
    let tenants: TenantRegistry
    let follower: RegistryFollower

    init(registry: PostgresRegistry, pollInterval: Duration = .seconds(3600)) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString)").path
        data = DataDirectory(path: root)
        platform = try PlatformDatabase(dataDirectory: data)
        tenants = try TenantRegistry(database: platform, baseDomain: "localhost")
        follower = RegistryFollower(
            registry: registry, replica: RegistryReplica(platform: platform), tenants: tenants,
            pollInterval: pollInterval, logger: quietLogger)
    }

    var onboarding: TenantOnboarding {
        TenantOnboarding(platform: platform, dataDirectory: data, baseDomain: "localhost")
    }

    deinit {
        try? platform.close()
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Runs `body` with a migrated registry on a fresh database of the test PostgreSQL, its pool running meanwhile.
func withSharedRegistry<T: Sendable>(
    node: String? = nil, url: String? = nil, _ body: (PostgresRegistry) async throws -> T
) async throws -> T {
    var raw = url ?? ""
    if url == nil { raw = try await TestPostgres.freshDatabase() }
    let url = try RegistryURL(parsing: raw)
    let registry = PostgresRegistry(url: url, node: node, logger: quietLogger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await registry.run() }
        defer { group.cancelAll() }
        try await registry.migrate()
        return try await body(registry)
    }
}

@Suite("Shared registry on PostgreSQL")
struct SharedRegistryTests {
    @Test("registry URLs: what is accepted, what is refused with which message, and the password never shown")
    func urls() throws {
        let url = try RegistryURL(parsing: "postgres://portal:s%40cret@db.internal:6432/registry?sslmode=require")
        #expect(
            url
                == RegistryURL(
                    host: "db.internal", port: 6432, user: "portal", password: "s@cret", database: "registry",
                    tls: .require))
        #expect(!url.description.contains("cret"))
        #expect(url.description == "postgres://portal:***@db.internal:6432/registry?sslmode=require")
        #expect(try RegistryURL(parsing: "postgresql://u@h/d").port == 5432)
        let refused: [(String, String)] = [
            ("mysql://u@h/d", "must start with postgres://"),
            ("postgres://h/d", "names no user"),
            ("postgres://u@h", "names no database"),
            ("postgres://u@h/d?sslmode=maybe", "sslmode must be"),
            ("postgres://u@h/d?pool=3", "unknown parameter \"pool\""),
            ("postgres://u@/d", "names no host"),
        ]
        for (raw, message) in refused {
            #expect(throws: RegistryURL.Invalid.self) { try RegistryURL(parsing: raw) }
            do {
                _ = try RegistryURL(parsing: raw)
            } catch {
                #expect(error.description.contains(message), "\(raw): \(error)")
            }
        }
    }

    @Test("an unreachable registry is reported with its address, not waited on forever")
    func unreachable() async throws {
        let port = try TestPostgres.freePort()
        let url = RegistryURL(host: "127.0.0.1", port: Int(port), user: "portal", database: "portal", tls: .disable)
        let registry = PostgresRegistry(url: url, leaseTimeout: .milliseconds(300), logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await registry.run() }
            await #expect(throws: ClusterError.registryUnreachable(url.description)) { try await registry.migrate() }
            await #expect(throws: ClusterError.registryUnreachable(url.description)) {
                _ = try await registry.changes(since: nil)
            }
            group.cancelAll()
        }
    }

    @Test("every node must share the master key: the first sets it, another key is refused")
    func masterKey() async throws {
        try await withSharedRegistry { registry in
            try await registry.checkMasterKey("key-a")
            try await registry.checkMasterKey("key-a")
            await #expect(throws: ClusterError.otherMasterKey(cluster: "key-a", node: "key-b")) {
                try await registry.checkMasterKey("key-b")
            }
        }
    }

    @Test("node names: lower-case letters, digits and inner hyphens, up to 40")
    func nodeNames() throws {
        #expect(try ClusterNode.validateName("node-1") == "node-1")
        for bad in ["", "Node1", "-a", "a-", "a_b", "a.b", String(repeating: "a", count: 41)] {
            #expect(throws: TenancyError.self) { try ClusterNode.validateName(bad) }
        }
    }

    @Test("the schema is made once: a second and two concurrent migrations change nothing")
    func migrations() async throws {
        let url = try await TestPostgres.freshDatabase()
        try await withSharedRegistry(url: url) { _ in
            try await withSharedRegistry(url: url) { _ in }
            async let one: Void = withSharedRegistry(url: url) { _ in }
            async let two: Void = withSharedRegistry(url: url) { _ in }
            _ = try await (one, two)
        }
        #expect(
            try await TestPostgres.psql(url, "SELECT version FROM portal_schema") == "\(PostgresSchema.steps.count)")
        #expect(try await TestPostgres.psql(url, "SELECT count(*) FROM registry_state") == "1")
    }

    @Test("a tenant registered on the shared registry reaches a node's copy with its domains and its node")
    func registerAndCopy() async throws {
        try await withSharedRegistry(node: "node-1") { registry in
            try await registry.join(node: "node-1", advertise: "http://127.0.0.1:8001")
            let node = try TestNode(registry: registry)
            let tenant = try await node.onboarding.register(
                .init(slug: "acme", name: "Acme Hosting", customDomains: ["acme.example"]), writer: registry
            ) { _ in }
            #expect(FileManager.default.fileExists(atPath: node.data.tenantFolder(tenant.slug).path))
            #expect(try await registry.node(of: tenant.slug) == "node-1")

            #expect(node.tenants.tenant(forHost: "acme.example") == nil)
            #expect(try await node.follower.sync())
            let snapshot = node.tenants.snapshot
            #expect(node.tenants.tenant(forHost: "acme.example")?.id == tenant.id)
            #expect(node.tenants.tenant(forHost: "acme.localhost")?.slug.rawValue == "acme")
            #expect(snapshot.primaryHost(of: tenant.id) == "acme.example")
            #expect(snapshot.assignments[tenant.id] == "node-1")
            #expect(snapshot.holds(tenant.id, node: "node-1"))
            #expect(!snapshot.holds(tenant.id, node: "node-2"))
            #expect(snapshot.nodes["node-1"]?.advertise == "http://127.0.0.1:8001")
            // Nothing new: no second copy.
            #expect(try await node.follower.sync() == false)
        }
    }

    @Test("suspension, maintenance, a new node and removal reach the copy as changes, tombstones included")
    func incremental() async throws {
        try await withSharedRegistry(node: "node-1") { registry in
            try await registry.join(node: "node-1", advertise: "http://127.0.0.1:8001")
            let node = try TestNode(registry: registry)
            let registration = { (slug: String) in
                TenantRegistration(
                    slug: try TenantSlug(validating: slug), name: slug, status: .active, createdAt: Date(),
                    domains: [
                        TenantDomain(
                            hostname: "\(slug).localhost", tenantID: Tenant.ID(0), kind: .platform, isPrimary: true)
                    ])
            }
            let one = try await registry.register(try registration("one")) {}
            let two = try await registry.register(try registration("two")) {}
            try await node.follower.sync()
            #expect(node.tenants.snapshot.tenantCount == 2)

            let suspended = try await registry.setStatus(.suspended, slug: one.slug, reason: "unpaid")
            #expect(suspended.status == .suspended && suspended.statusReason == "unpaid")
            _ = try await registry.setMaintenance(true, slug: two.slug, now: Date())
            try await registry.join(node: "node-2", advertise: "http://127.0.0.1:8002")
            try await registry.assign(slug: two.slug, to: "node-2")
            try await node.follower.sync()
            var snapshot = node.tenants.snapshot
            #expect(snapshot.tenantsByID[one.id]?.status == .suspended)
            #expect(snapshot.tenantsByID[one.id]?.statusReason == "unpaid")
            #expect(snapshot.tenantsByID[two.id]?.maintenanceSince != nil)
            #expect(snapshot.assignments[two.id] == "node-2")
            #expect(snapshot.nodes.keys.sorted() == ["node-1", "node-2"])

            let removed = try await registry.remove(slug: one.slug)
            #expect(removed.id == one.id)
            _ = try await registry.setMaintenance(false, slug: two.slug, now: Date())
            try await node.follower.sync()
            snapshot = node.tenants.snapshot
            #expect(snapshot.tenantsByID[one.id] == nil)
            #expect(node.tenants.tenant(forHost: "one.localhost") == nil)
            #expect(snapshot.tenantsByID[two.id]?.maintenanceSince == nil)
            #expect(try node.platform.domains(of: one.id).isEmpty)
            await #expect(throws: TenancyError.unknownTenant("one")) { try await registry.remove(slug: one.slug) }
            await #expect(throws: TenancyError.unknownNode("node-9")) {
                try await registry.assign(slug: two.slug, to: "node-9")
            }
        }
    }

    @Test("a taken slug or domain is refused with the same message as on one node, and nothing is kept")
    func duplicates() async throws {
        try await withSharedRegistry { registry in
            let node = try TestNode(registry: registry)
            _ = try await node.onboarding.register(
                .init(slug: "acme", name: "Acme", customDomains: ["acme.example"]), writer: registry
            ) { _ in }
            // A second node whose copy has not seen acme yet: PostgreSQL's constraints are what refuse it.
            let other = try TestNode(registry: registry)
            await #expect(throws: TenancyError.duplicateSlug("acme")) {
                try await other.onboarding.register(.init(slug: "acme", name: "Acme again"), writer: registry) { _ in }
            }
            await #expect(throws: TenancyError.self) {
                try await other.onboarding.register(
                    .init(slug: "globex", name: "Globex", customDomains: ["acme.example"]), writer: registry
                ) { _ in }
            }
            #expect(
                !FileManager.default.fileExists(
                    atPath: other.data.tenantFolder(try TenantSlug(validating: "acme")).path))
            #expect(
                !FileManager.default.fileExists(
                    atPath: other.data.tenantFolder(try TenantSlug(validating: "globex")).path))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: other.root).filter {
                $0.hasPrefix(".staging")
            }
            #expect(leftovers.isEmpty)
            try await other.follower.sync()
            #expect(other.tenants.snapshot.tenantCount == 1)
            #expect(
                try await registry.changes(since: nil).domains.map(\.hostname).sorted() == [
                    "acme.example", "acme.localhost",
                ])
        }
    }

    @Test("custom domains on the shared registry follow the single-node rules, and reach every node's copy")
    func customDomains() async throws {
        try await withSharedRegistry { registry in
            let node = try TestNode(registry: registry)
            let platformHost = { (slug: String) in
                TenantDomain(hostname: "\(slug).localhost", tenantID: Tenant.ID(0), kind: .platform, isPrimary: true)
            }
            let acme = try await registry.register(
                TenantRegistration(
                    slug: try TenantSlug(validating: "acme"), name: "Acme", status: .active, createdAt: Date(),
                    domains: [platformHost("acme")])
            ) {}
            let globex = try await registry.register(
                TenantRegistration(
                    slug: try TenantSlug(validating: "globex"), name: "Globex", status: .active, createdAt: Date(),
                    domains: [platformHost("globex")])
            ) {}
            let now = Date()
            _ = try await registry.changeDomain(.add("shop.acme.example", token: "t1"), of: acme.id, now: now)
            try await node.follower.sync()
            // Pending: recorded, not routed.
            #expect(try node.platform.domains(of: acme.id).contains { $0.hostname == "shop.acme.example" })
            #expect(node.tenants.tenant(forHost: "shop.acme.example") == nil)
            await #expect(throws: CustomDomains.DomainError.taken("shop.acme.example")) {
                _ = try await registry.changeDomain(.add("shop.acme.example", token: "t2"), of: globex.id, now: now)
            }
            await #expect(throws: CustomDomains.DomainError.notFound("shop.acme.example")) {
                _ = try await registry.changeDomain(.activate("shop.acme.example"), of: globex.id, now: now)
            }
            await #expect(throws: CustomDomains.DomainError.notActive("shop.acme.example")) {
                _ = try await registry.changeDomain(.makePrimary("shop.acme.example"), of: acme.id, now: now)
            }
            _ = try await registry.changeDomain(.activate("shop.acme.example"), of: acme.id, now: now)
            _ = try await registry.changeDomain(.makePrimary("shop.acme.example"), of: acme.id, now: now)
            try await node.follower.sync()
            #expect(node.tenants.tenant(forHost: "shop.acme.example")?.id == acme.id)
            #expect(node.tenants.snapshot.primaryHost(of: acme.id) == "shop.acme.example")
            await #expect(throws: CustomDomains.DomainError.primary) {
                _ = try await registry.changeDomain(.remove("shop.acme.example"), of: acme.id, now: now)
            }
            await #expect(throws: CustomDomains.DomainError.platformDomain) {
                _ = try await registry.changeDomain(.remove("acme.localhost"), of: acme.id, now: now)
            }
            _ = try await registry.changeDomain(.makePrimary("acme.localhost"), of: acme.id, now: now)
            _ = try await registry.changeDomain(.remove("shop.acme.example"), of: acme.id, now: now)
            try await node.follower.sync()
            #expect(node.tenants.tenant(forHost: "shop.acme.example") == nil)
            #expect(node.tenants.snapshot.primaryHost(of: acme.id) == "acme.localhost")
            // An unproven claim lapses after three days and another brand may take the name.
            _ = try await registry.changeDomain(.add("lapsed.example", token: "a"), of: acme.id, now: now)
            let claimed = try await registry.changeDomain(
                .add("lapsed.example", token: "b"), of: globex.id, now: now.addingTimeInterval(4 * 24 * 3600))
            #expect(claimed.tenantID == globex.id)
            try await node.follower.sync()
            #expect(try node.platform.domains(of: globex.id).contains { $0.hostname == "lapsed.example" })
            #expect(!(try node.platform.domains(of: acme.id).contains { $0.hostname == "lapsed.example" }))
        }
    }

    @Test("writers on two connections at once: the copy ends equal to the registry, no change skipped")
    func concurrentWriters() async throws {
        try await withSharedRegistry { registry in
            let node = try TestNode(registry: registry)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<2 {
                    group.addTask {
                        for index in 0..<40 {
                            let slug = try TenantSlug(validating: "w\(writer)-t\(index)")
                            _ = try await registry.register(
                                TenantRegistration(
                                    slug: slug, name: "T", status: .active, createdAt: Date(),
                                    domains: [
                                        TenantDomain(
                                            hostname: "\(slug).localhost", tenantID: Tenant.ID(0), kind: .platform,
                                            isPrimary: true)
                                    ])
                            ) {}
                            if index % 3 == 0 { _ = try await registry.setStatus(.suspended, slug: slug, reason: "r") }
                            if index % 5 == 0 { _ = try await registry.remove(slug: slug) }
                        }
                    }
                }
                // A copier running meanwhile sees the registry part-way through, many times.
                group.addTask {
                    for _ in 0..<30 { try await node.follower.sync() }
                }
                try await group.waitForAll()
            }
            try await node.follower.sync()
            let whole = try await registry.changes(since: nil)
            let copy = node.tenants.snapshot
            #expect(copy.tenantCount == whole.tenants.count)
            #expect(whole.tenants.count == 80 - 16)
            for tenant in whole.tenants {
                #expect(copy.tenantsByID[tenant.id]?.status == tenant.status)
                #expect(copy.tenantsByID[tenant.id]?.slug == tenant.slug)
            }
            #expect(try node.platform.allDomains().count == whole.domains.count)
        }
    }

    @Test("a change on one node reaches another through NOTIFY, with no polling")
    func notifications() async throws {
        let url = try await TestPostgres.freshDatabase()
        try await withSharedRegistry(node: "node-1", url: url) { registry in
            try await registry.join(node: "node-1", advertise: "http://127.0.0.1:8001")
            try await withSharedRegistry(url: url) { otherClient in
                // This node polls once an hour: only a notification can bring the change in time.
                let node = try TestNode(registry: otherClient, pollInterval: .seconds(3600))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await node.follower.run() }
                    // Listening starts with one copy; wait for it, then change the registry elsewhere.
                    try await waitUntil { node.follower.syncCount >= 1 }
                    let tenant = try await registry.register(
                        TenantRegistration(
                            slug: try TenantSlug(validating: "late"), name: "Late", status: .active, createdAt: Date(),
                            domains: [
                                TenantDomain(
                                    hostname: "late.localhost", tenantID: Tenant.ID(0), kind: .platform, isPrimary: true
                                )
                            ])
                    ) {}
                    try await waitUntil { node.tenants.tenant(forHost: "late.localhost")?.id == tenant.id }
                    #expect(node.follower.notificationCount >= 1)
                    group.cancelAll()
                }
            }
        }
    }

    @Test("a copy that followed another registry starts over: the other registry's tenants go")
    func newSourceStartsOver() async throws {
        let first = try await TestPostgres.freshDatabase()
        let second = try await TestPostgres.freshDatabase()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cluster-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let platform = try PlatformDatabase(dataDirectory: DataDirectory(path: root))
        defer { try? platform.close() }
        let tenants = try TenantRegistry(database: platform, baseDomain: "localhost")
        for (url, slug) in [(first, "old"), (second, "new")] {
            try await withSharedRegistry(url: url) { registry in
                _ = try await registry.register(
                    TenantRegistration(
                        slug: try TenantSlug(validating: slug), name: slug, status: .active, createdAt: Date(),
                        domains: [])
                ) {}
                let follower = RegistryFollower(
                    registry: registry, replica: RegistryReplica(platform: platform), tenants: tenants,
                    logger: quietLogger)
                try await follower.sync()
            }
        }
        #expect(tenants.snapshot.tenantsByID.values.map(\.slug.rawValue) == ["new"])
        #expect(
            try RegistryReplica(platform: platform).position()?.source.hasSuffix(
                String(second.split(separator: "/").last!.split(separator: "?").first!)) == true)
    }
}

/// The tests' logger: PostgresNIO reports each refused connection at info level, which is noise here.
let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

@Suite("Fenced job leases")
struct JobLeaseTests {
    static func registration(_ slug: String) throws -> TenantRegistration {
        TenantRegistration(
            slug: try TenantSlug(validating: slug), name: slug, status: .active, createdAt: Date(), domains: [])
    }

    @Test("only the node a tenant is assigned to takes its lease; a reassignment waits for the old lease to expire")
    func fenced() async throws {
        let url = try await TestPostgres.freshDatabase()
        try await withSharedRegistry(node: "node-1", url: url) { one in
            try await withSharedRegistry(node: "node-2", url: url) { two in
                try await one.join(node: "node-1", advertise: "http://127.0.0.1:8001")
                try await two.join(node: "node-2", advertise: "http://127.0.0.1:8002")
                let tenant = try await one.register(try Self.registration("acme")) {}
                // Long leases: nothing here waits for one to run out by the clock (that is `localExpiry`'s business).
                let first = JobLeases(registry: one, node: "node-1", duration: .seconds(120), margin: .seconds(30))
                let second = JobLeases(registry: two, node: "node-2", duration: .seconds(120), margin: .seconds(30))

                #expect(try await first.renew() == [tenant.id])
                #expect(first.mayRun(tenant.id))
                let fence = try #require(first.fence(of: tenant.id))
                #expect(try await second.renew().isEmpty)
                #expect(!second.mayRun(tenant.id))
                // Renewing keeps the fence.
                #expect(try await first.renew().isEmpty)
                #expect(first.fence(of: tenant.id) == fence)

                // Reassigned without a move: node-1 stops at its next renewal, node-2 waits for the lease to expire.
                try await one.assign(slug: tenant.slug, to: "node-2")
                try await first.renew()
                #expect(!first.mayRun(tenant.id))
                #expect(try await second.renew().isEmpty)
                // The lease runs out (PostgreSQL's clock, set back here rather than waited for): node-2 takes it.
                try await TestPostgres.psql(url, "UPDATE job_leases SET expires_at = now() - interval '1 second'")
                #expect(try await second.renew() == [tenant.id])
                #expect(try #require(second.fence(of: tenant.id)) > fence)
                #expect(try await one.leaseHolder(of: tenant.id)?.node == "node-2")
            }
        }
    }

    @Test("a lease counts locally only until duration minus margin after the renewal was sent (injected clock)")
    func localExpiry() async throws {
        try await withSharedRegistry(node: "node-1") { registry in
            try await registry.join(node: "node-1", advertise: "http://127.0.0.1:8001")
            let tenant = try await registry.register(try Self.registration("acme")) {}
            let clock = ManualInstant()
            let leases = JobLeases(
                registry: registry, node: "node-1", duration: .seconds(15), margin: .seconds(5), now: { clock.now })
            try await leases.renew()
            clock.advance(.seconds(9))
            #expect(leases.mayRun(tenant.id))
            clock.advance(.seconds(1))
            #expect(!leases.mayRun(tenant.id))
            #expect(leases.fence(of: tenant.id) == nil)
            // Another renewal brings it back, with the same fence (it never expired in PostgreSQL).
            try await leases.renew()
            #expect(leases.mayRun(tenant.id))
        }
    }
}

/// A monotonic instant the test moves by hand.
final class ManualInstant: Sendable {
    private let value = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { value.withLock { $0 } }
    func advance(_ duration: Duration) { value.withLock { $0 += duration } }
}

@Suite("Moves in the registry")
struct MoveRegistryTests {
    @Test("a move's token opens one transfer only; a malformed one is refused unasked; interrupted moves are failed")
    func tokens() async throws {
        try await withSharedRegistry(node: "node-1") { registry in
            try await registry.join(node: "node-1", advertise: "http://127.0.0.1:8001")
            try await registry.join(node: "node-2", advertise: "http://127.0.0.1:8002")
            let tenant = try await registry.register(try JobLeaseTests.registration("acme")) {}
            let move = try await registry.requestMove(slug: tenant.slug, to: "node-2", by: "test")
            await #expect(throws: ClusterError.moveOpen("acme")) {
                _ = try await registry.requestMove(slug: tenant.slug, to: "node-2", by: "test")
            }
            // Only the node that holds the tenant can start it.
            await #expect(throws: ClusterError.moveNotStartable(move.id)) {
                _ = try await registry.startMove(move.id, source: "node-2")
            }
            let token = try await registry.startMove(move.id, source: "node-1")
            await #expect(throws: ClusterError.self) {
                try await registry.verifyMove(move.id, slug: tenant.slug, target: "node-2", token: "not-a-token")
            }
            await #expect(throws: ClusterError.self) {
                try await registry.verifyMove(move.id, slug: tenant.slug, target: "node-1", token: token)
            }
            try await registry.verifyMove(move.id, slug: tenant.slug, target: "node-2", token: token)
            await #expect(throws: ClusterError.self) {
                try await registry.verifyMove(move.id, slug: tenant.slug, target: "node-2", token: token)
            }
            // node-1 restarts mid-move: the move fails, the tenant stays, and it can be moved again.
            try await registry.failRunningMoves(from: "node-1", reason: "node-1 stopped during the move")
            #expect(try await registry.move(move.id)?.state == .failed)
            #expect(try await registry.assignment(of: tenant.id) == "node-1")
            let again = try await registry.requestMove(slug: tenant.slug, to: "node-2", by: "test")
            // Recovering the tenant's node fails its open moves too.
            #expect(try await registry.reassign(tenant.id, from: "node-1", to: "node-2"))
            #expect(try await registry.move(again.id)?.state == .failed)
            #expect(try await registry.reassign(tenant.id, from: "node-1", to: "node-2") == false)
        }
    }

    @Test(
        "pruned tombstones: a copy that had not seen a removal starts over and loses the tenant; a current one carries on"
    )
    func prunedTombstones() async throws {
        try await withSharedRegistry(node: "node-1") { registry in
            try await registry.join(node: "node-1", advertise: "http://127.0.0.1:8001")
            let away = try TestNode(registry: registry)
            let current = try TestNode(registry: registry)
            let gone = try await registry.register(try JobLeaseTests.registration("gone")) {}
            _ = try await registry.register(try JobLeaseTests.registration("kept")) {}
            try await away.follower.sync()
            #expect(away.tenants.snapshot.tenantsByID[gone.id] != nil)
            _ = try await registry.remove(slug: gone.slug)
            try await current.follower.sync()
            let before = try #require(try RegistryReplica(platform: current.platform).position()).revision

            #expect(try await registry.pruneTombstones(olderThan: .seconds(3600)) == 0)
            #expect(try await registry.pruneTombstones(olderThan: .zero) == 1)
            // The copy that was away cannot learn the removal from a tombstone any more: it gets everything.
            let position = try #require(try RegistryReplica(platform: away.platform).position()).revision
            #expect(try await registry.changes(since: position).complete)
            try await away.follower.sync()
            #expect(away.tenants.snapshot.tenantsByID[gone.id] == nil)
            #expect(away.tenants.snapshot.tenantsByID.values.map(\.slug.rawValue) == ["kept"])
            // The current copy had seen it: it carries on from where it was.
            #expect(try await registry.changes(since: before).complete == false)
        }
    }

    @Test("a node's copy never goes back: a set of changes read before one already applied is dropped")
    func neverBack() async throws {
        try await withSharedRegistry { registry in
            let node = try TestNode(registry: registry)
            let tenant = try await registry.register(try JobLeaseTests.registration("acme")) {}
            let older = try await registry.changes(since: 0)
            _ = try await registry.setStatus(.suspended, slug: tenant.slug, reason: "later")
            try await node.follower.sync()
            try RegistryReplica(platform: node.platform).apply(older, source: registry.source)
            try await node.tenants.reload()
            #expect(node.tenants.snapshot.tenantsByID[tenant.id]?.status == .suspended)
        }
    }
}
