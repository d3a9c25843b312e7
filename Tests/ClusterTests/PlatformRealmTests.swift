import Foundation
import TestSupport
import Testing

@testable import Cluster
@testable import Tenancy

/// Platform users, the platform audit log and one-brand-per-group claims live in the shared registry.
@Suite("Platform users, audit and claims in the shared registry")
struct PlatformRealmTests {
    /// Two nodes' registries on one fresh PostgreSQL database, each with its copy and its publisher.
    static func withTwoNodes(
        _ body: (
            (registry: PostgresRegistry, node: TestNode, publisher: PlatformRealmPublisher),
            (registry: PostgresRegistry, node: TestNode, publisher: PlatformRealmPublisher), String
        ) async throws -> Void
    ) async throws {
        let url = try await TestPostgres.freshDatabase()
        try await withSharedRegistry(node: "node-1", url: url) { first in
            try await withSharedRegistry(node: "node-2", url: url) { second in
                try await first.join(node: "node-1", advertise: "http://127.0.0.1:8001")
                try await second.join(node: "node-2", advertise: "http://127.0.0.1:8002")
                let (one, two) = (try TestNode(registry: first), try TestNode(registry: second))
                let publish = { (registry: PostgresRegistry, node: TestNode) in
                    PlatformRealmPublisher(
                        registry: registry, platform: node.platform, gate: node.follower.serial,
                        retryInterval: .seconds(3600), logger: quietLogger)
                }
                try await body(
                    (first, one, publish(first, one)), (second, two, publish(second, two)), url)
            }
        }
    }

    /// Creates a platform user in the registry with an invitation whose token hash is `invite-<email>`.
    static func addUser(_ email: String, on registry: PostgresRegistry) async throws -> Int64 {
        try await registry.createPlatformUser(email: email, action: "owner.invited", detail: "test") { id in
            let made = try PlatformRealmCopy.newAccount(id: id) { db in
                let account = try AccountStore.insertAccount(
                    db, kind: .platform, email: email, name: "", company: "", passwordHash: nil, role: nil,
                    emailVerifiedAt: nil, now: Date())
                try AccountStore.insertToken(
                    db,
                    AccountToken(
                        tokenHash: "invite-\(email)", accountID: account.id, purpose: .invite, newEmail: nil,
                        expiresAt: Date().addingTimeInterval(1800)))
                return "invite-\(email)"
            }
            return (made.document, id)
        }
    }

    @Test(
        "a platform user made in the registry reaches every node; a change on one node reaches the other; a change not yet sent is never overwritten"
    )
    func users() async throws {
        try await Self.withTwoNodes { one, two, url in
            let id = try await Self.addUser("ops@example.com", on: one.registry)
            try await one.node.follower.sync()
            try await two.node.follower.sync()
            for node in [one.node, two.node] {
                let account = try #require(
                    try await node.platform.accounts.account(kind: .platform, email: "ops@example.com"))
                #expect(account.id.rawValue == id)
                // The invitation works on either node.
                let invite = try await node.platform.accounts.peekToken(
                    hash: "invite-ops@example.com", purpose: .invite, now: Date())
                #expect(invite?.accountID.rawValue == id)
            }
            await #expect(throws: AccountError.emailTaken) {
                _ = try await Self.addUser("OPS@example.com", on: two.registry)
            }
            #expect(try await one.registry.platformUserCount() == 1)

            // Node 1 signs the user in and sets a password: node 2 gets both.
            let account = Account.ID(id)
            try await one.node.platform.accounts.setPasswordHash("hash-1", for: account)
            let session = AccountSession(
                idHash: "session-1", accountID: account, csrfToken: "csrf", secondFactorPending: false,
                createdAt: Date(), expiresAt: Date().addingTimeInterval(3600), userAgent: "test", ip: "127.0.0.1")
            try await one.node.platform.accounts.createSession(session)
            try await one.publisher.publish()
            try await two.node.follower.sync()
            #expect(try await two.node.platform.accounts.account(account)?.passwordHash == "hash-1")
            #expect(try await two.node.platform.accounts.liveSession(idHash: "session-1", idleTimeout: 600) != nil)

