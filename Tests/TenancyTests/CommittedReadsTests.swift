import Foundation
import GRDB
import Logging
import Synchronization
import Testing

@testable import Tenancy

@Suite("Reads reused until the next commit")
struct CommittedReadsTests {
    /// A read answering 1, 2, 3 … on each call, so a test sees whether a value was read again.
    final class CountingRead: Sendable {
        private let count = Mutex(0)
        func next() -> Int? {
            count.withLock {
                $0 += 1; return $0
            }
        }
    }

    /// A tenant database, its file, and a connection of the probe's own (as a pool's counter has); a separate
    /// `DatabaseQueue` on the file stands for another process (a CLI command).
    static func tenantWithProbe(_ data: borrowing TestDataDirectory) throws -> (TenantDatabase, String, InlineReader) {
        let database = try data.openNewTenant("one")
        let path = data.directory.tenantDatabasePath(try TenantSlug(validating: "one"))
        return (database, path, InlineReader(path: path))
    }

    @Test("a value is read once while nothing commits, and again after any commit")
    func commitInvalidates() async throws {
        let data = try TestDataDirectory()
        let database = try data.openNewTenant("one")
        defer { try? database.close() }
        let reads = CommittedReads<String, Int>(commits: database.reads.commits, capacity: 8)
        let read = CountingRead().next

        #expect(reads.value(for: "k", read: read) == 1)
        #expect(reads.value(for: "k", read: read) == 1)
        // Any commit through the pool, even to a table the value does not come from, moves the generation on.
        try await database.pool.write { db in try db.execute(sql: "UPDATE brand SET tagline = 'new'") }
        #expect(reads.value(for: "k", read: read) == 2)
        #expect(reads.value(for: "k", read: read) == 2)
    }

