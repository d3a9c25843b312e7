import Foundation
import Integrations
import Logging
import ServiceLifecycle
import Tenancy

/// Online backups of every tenant and of the platform database: each one a signed archive (`VACUUM INTO` snapshot,
/// files, checksums, row counts) in `<data>/backups/<slug>/` (`_platform/` for the platform), kept by a daily/weekly
/// retention, pushed to an off-machine rclone remote when one is configured (the same retention applies there), and
/// restored with the tenant in maintenance.
package struct TenantBackups: Sendable {
    /// How many backups to keep: the newest of each of the last `daily` days and of the last `weekly` weeks.
    package struct Retention: Sendable, Equatable {
        package var daily: Int
        package var weekly: Int

        package init(daily: Int = 7, weekly: Int = 4) {
            self.daily = daily
            self.weekly = weekly
        }
    }

    package struct Backup: Sendable, Equatable {
        /// A tenant's slug, or `_platform`.
        package var database: String
        package var takenAt: Date
        package var url: URL
        package var size: Int64

        /// The tenant backed up; nil for the platform database.
        package var slug: TenantSlug? { try? TenantSlug(validating: database) }
    }

    package enum BackupError: Error, Equatable, CustomStringConvertible {
        case noSuchBackup(String)
        case otherTenant(archive: String, target: String)
        case integrityAfterRestore(String)
        case failedInMaintenance(String)

        package var description: String {
            switch self {
            case .noSuchBackup(let name): "there is no backup \(name); `portal backup list` shows them"
            case .otherTenant(let archive, let target): "the archive holds tenant \(archive), not \(target)"
            case .failedInMaintenance(let detail):
                "restoring failed after the data began to change (\(detail)); the tenant stays in maintenance: restore again from a good backup"
            case .integrityAfterRestore(let detail):
                "the restored database fails SQLite's integrity check (\(detail)); the tenant stays in maintenance"
            }
        }
    }

    let platform: PlatformDatabase
    let dataDirectory: DataDirectory
    let secrets: SecretBox
    let retention: Retention
    /// Where every backup is copied after it is taken; nil keeps them on this machine only.
    package let remote: BackupRemote?

    package init(
        platform: PlatformDatabase, dataDirectory: DataDirectory, secrets: SecretBox,
        retention: Retention = Retention(),
        remote: BackupRemote? = nil
    ) {
        self.platform = platform
        self.dataDirectory = dataDirectory
        self.secrets = secrets
        self.retention = retention
        self.remote = remote
    }

    var folder: URL { dataDirectory.root.appendingPathComponent("backups", isDirectory: true) }

    var archive: TenantArchive { TenantArchive(platform: platform, dataDirectory: dataDirectory, secrets: secrets) }

    // MARK: Taking

    /// Backs up one tenant now, then prunes its old backups; returns the new one. (On this machine only; the
    /// scheduler and `portal backup run` then `push` it.)
    @discardableResult
    package func backUp(_ slug: TenantSlug, now: Date = Date()) throws -> Backup {
        try take(slug.rawValue, now: now) { try archive.export(slug: slug, to: $0) }
    }

    /// Backs up the platform database (registry, platform users, platform audit) now, then prunes.
    @discardableResult
    package func backUpPlatform(now: Date = Date()) throws -> Backup {
        try take(TenantArchive.platformDatabase, now: now) { try archive.exportPlatform(to: $0) }
    }

    private func take(_ database: String, now: Date, export: (URL) throws -> Void) throws -> Backup {
        let databaseFolder = folder.appendingPathComponent(database, isDirectory: true)
        try FileManager.default.createDirectory(
            at: databaseFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let url = databaseFolder.appendingPathComponent(Self.fileName(database, takenAt: now))
        // Two backups in the same second (the schedule and "Back up now") are one: the first is kept.
        if !FileManager.default.fileExists(atPath: url.path) {
            try export(url)
        }
        try prune(database, now: now)
        return Backup(
            database: database, takenAt: Self.date(fromStamp: Self.stamp(now)) ?? now, url: url,
            size: FileSize.bytes(at: url.path))
    }

    // MARK: Off the machine

    /// Copies a backup to the remote, applies the retention to that database's remote folder, and records the
    /// backup as good. Without a remote, only records it.
    package func push(_ backup: Backup) async throws {
        if let remote {
            try await remote.push(backup.url, database: backup.database)
            try await pruneRemote(backup.database, remote: remote)
        }
        let (platform, remote) = (self.platform, self.remote)
        try await BlockingIO.run {
            try platform.recordBackup(of: backup.database, takenAt: backup.takenAt, pushed: remote != nil)
        }
    }

    /// Deletes the remote backups of `database` that the retention no longer keeps.
    func pruneRemote(_ database: String, remote: BackupRemote) async throws {
        let dated = try await remote.files(of: database).compactMap { name in
            Self.takenAt(fileName: name, database: database).map { (name, $0) }
        }
        let keep = Self.retained(dated.map(\.1), retention: retention)
        for (name, takenAt) in dated where !keep.contains(takenAt) {
            try await remote.delete(name, database: database)
        }
    }

    /// The remote backups of `database`, newest first, as (file name, time taken).
    package func remoteBackups(of database: String) async throws -> [(name: String, takenAt: Date)] {
        guard let remote else { return [] }
        return try await remote.files(of: database).compactMap { name in
            Self.takenAt(fileName: name, database: database).map { (name, $0) }
        }.sorted { $0.1 > $1.1 }
    }

    /// Takes a backup of `database` (a slug or `_platform`) and pushes it; records a failure before rethrowing.
    package func backUpAndPush(_ database: String, now: Date = Date()) async throws -> Backup {
        do {
            let backup = try await BlockingIO.run { [self] in
                if database == TenantArchive.platformDatabase { return try backUpPlatform(now: now) }
                return try backUp(try TenantSlug(validating: database), now: now)
            }
            try await push(backup)
            return backup
        } catch {
            let platform = self.platform
            try? await BlockingIO.run {
                try platform.recordBackupFailure(of: database, at: now, error: "\(error)")
            }
            throw error
        }
    }

    /// Backs up every tenant, one after another; a tenant that fails is reported and the others go on.
    package func backUpAll(now: Date = Date(), progress: (TenantSlug, Result<Backup, any Error>) -> Void) throws {
        for tenant in try platform.heldTenants() {
            progress(tenant.slug, Result { try backUp(tenant.slug, now: now) })
        }
    }

    /// The backups on disk, newest first; of one tenant, or of all and the platform database.
    package func list(_ slug: TenantSlug? = nil) throws -> [Backup] {
        let slugs: [TenantSlug]
        if let slug {
            slugs = [slug]
        } else {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            slugs = names.compactMap { try? TenantSlug(validating: $0) }
        }
        let databases = slugs.map(\.rawValue) + (slug == nil ? [TenantArchive.platformDatabase] : [])
        return databases.flatMap { local(of: $0) }
            .sorted { ($0.takenAt, $0.database) > ($1.takenAt, $1.database) }
    }

    /// The backups of one database (a slug or `_platform`) on this machine.
    package func local(of database: String) -> [Backup] {
        let databaseFolder = folder.appendingPathComponent(database, isDirectory: true)
        return ((try? FileManager.default.contentsOfDirectory(atPath: databaseFolder.path)) ?? []).compactMap { name in
            guard let takenAt = Self.takenAt(fileName: name, database: database) else { return nil }
            let url = databaseFolder.appendingPathComponent(name)
            return Backup(database: database, takenAt: takenAt, url: url, size: FileSize.bytes(at: url.path))
        }.sorted { $0.takenAt > $1.takenAt }
    }

    /// Deletes the database's backups on this machine that the retention no longer keeps.
    package func prune(_ database: String, now: Date) throws {
        let backups = local(of: database)
        let keep = Self.retained(backups.map(\.takenAt), retention: retention)
        for backup in backups where !keep.contains(backup.takenAt) {
            try FileManager.default.removeItem(at: backup.url)
        }
    }

    /// Grandfather-father-son: the newest backup of each of the last `daily` calendar days (UTC) that have one, and
    /// the newest of each of the last `weekly` ISO weeks that have one. The newest backup is always kept.
    package static func retained(_ dates: [Date], retention: Retention) -> Set<Date> {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let newestFirst = dates.sorted(by: >)
        var keep = Set<Date>(newestFirst.prefix(1))
        var days = Set<DateComponents>(), weeks = Set<DateComponents>()
        for date in newestFirst {
            let day = calendar.dateComponents([.year, .month, .day], from: date)
            if days.count < retention.daily, days.insert(day).inserted { keep.insert(date) }
            let week = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            if weeks.count < retention.weekly, weeks.insert(week).inserted { keep.insert(date) }
        }
        return keep
    }

    // MARK: Restoring

    /// Restores a tenant from one of its backups (or any archive of it): the archive is verified whole first, then
    /// the tenant goes into maintenance (its sites answer 503 and a running server closes its database), the data is
    /// copied in with SQLite's backup API, the result must pass `integrity_check`, and only then is it live again.
    package func restore(
        _ slug: TenantSlug, from archiveURL: URL, settle: Duration = .seconds(2),
        progress: (String) async -> Void = { _ in }
    ) async throws {
        guard try platform.tenant(slug: slug) != nil else { throw TenancyError.unknownTenant(slug.rawValue) }
        let staging = dataDirectory.root.appendingPathComponent(
            ".restore-\(slug.rawValue)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }

        await progress("verifying \(archiveURL.lastPathComponent)")
        let manifest = try archive.unpack(archiveURL, into: staging)
        guard manifest.slug == slug.rawValue else {
            throw BackupError.otherTenant(archive: manifest.slug, target: slug.rawValue)
        }
        let snapshot = staging.appendingPathComponent("tenant.sqlite")
        try TenantArchive.checkIntegrity(of: snapshot)

        await progress("putting \(slug.rawValue) into maintenance")
        try platform.setMaintenance(true, slug: slug)
        var changed = false
        do {
            // A running server polls the registry once a second; give it time to close the tenant's database.
            try await Task.sleep(for: settle)

            await progress("restoring the database")
            let livePath = dataDirectory.tenantDatabasePath(slug)
            let snapshotPath = snapshot.path
            changed = true
            try await BlockingIO.run {
                try DatabaseFiles.restoreTenantDatabase(from: snapshotPath, to: livePath)
            }
            await progress("restoring files")
            try Self.replaceAssets(
                of: dataDirectory.tenantAssetsFolder(slug), with: staging.appendingPathComponent("assets"))

            await progress("checking integrity")
            // The restore brought an older backup up to this schema; now SQLite checks every page.
            do {
                try await BlockingIO.run { try DatabaseFiles.checkIntegrity(of: livePath) }
            } catch let failure as DatabaseFiles.IntegrityFailure {
                throw BackupError.integrityAfterRestore(failure.description)
            }
        } catch let error as BackupError {
            throw error
        } catch {
            // Nothing was written yet: the tenant goes back to serving its current data.
            guard changed else {
                _ = try? platform.setMaintenance(false, slug: slug)
                throw error
            }
            throw BackupError.failedInMaintenance("\(error)")
        }

        try platform.setMaintenance(false, slug: slug)
        await progress("\(slug.rawValue) is live again")
    }

    /// Makes the live assets folder hold exactly the archive's files.
    static func replaceAssets(of live: URL, with restored: URL) throws {
        let fileManager = FileManager.default
        let fresh = live.deletingLastPathComponent().appendingPathComponent(
            ".assets-\(UUID().uuidString)", isDirectory: true)
        if fileManager.fileExists(atPath: restored.path) {
            try fileManager.copyItem(at: restored, to: fresh)
        } else {
            try fileManager.createDirectory(at: fresh, withIntermediateDirectories: true)
        }
        if fileManager.fileExists(atPath: live.path) { try fileManager.removeItem(at: live) }
        try fileManager.moveItem(at: fresh, to: live)
    }

    // MARK: Names

    /// `acme-20261126T031500Z.tar.gz`, `_platform-20261126T031500Z.tar.gz`.
    static func fileName(_ database: String, takenAt: Date) -> String {
        "\(database)-\(stamp(takenAt)).tar.gz"
    }

    /// When the backup in `name` was taken, if `name` is one of `database`'s backups.
    static func takenAt(fileName name: String, database: String) -> Date? {
        let prefix = "\(database)-", suffix = ".tar.gz"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        return date(fromStamp: String(name.dropFirst(prefix.count).dropLast(suffix.count)))
    }

    /// `20261126T031500Z`: sorts by time and is safe in a file name.
    static func stamp(_ date: Date) -> String {
        let parts = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return
            "\(parts.year ?? 0)\(two(parts.month))\(two(parts.day))T\(two(parts.hour))\(two(parts.minute))\(two(parts.second))Z"
    }

    static func date(fromStamp stamp: String) -> Date? {
        let digits = stamp.filter(\.isNumber)
        guard stamp.count == 16, digits.count == 14, stamp.hasSuffix("Z") else { return nil }
        func number(_ from: Int, _ length: Int) -> Int? {
            Int(digits.dropFirst(from).prefix(length))
        }
        let components = DateComponents(
            calendar: Calendar.utc, timeZone: TimeZone(identifier: "UTC"), year: number(0, 4), month: number(4, 2),
            day: number(6, 2),
            hour: number(8, 2), minute: number(10, 2), second: number(12, 2)
        )
        return components.date
    }
}

extension Calendar {
    fileprivate static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