            // A change on node 2 not yet sent survives a copy of node 1's later change, then is sent.
            try await two.node.platform.accounts.setName("Night shift", for: account)
            try await one.node.platform.accounts.deleteSession(idHash: "session-1")
            try await one.publisher.publish()
            try await two.node.follower.sync()
            #expect(try await two.node.platform.accounts.account(account)?.name == "Night shift")
            try await two.publisher.publish()
            try await one.node.follower.sync()
            #expect(try await one.node.platform.accounts.account(account)?.name == "Night shift")
            // A copy read before this node's own later publication never takes the account back.
            try await one.node.follower.sync()
            let position = try #require(try RegistryReplica(platform: one.node.platform).position())
            try await one.node.platform.accounts.setName("Day shift", for: account)
            try await one.publisher.publish()
            let stale = try await one.registry.changes(since: position.revision)
            #expect(stale.accounts[id]?.document?.contains("Day shift") == true)
            try await one.node.platform.accounts.setName("Weekend shift", for: account)
            try await one.publisher.publish()
            try RegistryReplica(platform: one.node.platform).apply(stale, source: position.source, node: "node-1")
            #expect(try await one.node.platform.accounts.account(account)?.name == "Weekend shift")
            try await two.node.follower.sync()
            #expect(try await two.node.platform.accounts.account(account)?.name == "Weekend shift")
            // Publishing again sends nothing new.
            let revision = try await one.registry.revision()
            try await one.publisher.publish()
            try await two.publisher.publish()
            #expect(try await one.registry.revision() == revision)
            #expect(
                try await TestPostgres.psql(url, "SELECT written_by FROM platform_accounts WHERE id = \(id)")
                    == "node-1")
        }
    }

    @Test(
        "users two nodes made on their own before sharing: the registry keeps the first under an id or email, the other node takes it, nothing is stuck"
    )
    func usersFromBeforeSharing() async throws {
        try await Self.withTwoNodes { one, two, url in
            let alice = try await one.node.platform.accounts.createAccount(
                kind: .platform, email: "alice@example.com", name: "Alice", passwordHash: "a", emailVerified: true)
            let bob = try await two.node.platform.accounts.createAccount(
                kind: .platform, email: "bob@example.com", name: "Bob", passwordHash: "b", emailVerified: true)
            #expect(alice.id == bob.id)
            try await one.node.platform.accounts.audit("before.sharing", actor: nil, target: "one")
            try await one.publisher.publish()
            try await two.node.platform.accounts.audit("before.sharing", actor: nil, target: "two")
            // Refused for the account, not for the rest: node 2's audit entry still goes in.
            try await two.publisher.publish()
            #expect(try await TestPostgres.psql(url, "SELECT email FROM platform_accounts") == "alice@example.com")
            #expect(try await TestPostgres.psql(url, "SELECT count(*) FROM platform_audit") == "2")
            try await two.node.follower.sync()
            #expect(try await two.node.platform.accounts.account(bob.id)?.email == "alice@example.com")
            // Settled: publishing again changes nothing.
            let revision = try await one.registry.revision()
            try await two.publisher.publish()
            try await one.publisher.publish()
            #expect(try await one.registry.revision() == revision)
        }
    }

    @Test("every node's audit entries reach the registry once and every other node's copy once, in order")
    func audit() async throws {
        try await Self.withTwoNodes { one, two, url in
            try await one.node.platform.accounts.audit("tenant.suspended", actor: nil, target: "acme", detail: "first")
            try await two.node.platform.accounts.audit("tenant.resumed", actor: nil, target: "acme", detail: "second")
            // Pushed twice (a crash between the push and its mark): still one row each.
            for _ in 0..<2 {
                try await one.publisher.publish()
                try await two.publisher.publish()
            }
            #expect(try await TestPostgres.psql(url, "SELECT count(*) FROM platform_audit") == "2")
            for _ in 0..<2 {
                try await one.node.follower.sync()
                try await two.node.follower.sync()
            }
            for node in [one.node, two.node] {
                let entries = try await node.platform.accounts.auditEntries()
                #expect(entries.map(\.action).sorted() == ["tenant.resumed", "tenant.suspended"])
            }
            // Copied entries are not pushed back.
            try await one.publisher.publish()
            try await two.publisher.publish()
            #expect(try await TestPostgres.psql(url, "SELECT count(*) FROM platform_audit") == "2")
            await #expect(throws: (any Error).self) {
                _ = try await TestPostgres.psql(url, "DELETE FROM platform_audit")
            }
        }
    }

    @Test(
        "one brand per WHMCS client group and WHM reseller across nodes: refused whichever node asks, even at once; a removed brand frees its claim"
    )
    func claims() async throws {
        try await Self.withTwoNodes { one, two, _ in
            let a = try await one.registry.register(try JobLeaseTests.registration("alpha")) {}
            let b = try await two.registry.register(try JobLeaseTests.registration("beta")) {}
            let c = try await two.registry.register(try JobLeaseTests.registration("gamma")) {}
            let claim = UpstreamClaim(
                whmcs: UpstreamClaim.key("https://billing.example.com", "7"),
                whm: UpstreamClaim.key("https://whm.example.com:2087", "racme"))
            #expect(try await one.registry.reserve(claim, for: a.id) == (nil, nil))
            let refused = try await two.registry.reserve(claim, for: b.id)
            #expect(refused.whmcs == "alpha" && refused.whm == "alpha")
            #expect(try await two.registry.claimants(of: claim, except: a.id) == (nil, nil))
            // Same group, another reseller: only the group is refused.
            let other = UpstreamClaim(whmcs: claim.whmcs, whm: UpstreamClaim.key("https://whm.example.com:2087", "r2"))
            let partly = try await two.registry.reserve(other, for: b.id)
            #expect(partly.whmcs == "alpha" && partly.whm == nil)

            // Two nodes reserving one new group at the same moment: exactly one gets it.
            let fresh = UpstreamClaim(whmcs: UpstreamClaim.key("https://billing.example.com", "9"), whm: nil)
            async let first = one.registry.reserve(fresh, for: b.id)
            async let second = two.registry.reserve(fresh, for: c.id)
            let results = try await [first, second]
            #expect(results.filter { $0.whmcs == nil }.count == 1)

            _ = try await one.registry.remove(slug: a.slug)
            #expect(try await two.registry.reserve(claim, for: c.id) == (nil, nil))
        }
    }
}