    @Test("a commit by another process is seen within the check interval; without one a value is kept past it")
    func outsideCommits() async throws {
        let data = try TestDataDirectory()
        let (database, path, probe) = try Self.tenantWithProbe(data)
        defer {
            try? probe.close()
            try? database.close()
        }
        let probes = Mutex(0)
        let clock = Mutex(ContinuousClock.now)
        let commits = CommitCounter(
            outside: .init(interval: .seconds(2), now: { clock.withLock { $0 } }) {
                probes.withLock { $0 += 1 }
                return try probe.dataVersion()
            })
        let reads = CommittedReads<String, Int>(commits: commits, capacity: 8)
        let read = CountingRead().next
        let later = { clock.withLock { $0 += .seconds(2) } }

        #expect(reads.value(for: "k", read: read) == 1)
        #expect(probes.withLock { $0 } == 1, "the first look takes the starting point")
        later()
        #expect(reads.value(for: "k", read: read) == 1, "nothing committed: kept past the interval")
        #expect(probes.withLock { $0 } == 2)
        for _ in 0..<50 { #expect(reads.value(for: "k", read: read) == 1) }
        #expect(probes.withLock { $0 } == 2, "at most one probe per interval, however many reads")

        let other = try DatabaseQueue(path: path)
        try await other.write { db in try db.execute(sql: "UPDATE brand SET tagline = 'from another process'") }
        try other.close()
        #expect(reads.value(for: "k", read: read) == 1, "seen only at the next probe")
        later()
        #expect(reads.value(for: "k", read: read) == 2, "another process's commit is seen")
        #expect(reads.value(for: "k", read: read) == 2)
    }

    @Test("a probe that fails counts as a change, and a miss is never kept")
    func failingProbeAndMisses() async throws {
        struct Unreadable: Error {}
        let clock = Mutex(ContinuousClock.now)
        let commits = CommitCounter(
            outside: .init(interval: .seconds(2), now: { clock.withLock { $0 } }) { throw Unreadable() })
        let reads = CommittedReads<String, Int>(commits: commits, capacity: 8)
        let read = CountingRead().next
        #expect(reads.value(for: "k", read: read) == 1)
        #expect(reads.value(for: "k", read: read) == 1)
        for expected in 2...3 {
            clock.withLock { $0 += .seconds(2) }
            #expect(reads.value(for: "k", read: read) == expected)
        }

        // A failing probe keeps the last good starting point: a commit made after it is still seen by the next good
        // probe, even though the failure already counted as a change.
        let data = try TestDataDirectory()
        let (database, path, probe) = try Self.tenantWithProbe(data)
        defer {
            try? probe.close()
            try? database.close()
        }
        let failing = Mutex(false)
        for startsFailing in [false, true] {
            let flaky = CommitCounter(
                outside: .init(interval: .seconds(2), now: { clock.withLock { $0 } }) {
                    if failing.withLock({ $0 }) { throw Unreadable() }
                    return try probe.dataVersion()
                })
            let reads = CommittedReads<String, Int>(commits: flaky, capacity: 8)
            failing.withLock { $0 = startsFailing }
            clock.withLock { $0 += .seconds(2) }
            let first = reads.value(for: "k", read: read)
            if !startsFailing {
                failing.withLock { $0 = true }
                clock.withLock { $0 += .seconds(2) }
            }
            // Read after the failed probe, then another process commits, then the probe works again.
            let afterFailure = reads.value(for: "k", read: read)
            #expect(startsFailing || afterFailure != first, "the failure counts as a change")
            let other = try DatabaseQueue(path: path)
            try await other.write { db in try db.execute(sql: "UPDATE brand SET tagline = 'x' || random()") }
            try other.close()
            failing.withLock { $0 = false }
            clock.withLock { $0 += .seconds(2) }
            #expect(
                reads.value(for: "k", read: read) != afterFailure,
                "the commit is seen (starting with a failure: \(startsFailing))")
        }

        let misses = Mutex(0)
        for _ in 0..<3 {
            #expect(
                reads.value(for: "unknown") { () -> Int? in
                    misses.withLock { $0 += 1 }; return nil
                } == nil)
        }
        #expect(misses.withLock { $0 } == 3)
    }

    @Test("stamped reads: equal when their values are; a value read without the cache gets a stamp of its own")
    func stampedEquality() {
        let (first, again, other) = (StampedRead.unique([1, 2]), StampedRead.unique([1, 2]), StampedRead.unique([3]))
        #expect(first == first && first == again && first != other)
        #expect(first.stamp != again.stamp)
    }

    @Test("a signed-out session ends at once, and a reopened pool never takes an old value for current")
    func sessionsEndAtOnce() async throws {
        let data = try TestDataDirectory()
        var database = try data.openNewTenant("one")
        let store = database.accounts
        let account = try await store.createAccount(
            kind: .customer, email: "a@example.com", name: "A", passwordHash: nil)
        let now = Date()
        let session = AccountSession(
            idHash: "hash-1", accountID: account.id, csrfToken: "csrf", secondFactorPending: false, createdAt: now,
            expiresAt: now.addingTimeInterval(3600), userAgent: "test", ip: "127.0.0.1"
        )
        try await store.createSession(session)
        #expect(try await store.liveSession(idHash: "hash-1", idleTimeout: 600, now: now)?.0.csrfToken == "csrf")
        #expect(try await store.liveSession(idHash: "hash-1", idleTimeout: 600, now: now)?.1.email == "a@example.com")
        try await store.deleteSession(idHash: "hash-1")
        #expect(try await store.liveSession(idHash: "hash-1", idleTimeout: 600, now: now) == nil)

        let before = database.reads.commits.generation
        try database.close()
        database = try TenantDatabase.open(
            path: data.directory.tenantDatabasePath(try TenantSlug(validating: "one")), tenantID: database.tenantID)
        defer { try? database.close() }
        #expect(database.reads.commits.generation > before)
    }

    @Test("a session is touched once a minute at most; the touch's commit leaves the writer waiting for the disk again")
    func sessionTouch() async throws {
        let data = try TestDataDirectory()
        let database = try data.openNewTenant("one")
        defer { try? database.close() }
        let store = database.accounts
        let account = try await store.createAccount(
            kind: .customer, email: "a@example.com", name: "A", passwordHash: nil)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.createSession(
            AccountSession(
                idHash: "hash-1", accountID: account.id, csrfToken: "csrf", secondFactorPending: false,
                createdAt: start, expiresAt: start.addingTimeInterval(3600), userAgent: "test", ip: "127.0.0.1"))
        let stored = { @Sendable in
            try await database.pool.read { db in
                try Date.fetchOne(db, sql: "SELECT last_seen_at FROM sessions WHERE id_hash = 'hash-1'")
            }
        }
        _ = try await store.liveSession(idHash: "hash-1", idleTimeout: 600, now: start.addingTimeInterval(30))
        #expect(try await stored() == start, "seen 30 s after the last touch: not written")
        let later = start.addingTimeInterval(120)
        let touched = try await store.liveSession(idHash: "hash-1", idleTimeout: 600, now: later)
        let written = try await stored()
        #expect(touched?.0.lastSeenAt == later && written == later)
        let synchronous = try await database.pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        #expect(synchronous == 2, "FULL again after the touch")
    }

    @Test("settings are kept until the database commits: a commit here is seen at once, one by another process by then")
    func settingsKeptUntilCommit() async throws {
        let data = try TestDataDirectory()
        let (database, path, _) = try Self.tenantWithProbe(data)
        defer { try? database.close() }
        let store = database.accounts
        #expect(try await store.setting("staff_two_factor") == nil)
        try await store.setSettings([("staff_two_factor", "off")], audit: "t", actor: nil, detail: "", ip: "")
        #expect(try await store.setting("staff_two_factor") == "off", "the absence read before is not kept")
        let other = try DatabaseQueue(path: path)
        try await other.write { db in
            try db.execute(sql: "UPDATE settings SET value = 'on' WHERE key = 'staff_two_factor'")
        }
        try other.close()
        // Another process's commit is seen at the next probe (within 2 s) or, as here, with the next commit here.
        try await store.setSettings([("unrelated", "1")], audit: "t", actor: nil, detail: "", ip: "")
        #expect(try await store.setting("staff_two_factor") == "on")
        #expect(try await store.settings(["staff_two_factor", "absent"]) == ["staff_two_factor": "on"])
    }

    @Test("the inline connection opened in the background serves reads; once closed it is never opened again")
    func inlineOpenedInBackground() async throws {
        let data = try TestDataDirectory()
        let (database, _, inline) = try Self.tenantWithProbe(data)
        defer { try? database.close() }
        inline.openInBackground()
        // Bounded by attempts, not by time: the opening runs on a blocking thread of its own.
        for _ in 0..<10_000 where !inline.isOpen { try await Task.sleep(for: .milliseconds(1)) }
        #expect(inline.isOpen)
        #expect(try inline.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM brand") } == 1)
        try inline.close()
        inline.openInBackground()
        #expect(throws: DatabaseError.self) { try inline.read { try Int.fetchOne($0, sql: "SELECT 1") } }
        #expect(!inline.isOpen)
    }

    @Test("two tenants' dashboards for the same account id never mix")
    func tenantsDoNotMix() async throws {
        let data = try TestDataDirectory()
        let first = try data.openNewTenant("first")
        let second = try data.openNewTenant("second")
        defer { try? first.close(); try? second.close() }
        for (database, product) in [(first, "First Hosting"), (second, "Second Hosting")] {
            let account = try await database.accounts.createAccount(
                kind: .customer, email: "same@example.com", name: "Same", passwordHash: nil)
            #expect(account.id.rawValue == 1)
            let service = MirroredService(
                whmcsServiceID: 7, accountID: account.id, whmcsOrderID: 1, whmcsProductID: 1, productName: product,
                domain: "example.com",
                status: "Active", billingCycle: "Monthly", recurringMinor: 500, nextDueDate: "2030-01-01",
                username: "user"
            )
            try await database.billing.replace(account.id, services: [service], invoices: [])
        }
        let firstView = try await first.billing.dashboard(of: Account.ID(1), today: "2026-11-26")
        let secondView = try await second.billing.dashboard(of: Account.ID(1), today: "2026-11-26")
        #expect(firstView.summary.activeServices.map(\.productName) == ["First Hosting"])
        #expect(secondView.summary.activeServices.map(\.productName) == ["Second Hosting"])
        // Served again from each database's own reads, still apart.
        #expect(try await first.billing.dashboard(of: Account.ID(1), today: "2026-11-26") == firstView)
        #expect(try await second.billing.dashboard(of: Account.ID(1), today: "2026-11-26") == secondView)
    }
}

