import Foundation
import GRDB
import HummingbirdTesting
import Integrations
import Logging
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Tenant backups")
struct TenantBackupTests {
    @Test("retention keeps the newest backup of each of the last 7 days and of the last 4 weeks")
    func retention() {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: DateComponents(year: 2026, month: 9, day: 1, hour: 3))!
        // One backup a day for 60 days, and a second one on the last day.
        var dates = (0..<60).map { calendar.date(byAdding: .day, value: $0, to: start)! }
        let last = dates.last!
        dates.append(last.addingTimeInterval(3600))
        let kept = TenantBackups.retained(dates, retention: .init(daily: 7, weekly: 4)).sorted()
        let days = Set(kept.map { calendar.dateComponents([.year, .month, .day], from: $0) })
        let weeks = Set(kept.map { calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: $0) })
        #expect(kept.contains(last.addingTimeInterval(3600)))
        #expect(!kept.contains(last), "only the newest of a day is kept")
        #expect(kept.count <= 7 + 4)
        #expect(days.count == kept.count)
        #expect(weeks.count == 4, "\(kept)")
        // The 7 newest days are all there.
        for offset in 0..<7 {
            #expect(
                days.contains(
                    calendar.dateComponents(
                        [.year, .month, .day], from: calendar.date(byAdding: .day, value: -offset, to: last)!)))
        }
        #expect(kept.first! >= calendar.date(byAdding: .day, value: -28, to: last)!)
        #expect(TenantBackups.retained([], retention: .init()).isEmpty)
        #expect(TenantBackups.retained([start], retention: .init(daily: 1, weekly: 0)) == [start])
    }

    @Test("scheduled backups are spread over the interval, within 50 ms and 60 s apart")
    func pacing() {
        #expect(BackupScheduler.pause(interval: .seconds(86_400), due: 10_000) == .milliseconds(4_320))
        #expect(BackupScheduler.pause(interval: .seconds(86_400), due: 1) == .seconds(60))
        #expect(BackupScheduler.pause(interval: .seconds(3_600), due: 1_000_000) == .milliseconds(50))
        #expect(BackupScheduler.pause(interval: .seconds(3_600), due: 0) == .seconds(60))
    }

    @Test("the scheduler backs up only the tenants whose newest backup is older than the interval")
    func scheduledRound() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme, .globex], in: folder.path)
        let dataDirectory = DataDirectory(path: folder.path)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        defer { try? platform.close() }
        let backups = TenantBackups(
            platform: platform, dataDirectory: dataDirectory,
            secrets: try SecretBox.loadOrCreate(path: folder.path + "/master.key")
        )
        let acme = try TenantSlug(validating: "acme"), globex = try TenantSlug(validating: "globex")
        _ = try await backups.backUpAndPush("acme", now: Date().addingTimeInterval(-3600))
        try await BackupScheduler(backups: backups, interval: .seconds(86_400), logger: Logger(label: "test")).runDue()
        #expect(try backups.list(acme).count == 1, "a backup an hour old is recent enough")
        #expect(try backups.list(globex).count == 1, "a tenant without a backup gets one")
        #expect(backups.local(of: "_platform").count == 1, "the platform database is backed up too")
        let statuses = try platform.backupStatuses()
        #expect(Set(statuses.keys) == ["_platform", "acme", "globex"])
        #expect(statuses.values.allSatisfy { $0.lastGoodAt != nil && $0.lastPushedAt == nil && !$0.isFailing })
    }

    @Test(
        "a backup taken while orders are being written passes integrity_check and holds every order committed before it"
    )
    func backupUnderWrites() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path
        try await createTenants([.acme], in: path)
        let dataDirectory = DataDirectory(path: path)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        defer { try? platform.close() }
        let secrets = try SecretBox.loadOrCreate(path: path + "/master.key")
        let backups = TenantBackups(platform: platform, dataDirectory: dataDirectory, secrets: secrets)
        let slug = try TenantSlug(validating: "acme")
        let tenant = try #require(try platform.tenant(slug: slug))
        let database = try TenantDatabase.open(path: dataDirectory.tenantDatabasePath(slug), tenantID: tenant.id)
        defer { try? database.close() }
        let account = try await database.accounts.createAccount(
            kind: .customer, email: "w@example.com", name: "Writer", passwordHash: nil)
        let entry = try #require(try await database.catalogue.entry(slug: "plan-0"))

        let committed = Mutex<[String]>([])
        let stop = Atomic<Bool>(false)
        let writer = Task {
            var number = 0
            while !stop.load(ordering: .relaxed) {
                number += 1
                let order = Order(
                    accountID: account.id, number: "W\(number)", idempotencyKey: "key-\(number)", entry: entry,
                    cycle: .monthly,
                    domain: "w\(number).example", domainAction: .existing, currency: "GBP", priceMinor: 299,
                    setupMinor: 0, domainMinor: 0,
                    now: Date()
                )
                _ = try await database.orders.place(
                    order, profile: nil, confirmation: nil, actor: account, ip: "127.0.0.1")
                committed.withLock { $0.append("W\(number)") }
            }
            return number
        }
        while committed.withLock({ $0.count }) < 25 { try await Task.sleep(for: .milliseconds(5)) }
        let before = committed.withLock { $0 }
        let backup = try await BlockingIO.run { try backups.backUp(slug) }
        stop.store(true, ordering: .relaxed)
        let written = try await writer.value
        #expect(written > before.count)

        let unpacked = try TemporaryFolder()
        _ = try TenantArchive(platform: platform, dataDirectory: dataDirectory, secrets: secrets)
            .unpack(backup.url, into: URL(fileURLWithPath: unpacked.path))
        let snapshot = URL(fileURLWithPath: unpacked.path + "/tenant.sqlite")
        try TenantArchive.checkIntegrity(of: snapshot)
        let queue = try DatabaseQueue(path: snapshot.path)
        let numbers = Set(try await queue.read { db in try String.fetchAll(db, sql: "SELECT number FROM orders") })
        try queue.close()
        #expect(Set(before).isSubset(of: numbers), "missing: \(Set(before).subtracting(numbers).sorted())")
        #expect(try backups.list(slug).map(\.url) == [backup.url])
    }

    @Test(
        "restore: refused for a damaged backup with the tenant left live; otherwise maintenance (503) during, data back after"
    )
    func restore() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path
        try await createTenants([.acme, .globex], in: path)
        try await withExistingPortal(dataPath: path, configure: { $0.registryPollInterval = .milliseconds(100) }) {
            client, dependencies in
            let backups = dependencies.backups
            let slug = try TenantSlug(validating: "acme")
            let backup = try await BlockingIO.run { try backups.backUp(slug) }
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                try database.updateBrandNow { $0.tagline = "Changed after the backup" }
            }
            dependencies.storefront.invalidate(tenant)
            #expect(try await client.get("/", host: "acme.localhost").bodyText.contains("Changed after the backup"))

            // A damaged backup is refused before the tenant is touched.
            var damaged = try Data(contentsOf: backup.url)
            damaged[damaged.count / 2] ^= 0x42
            let damagedURL = URL(fileURLWithPath: path + "/damaged.tar.gz")
            try damaged.write(to: damagedURL)
            await #expect(throws: (any Error).self) {
                try await backups.restore(slug, from: damagedURL, settle: .milliseconds(300))
            }
            #expect(try dependencies.platform.tenant(slug: slug)?.maintenanceSince == nil)
            #expect(try await client.get("/", host: "acme.localhost").status == .ok)

            // During the restore the tenant answers 503 "maintenance"; the other tenant is untouched. Asked while the
            // database is being replaced (the restore waits for each answer), not sampled in the hope of a hit.
            let steps = Mutex<[String]>([])
            let during = Mutex<[Int]>([])
            try await backups.restore(slug, from: backup.url, settle: .milliseconds(400)) { step in
                steps.withLock { $0.append(step) }
                guard step == "restoring the database" else { return }
                try? await dependencies.registry.reload()
                let acme = try? await client.get("/", host: "acme.localhost").status.code
                let globex = try? await client.get("/", host: "globex.localhost").status.code
                during.withLock { $0 = [acme ?? 0, globex ?? 0] }
            }
            #expect(steps.withLock { $0 }.contains("putting acme into maintenance"))
            #expect(during.withLock { $0 } == [503, 200], "acme in maintenance, globex served")
            #expect(try dependencies.platform.tenant(slug: slug)?.maintenanceSince == nil)
            try await dependencies.registry.reload()
            let home = try await client.get("/", host: "acme.localhost")
            #expect(home.status == .ok)
            #expect(home.bodyText.contains("Acme Hosting tagline"))
            #expect(!home.bodyText.contains("Changed after the backup"))
        }
    }

    @Test("while in maintenance a tenant's sites answer 503 and others are served")
    func maintenanceGate() async throws {
        try await withPortal(configure: { $0.registryPollInterval = .milliseconds(50) }) { client, dependencies in
            try dependencies.platform.setMaintenance(true, slug: try TenantSlug(validating: "acme"))
            try await dependencies.registry.reload()
            let page = try await client.get("/", host: "acme.localhost")
            #expect(page.status == .serviceUnavailable)
            #expect(page.bodyText.contains("maintenance"))
            #expect(try await client.get("/", host: "globex.localhost").status == .ok)
            try dependencies.platform.setMaintenance(false, slug: try TenantSlug(validating: "acme"))
            try await dependencies.registry.reload()
            #expect(try await client.get("/", host: "acme.localhost").status == .ok)
        }
    }

    @Test("portal backup run, list and restore from the command line")
    func commandLine() async throws {
        let folder = try TemporaryFolder()
        try await createTenants([.acme, .globex], in: folder.path)
        let cli = CLI(dataPath: folder.path)
        _ = try SecretBox.loadOrCreate(path: folder.path + "/master.key")

        let run = await cli.run(["backup", "run"])
        #expect(run.exitCode == 0, "\(run.errorMessage ?? "")")
        #expect(run.output.contains("acme: acme-"))
        #expect(run.output.contains("[1/3] _platform: _platform-"))
        #expect(run.output.contains("Backed up 3 databases."))
        let list = await cli.run(["backup", "list", "--slug", "acme"])
        #expect(list.output.contains("DATABASE"))
        #expect(list.output.contains("/backups/acme/acme-"))
        let unconfirmed = await cli.run(["backup", "restore", "--slug", "acme"])
        #expect(unconfirmed.exitCode != 0)
        #expect(unconfirmed.errorMessage?.contains("--yes") == true)
        let restored = await cli.run(["backup", "restore", "--slug", "acme", "--yes"])
        #expect(restored.exitCode == 0, "\(restored.errorMessage ?? "")")
        #expect(restored.output.contains("checking integrity…"))
        let unknown = await cli.run(["backup", "restore", "--slug", "nobody", "--yes"])
        #expect(unknown.exitCode != 0)
        let nothing = await cli.run(["backup", "restore", "--yes"])
        #expect(nothing.errorMessage?.contains("--slug") == true)
        let noRemote = await cli.run(["backup", "drill"])
        #expect(noRemote.errorMessage?.contains("--backup-remote") == true)
        let occupied = await cli.run(["backup", "restore", "--from-remote", "--backup-remote", "offsite:backups"])
        #expect(occupied.errorMessage?.contains("is not empty") == true, "\(occupied.errorMessage ?? "")")
        let badRemote = await cli.run(["backup", "run", "--backup-remote", "no-colon-here"])
        #expect(badRemote.errorMessage?.contains("REMOTE:PATH") == true)
    }
}

extension TestResponse {
    /// The body as UTF-8 text.
    var bodyText: String { String(buffer: body) }
}
