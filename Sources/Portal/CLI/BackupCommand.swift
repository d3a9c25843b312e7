import ArgumentParser
import Foundation
import Logging
import Tenancy

/// `portal backup …`: online backups of the platform and its tenants, pushed off the machine, listed, drilled and
/// restored.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up now, list backups, run a restore drill, or restore a tenant or the whole platform.",
        discussion: """
            `portal serve` backs up platform.sqlite and every tenant once a day by itself (--backup-every-hours) into
            <data dir>/backups, keeping 7 daily and 4 weekly backups of each, and copies each one to the rclone remote
            named by --backup-remote (the same retention applies there). Each backup is a signed archive (the format
            of `portal tenant export`) with the row counts of the live database at the snapshot.

            Examples:
              portal backup run --backup-remote offsite:portal
              portal backup list --slug acme --remote --backup-remote offsite:portal
              portal backup drill --backup-remote offsite:portal
              portal backup restore --slug acme --from tenants/backups/acme/acme-20261126T031500Z.tar.gz --yes
              portal backup restore --from-remote --backup-remote offsite:portal --data-dir /srv/portal \\
                  --master-key-file /secure/master.key
            """,
        subcommands: [Run.self, List.self, Drill.self, Restore.self]
    )

    static func backups(
        data: DataOptions, key: MasterKeyOption, remote: BackupRemoteOptions? = nil, daily: Int = 7, weekly: Int = 4
    ) throws -> TenantBackups {
        let dataDirectory = DataDirectory(path: data.resolvedDataDir)
        return TenantBackups(
            platform: try PlatformDatabase(dataDirectory: dataDirectory), dataDirectory: dataDirectory,
            secrets: try key.secrets(data: data, create: false), retention: .init(daily: daily, weekly: weekly),
            remote: try remote?.remote(scratch: dataDirectory.root.appendingPathComponent(".rclone", isDirectory: true))
        )
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up the platform and every tenant (or one) now, while the server keeps running.",
            discussion: "Example:\n  portal backup run --slug acme --backup-remote offsite:portal"
        )

        @Option(help: "Only this tenant.") var slug: String?
        @Option(name: .customLong("keep-daily"), help: "Daily backups kept of each database.") var keepDaily = 7
        @Option(name: .customLong("keep-weekly"), help: "Weekly backups kept of each database.") var keepWeekly = 4
        @OptionGroup var data: DataOptions
        @OptionGroup var key: MasterKeyOption
        @OptionGroup var remote: BackupRemoteOptions

        func run() async throws {
            let backups = try BackupCommand.backups(
                data: data, key: key, remote: remote, daily: keepDaily, weekly: keepWeekly)
            let databases =
                if let slug { [try TenantSlug(validating: slug).rawValue] } else {
                    // A node of a cluster backs up its own tenants; its platform.sqlite is a copy of the shared
                    // registry (PostgreSQL's own backups keep that).
                    (try backups.platform.clusterNode() == nil ? [TenantArchive.platformDatabase] : [])
                        + (try backups.platform.heldTenants().map(\.slug.rawValue))
                }
            let destination = backups.remote.map { " and \($0.target)" } ?? ""
            var failed = 0
            for (index, database) in databases.enumerated() {
                do {
                    let backup = try await backups.backUpAndPush(database)
                    Console.line(
                        "[\(index + 1)/\(databases.count)] \(database): \(backup.url.lastPathComponent) (\(FileSize.text(backup.size)))\(destination)"
                    )
                } catch {
                    failed += 1
                    Console.line("[\(index + 1)/\(databases.count)] \(database): FAILED: \(error)")
                }
            }
            guard failed == 0 else {
                throw CommandError("\(failed) of \(databases.count) databases could not be backed up")
            }
            Console.line("Backed up \(databases.count) database\(databases.count == 1 ? "" : "s").")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the backups on disk (or on the remote), newest first.",
            discussion:
                "Examples:\n  portal backup list --slug acme\n  portal backup list --remote --backup-remote offsite:portal"
        )

        @Option(help: "Only this tenant.") var slug: String?
        @Flag(name: .customLong("remote"), help: "List the backups on the remote instead.") var onRemote = false
        @OptionGroup var data: DataOptions
        @OptionGroup var key: MasterKeyOption
        @OptionGroup var remote: BackupRemoteOptions

        func run() async throws {
            let backups = try BackupCommand.backups(data: data, key: key, remote: remote)
            if onRemote {
                guard let target = backups.remote else { throw CommandError("--remote needs --backup-remote") }
                let databases =
                    if let slug { [try TenantSlug(validating: slug).rawValue] } else { try await target.databases() }
                var rows = [["DATABASE", "TAKEN", "FILE"]]
                for database in databases {
                    for backup in try await backups.remoteBackups(of: database) {
                        rows.append([database, TenantCLI.format(backup.takenAt), backup.name])
                    }
                }
                guard rows.count > 1 else {
                    Console.line("No backups on \(target.target) yet.")
                    return
                }
                for line in TenantCLI.table(rows) { Console.line(line) }
                return
            }
            let list = try backups.list(try slug.map { try TenantSlug(validating: $0) })
            guard !list.isEmpty else {
                Console.line("No backups yet. Take one with: portal backup run")
                return
            }
            var rows = [["DATABASE", "TAKEN", "SIZE", "FILE"]]
            for backup in list {
                rows.append([
                    backup.database, TenantCLI.format(backup.takenAt), FileSize.text(backup.size), backup.url.path,
                ])
            }
            for line in TenantCLI.table(rows) { Console.line(line) }
        }
    }

    struct Drill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Restore the registry and a sample of tenants from the remote into a temporary folder and check them.",
            discussion: """
                Each database's newest remote backup is fetched, its signature and checksums verified, SQLite's
                integrity_check run, and every table's row count compared with the live database's at the snapshot.
                The result is recorded for the console and /internal/metrics. Exits non-zero when the drill fails.

                Example:
                  portal backup drill --sample 10 --backup-remote offsite:portal
                """
        )

        @Option(help: "Tenants to restore, in rotation.") var sample = 5
        @OptionGroup var data: DataOptions
        @OptionGroup var key: MasterKeyOption
        @OptionGroup var remote: BackupRemoteOptions

        func run() async throws {
            guard (1...1000).contains(sample) else { throw CommandError("--sample must be 1 to 1000") }
            let backups = try BackupCommand.backups(data: data, key: key, remote: remote)
            guard backups.remote != nil else {
                throw CommandError("a drill restores from the remote: pass --backup-remote")
            }
            let drill = await RestoreDrills(
                backups: backups, sample: sample,
                logger: Logger(label: "portal", factory: { _ in SwiftLogNoOpLogHandler() })
            ).run()
            for line in drill.detail.split(separator: "\n") { Console.line("  \(line)") }
            guard drill.ok else { throw CommandError("the restore drill failed") }
            Console.line("Restore drill passed (\(drill.checked.split(separator: ",").count) databases).")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Restore a tenant from a backup, or the whole platform from the remote onto an empty data folder.",
            discussion: """
                A tenant: its sites answer "down for maintenance" during the restore; changes made since the backup
                are lost. Without --from, the newest backup on disk is used (with --from-remote, the newest on the
                remote).

                The whole platform (--from-remote without --slug): onto an empty data folder, with the master key of
                the platform that took the backups (--master-key-file). platform.sqlite comes first, then every
                tenant, each verified (signature, checksums, integrity_check, row counts) before it is put in place;
                start `portal serve` on the folder afterwards.

                Examples:
                  portal backup restore --slug acme --from tenants/backups/acme/acme-20261126T031500Z.tar.gz --yes
                  portal backup restore --slug acme --from-remote --backup-remote offsite:portal --yes
                  portal backup restore --from-remote --backup-remote offsite:portal --data-dir /srv/portal
                """
        )

        @Option(help: "The tenant's slug, e.g. acme; omit with --from-remote to restore the whole platform.")
        var slug: String?
        @Option(help: "The backup (or tenant archive) to restore; the newest backup when omitted.") var from: String?
        @Flag(name: .customLong("from-remote"), help: "Restore from the newest backups on --backup-remote.")
        var fromRemote = false
        @Flag(help: "Confirm that changes since the backup are to be lost.") var yes = false
        @OptionGroup var data: DataOptions
        @OptionGroup var key: MasterKeyOption
        @OptionGroup var remote: BackupRemoteOptions
        @OptionGroup var domain: DomainOptions

        func run() async throws {
            if fromRemote && slug == nil { return try await restorePlatform() }
            guard let rawSlug = slug else { throw CommandError("name the tenant with --slug, or pass --from-remote") }
            let slug = try TenantSlug(validating: rawSlug)
            guard from == nil || !fromRemote else { throw CommandError("--from and --from-remote exclude each other") }
            let backups = try BackupCommand.backups(data: data, key: key, remote: remote)
            try TenantCLI.refuseLocalChange(backups.platform)
            let scratch = backups.dataDirectory.root.appendingPathComponent(".restore-fetch-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: scratch) }
            let source: URL
            if let from {
                source = URL(fileURLWithPath: from)
            } else if fromRemote {
                guard let target = backups.remote else { throw CommandError("--from-remote needs --backup-remote") }
                guard let newest = try await backups.remoteBackups(of: slug.rawValue).first else {
                    throw TenantBackups.BackupError.noSuchBackup("of \(slug) on \(target.target)")
                }
                try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
                source = scratch.appendingPathComponent(newest.name)
                Console.line("  fetching \(newest.name) from \(target.target)…")
                try await target.fetch(newest.name, database: slug.rawValue, to: source)
            } else {
                guard let newest = try backups.list(slug).first else {
                    throw TenantBackups.BackupError.noSuchBackup("of \(slug)")
                }
                source = newest.url
            }
            guard FileManager.default.fileExists(atPath: source.path) else {
                throw TenantBackups.BackupError.noSuchBackup(source.path)
            }
            guard yes else {
                throw CommandError(
                    "restoring \(slug) from \(source.lastPathComponent) loses every change made since; run again with --yes to confirm"
                )
            }
            try await backups.restore(slug, from: source) { Console.line("  \($0)…") }
            Console.line("Restored \(slug) from \(source.lastPathComponent).")
        }

        private func restorePlatform() async throws {
            let dataDirectory = DataDirectory(path: data.resolvedDataDir)
            guard
                let target = try remote.remote(
                    scratch: dataDirectory.root.appendingPathComponent(".rclone", isDirectory: true))
            else { throw CommandError("--from-remote needs --backup-remote") }
            try RemoteRestore.checkEmpty(dataDirectory)
            let restore = RemoteRestore(
                remote: target, dataDirectory: dataDirectory, secrets: try key.secrets(data: data, create: false),
                baseDomain: try domain.resolvedBaseDomain())
            let report = try await restore.run { Console.line("  \($0)") }
            let tenants = report.restored.count - 1
            guard report.failed.isEmpty else {
                throw CommandError(
                    "restored the registry and \(tenants) tenant\(tenants == 1 ? "" : "s"); \(report.failed.count) failed: "
                        + report.failed.map(\.database).joined(separator: ", "))
            }
            Console.line(
                "Restored the registry and \(tenants) tenant\(tenants == 1 ? "" : "s") into \(dataDirectory.root.path); start it with: portal serve --data-dir \(data.resolvedDataDir)"
            )
        }
    }
}