@Suite("Custom domain claims and maintenance")
struct DomainClaimTests {
    @Test("another brand's unproven claim blocks a domain for three days, then lapses; a proven one never does")
    func lapsedClaims() async throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        defer { try? platform.close() }
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")
        let first = try onboarding.addTenant(.init(slug: "first", name: "First"))
        let second = try onboarding.addTenant(.init(slug: "second", name: "Second"))
        let domains = CustomDomains(platform: platform, baseDomain: "localhost")
        let start = Date()
        _ = try await domains.add("shop.example.com", to: first.id, token: "a", now: start)
        await #expect(throws: CustomDomains.DomainError.taken("shop.example.com")) {
            _ = try await domains.add(
                "shop.example.com", to: second.id, token: "b", now: start.addingTimeInterval(24 * 3600))
        }
        let claimed = try await domains.add(
            "shop.example.com", to: second.id, token: "b", now: start.addingTimeInterval(4 * 24 * 3600))
        #expect(claimed.tenantID == second.id)
        _ = try await domains.activate("shop.example.com", of: second.id)
        await #expect(throws: CustomDomains.DomainError.taken("shop.example.com")) {
            _ = try await domains.add(
                "shop.example.com", to: first.id, token: "c", now: start.addingTimeInterval(30 * 24 * 3600))
        }
    }

    @Test("a tenant in maintenance is not opened")
    func maintenanceRefusesLeases() async throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        defer { try? platform.close() }
        let tenant = try TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")
            .addTenant(.init(slug: "one", name: "One"))
        let databases = TenantDatabases(dataDirectory: data.directory, maximumOpen: 4, logger: Logger(label: "test"))
        try await databases.withDatabase(for: tenant) { _ in }
        databases.setMaintenance([tenant.id])
        await #expect(throws: TenancyError.maintenance("one")) {
            try await databases.withDatabase(for: tenant) { _ in }
        }
        databases.setMaintenance([])
        try await databases.withDatabase(for: tenant) { _ in }
        await databases.closeAll()
    }
}

@Suite("Account lookups")
struct AccountLookupTests {
    @Test("emails of many accounts in one query; unknown ids are left out")
    func emails() async throws {
        let data = try TestDataDirectory()
        let platform = try PlatformDatabase(dataDirectory: data.directory)
        defer { try? platform.close() }
        let tenant = try TenantOnboarding(platform: platform, dataDirectory: data.directory, baseDomain: "localhost")
            .addTenant(.init(slug: "one", name: "One"))
        let database = try TenantDatabase.open(
            path: data.directory.tenantDatabasePath(tenant.slug), tenantID: tenant.id)
        defer { try? database.close() }
        let a = try await database.accounts.createAccount(
            kind: .customer, email: "a@example.com", name: "A", passwordHash: nil)
        let b = try await database.accounts.createAccount(
            kind: .customer, email: "b@example.com", name: "B", passwordHash: nil)
        let found = try await database.accounts.emails(of: [a.id, b.id, Account.ID(999)])
        #expect(found == [a.id: "a@example.com", b.id: "b@example.com"])
        #expect(try await database.accounts.emails(of: []).isEmpty)
    }
}
