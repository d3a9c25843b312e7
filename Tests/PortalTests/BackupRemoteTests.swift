import Foundation
import GRDB
import Integrations
import Logging
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Backups that leave the machine (rclone to an SFTP server on loopback, or a local folder), retention there, a whole
/// platform restored from them onto an empty folder, and the restore drill.
/// Serialized, and run by `make test` in a `swift test` of its own after the others: each test runs a portal, an SFTP
/// server and dozens of rclone processes, and beside the whole suite on two cores they pushed other tests' single
/// requests past the test client's 15 s limit.
@Suite("Backups off the machine", .serialized)
struct BackupRemoteTests {
    /// A platform in `folder` with acme and globex, a customer of acme who can sign in and an order, backed up
    /// (platform database first) to `remote`; then initech, added after the registry's backup and backed up alone.
    static func backedUpPlatform(in folder: String, remote: BackupRemote) async throws {
        try await createTenants([.acme, .globex], in: folder)
        try await withExistingPortal(dataPath: folder, configure: { $0.backupRemote = remote }) { _, dependencies in
            let account = try await makeAccount(dependencies)
            let tenant = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: tenant) { database in
                let entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
                let order = Order(
                    accountID: account.id, number: "R1", idempotencyKey: "restore-1", entry: entry, cycle: .monthly,
                    domain: "ada.example", domainAction: .existing, currency: "GBP", priceMinor: 299, setupMinor: 0,
                    domainMinor: 0, now: Date())
                _ = try await database.orders.place(
                    order, profile: nil, confirmation: nil, actor: account, ip: "127.0.0.1")
            }
            for database in ["_platform", "acme", "globex"] {
                _ = try await dependencies.backups.backUpAndPush(database)
            }
        }
        try await createTenants([TestTenant(slug: "initech", name: "Initech Cloud")], in: folder)
        let dataDirectory = DataDirectory(path: folder)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        defer { try? platform.close() }
        let backups = TenantBackups(
            platform: platform, dataDirectory: dataDirectory,
            secrets: try SecretBox.loadOrCreate(path: folder + "/master.key"), remote: remote)
        _ = try await backups.backUpAndPush("initech")
    }

    /// The disk is lost: a new, empty folder with the platform's master key, restored whole from the remote.
    static func restoreAll(
        from remote: BackupRemote, keyOf original: String, into restored: String,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> RemoteRestore.Report {
        try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: original + "/master.key", toPath: restored + "/master.key")
        return try await RemoteRestore(
            remote: remote, dataDirectory: DataDirectory(path: restored),
            secrets: try SecretBox.loadOrCreate(path: restored + "/master.key"), baseDomain: "localhost"
        ).run(progress: progress)
    }

    static func remote(_ sftp: SFTPServer, scratch: String) throws -> BackupRemote {
        try BackupRemote(target: sftp.remote(), scratch: URL(fileURLWithPath: scratch))
    }

    @Test(
        "every database goes to the SFTP remote; a whole platform comes back onto an empty folder, logins and orders included"
    )
    func restoreFromRemote() async throws {
        let folder = try TemporaryFolder()
        let sftp = try await SFTPServer.start(in: folder.path + "/sftp")
        defer { Task { await sftp.stop() } }
        let remote = try Self.remote(sftp, scratch: folder.path + "/rclone")
        let original = folder.path + "/original"
        try await Self.backedUpPlatform(in: original, remote: remote)
        let stored = try FileManager.default.contentsOfDirectory(atPath: sftp.store + "/portal-backups").sorted()
        #expect(stored == ["_platform", "acme", "globex", "initech"])

        let restored = folder.path + "/restored"
        let lines = Mutex<[String]>([])
        let report = try await Self.restoreAll(from: remote, keyOf: original, into: restored) { line in
            lines.withLock { $0.append(line) }
        }
        #expect(report.failed.isEmpty, "\(report.failed)")
        #expect(report.restored == ["_platform", "acme", "globex", "initech"])
        let progress = lines.withLock { $0 }
        #expect(progress.first?.hasPrefix("registry: fetching") == true)
        #expect(
            progress.contains {
                $0.hasPrefix("[1/3] acme: acme-") && $0.contains(" verified (") && $0.hasSuffix(" rows) and restored")
            })
        #expect(progress.contains { $0.hasPrefix("[3/3] initech: ") }, "\(progress)")

        try await withExistingPortal(dataPath: restored) { client, dependencies in
            #expect(
                Set(dependencies.registry.snapshot.tenantsByID.values.map(\.slug.rawValue)) == [
                    "acme", "globex", "initech",
                ])
            let browser = TestBrowser(client, host: "acme.localhost")
            let login = try await signIn(browser)
            #expect(login.status == .seeOther && login.headers[.location] == "/account", "the customer signs in")
            let orders = try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                try await $0.pool.read { db in try String.fetchAll(db, sql: "SELECT number FROM orders") }
            }
            #expect(orders == ["R1"])
            #expect(try await client.get("/", host: "initech.localhost").status == .ok)
        }
        // Never over a platform that is there.
        #expect(throws: RemoteBackupCheck.Failure.self) { try RemoteRestore.checkEmpty(DataDirectory(path: restored)) }
    }

    @Test("a damaged remote backup is refused and reported; the other tenants are restored")
    func damagedRemoteBackup() async throws {
        let folder = try TemporaryFolder()
        let sftp = try await SFTPServer.start(in: folder.path + "/sftp")
        defer { Task { await sftp.stop() } }
        let remote = try Self.remote(sftp, scratch: folder.path + "/rclone")
        let original = folder.path + "/original"
        try await Self.backedUpPlatform(in: original, remote: remote)
        let globex = sftp.store + "/portal-backups/globex"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: globex).first)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: globex + "/" + name))
        for index in stride(from: bytes.count / 2, to: min(bytes.count, bytes.count / 2 + 64), by: 1) {
            bytes[index] ^= 0x5a
        }
        try bytes.write(to: URL(fileURLWithPath: globex + "/" + name))

        let restored = folder.path + "/restored"
        let report = try await Self.restoreAll(from: remote, keyOf: original, into: restored) { _ in }
        #expect(report.failed.map(\.database) == ["globex"])
        #expect(report.restored == ["_platform", "acme", "initech"])
        #expect(
            !FileManager.default.fileExists(
                atPath: DataDirectory(path: restored).tenantDatabasePath(try TenantSlug(validating: "globex"))))
    }

    @Test("retention applies on the remote as on the disk")
    func remoteRetention() async throws {
        let folder = try TemporaryFolder()
        let remote = try BackupRemote(
            target: ":local:" + folder.path + "/remote", scratch: URL(fileURLWithPath: folder.path + "/rclone"))
        try await createTenants([.acme], in: folder.path + "/data")
        let dataDirectory = DataDirectory(path: folder.path + "/data")
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        defer { try? platform.close() }
        let backups = TenantBackups(
            platform: platform, dataDirectory: dataDirectory,
            secrets: try SecretBox.loadOrCreate(path: folder.path + "/data/master.key"),
            retention: .init(daily: 2, weekly: 1), remote: remote)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let dates = (0..<5).map { start.addingTimeInterval(Double($0) * 86_400) }
        for date in dates { _ = try await backups.backUpAndPush("acme", now: date) }
        let kept = TenantBackups.retained(dates, retention: .init(daily: 2, weekly: 1))
        let onRemote = try await backups.remoteBackups(of: "acme").map(\.takenAt)
        #expect(Set(onRemote) == kept)
        #expect(onRemote.count == 2 && onRemote.first == dates.last)
        #expect(Set(backups.local(of: "acme").map(\.takenAt)) == kept)
        let status = try #require(try platform.backupStatuses()["acme"])
        #expect(status.lastPushedAt == dates.last && !status.isFailing)
    }

    @Test("the drill restores the registry and a rotating sample, checks integrity and row counts, and fails loudly")
    func restoreDrill() async throws {
        let folder = try TemporaryFolder()
        let sftp = try await SFTPServer.start(in: folder.path + "/sftp")
        defer { Task { await sftp.stop() } }
        let remote = try Self.remote(sftp, scratch: folder.path + "/rclone")
        let original = folder.path + "/original"
        try await Self.backedUpPlatform(in: original, remote: remote)
        let dataDirectory = DataDirectory(path: original)
        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        defer { try? platform.close() }
        let secrets = try SecretBox.loadOrCreate(path: original + "/master.key")
        let backups = TenantBackups(platform: platform, dataDirectory: dataDirectory, secrets: secrets, remote: remote)
        let drills = RestoreDrills(backups: backups, sample: 2, logger: Logger(label: "test"))

        let first = await drills.run()
        #expect(first.ok, "\(first.detail)")
        #expect(first.checked == "_platform,acme,globex")
        #expect(first.detail.contains("acme: acme-") && first.detail.contains("integrity ok"))
        let second = await drills.run()
        #expect(second.ok && second.checked == "_platform,initech,acme", "the sample rotates: \(second.checked)")

        // A backup whose database does not hold what the live one did at the snapshot: signed, checksummed, but
        // with a table short of a row.
        let archive = TenantArchive(platform: platform, dataDirectory: dataDirectory, secrets: secrets)
        let work = URL(fileURLWithPath: folder.path + "/bad")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let good = try archive.export(
            slug: try TenantSlug(validating: "globex"), to: work.appendingPathComponent("good.tar.gz"))
        let snapshot = work.appendingPathComponent("tenant.sqlite")
        try DatabaseFiles.snapshot(
            databaseAt: dataDirectory.tenantDatabasePath(try TenantSlug(validating: "globex")), into: snapshot)
        var manifest = good
        var counts = manifest.rowCounts ?? [:]
        counts["products", default: 0] += 1
        manifest.rowCounts = counts
        manifest.files = try TenantArchive.checksums([("tenant.sqlite", snapshot)])
        let name = "globex-\(TenantBackups.stamp(Date().addingTimeInterval(60))).tar.gz"
        try archive.write(
            manifest, entries: [("tenant.sqlite", snapshot)], to: work.appendingPathComponent(name), work: work)
        try await remote.push(work.appendingPathComponent(name), database: "globex")

        let third = await drills.run()
        #expect(!third.ok)
        #expect(third.detail.contains("globex: FAILED: row counts differ: products"), "\(third.detail)")
        let figures = try platform.operationsFigures()
        #expect(figures.lastDrill?.ok == false)
    }

    @Test("the drill's sample rotates over every tenant; the next drill is due an interval after the last")
    func drillSchedule() {
        let tenants = (1...5).map {
            Tenant(
                id: Tenant.ID(Int64($0)), slug: try! TenantSlug(validating: "t\($0)"), name: "T\($0)", status: .active,
                createdAt: Date())
        }
        #expect(RestoreDrills.selection(tenants: tenants, drillsSoFar: 0, sample: 2) == ["_platform", "t1", "t2"])
        #expect(RestoreDrills.selection(tenants: tenants, drillsSoFar: 1, sample: 2) == ["_platform", "t3", "t4"])
        #expect(RestoreDrills.selection(tenants: tenants, drillsSoFar: 2, sample: 2) == ["_platform", "t5", "t1"])
        #expect(RestoreDrills.selection(tenants: [], drillsSoFar: 7, sample: 2) == ["_platform"])
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(
            RestoreDrillScheduler.nextDrill(last: nil, started: start, interval: .seconds(86_400))
                == start.addingTimeInterval(900))
        #expect(
            RestoreDrillScheduler.nextDrill(last: start, started: start, interval: .seconds(3_600))
                == start.addingTimeInterval(3_600))
    }

    @Test("portal backup run, drill and restore --from-remote from the command line, with progress")
    func commandLine() async throws {
        let folder = try TemporaryFolder()
        let sftp = try await SFTPServer.start(in: folder.path + "/sftp")
        defer { Task { await sftp.stop() } }
        let original = folder.path + "/original"
        try await createTenants([.acme, .globex], in: original)
        _ = try SecretBox.loadOrCreate(path: original + "/master.key")
        let remote = ["--backup-remote", sftp.remote()]
        let run = await CLI(dataPath: original).run(["backup", "run"] + remote)
        #expect(run.exitCode == 0, "\(run.errorMessage ?? "")")
        #expect(run.output.contains("[2/3] acme: acme-") && run.output.contains(" and :sftp,"))
        let listed = await CLI(dataPath: original).run(["backup", "list", "--remote"] + remote)
        #expect(listed.output.contains("_platform") && listed.output.contains("globex-"), "\(listed.output)")
        let drill = await CLI(dataPath: original).run(["backup", "drill", "--sample", "2"] + remote)
        #expect(drill.exitCode == 0, "\(drill.errorMessage ?? "")")
        #expect(drill.output.contains("Restore drill passed (3 databases)."))

        let restored = folder.path + "/restored"
        let back = await CLI(dataPath: restored).run(
            ["backup", "restore", "--from-remote", "--master-key-file", original + "/master.key"] + remote)
        #expect(back.exitCode == 0, "\(back.errorMessage ?? "")")
        #expect(back.output.contains("registry: _platform-") && back.output.contains("[2/2] globex: globex-"))
        #expect(back.output.contains("Restored the registry and 2 tenants into"))
        let again = await CLI(dataPath: restored).run(
            ["backup", "restore", "--from-remote", "--master-key-file", original + "/master.key"] + remote)
        #expect(again.exitCode != 0 && again.errorMessage?.contains("is not empty") == true)
    }
}
