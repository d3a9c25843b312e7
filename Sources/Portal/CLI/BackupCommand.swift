import ArgumentParser
import Foundation
import Tenancy

/// `portal backup …`: online backups of tenants, their list, and restoring one.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up tenants now, list their backups, or restore one.",
        discussion: """
            `portal serve` backs up every tenant once a day by itself (--backup-every-hours) into <data dir>/backups,
            keeping 7 daily and 4 weekly backups per tenant. Each backup is a signed tenant archive (the same format
            as `portal tenant export`).

            Examples:
              portal backup run
              portal backup list --slug acme
              portal backup restore --slug acme --from tenants/backups/acme/acme-20261126T031500Z.tar.gz
            """,
        subcommands: [Run.self, List.self, Restore.self]
    )

    static func backups(data: DataOptions, key: MasterKeyOption, daily: Int = 7, weekly: Int = 4) throws
        -> TenantBackups
    {
        let dataDirectory = DataDirectory(path: data.resolvedDataDir)
        return TenantBackups(
            platform: try PlatformDatabase(dataDirectory: dataDirectory), dataDirectory: dataDirectory,
            secrets: try key.secrets(data: data, create: false), retention: .init(daily: daily, weekly: weekly)
        )
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Back up every tenant (or one) now, while the server keeps running.",
            discussion: "Example:\n  portal backup run --slug acme"
        )

        @Option(help: "Only this tenant.") var slug: String?
        @Option(name: .customLong("keep-daily"), help: "Daily backups kept per tenant.") var keepDaily = 7
        @Option(name: .customLong("keep-weekly"), help: "Weekly backups kept per tenant.") var keepWeekly = 4
        @OptionGroup var data: DataOptions
        @OptionGroup var key: MasterKeyOption

        func run() async throws {
            let backups = try BackupCommand.backups(data: data, key: key, daily: keepDaily, weekly: keepWeekly)
            if let slug {
                let backup = try backups.backUp(try TenantSlug(validating: slug))
                Console.line("Backed up \(slug) to \(backup.url.path) (\(FileSize.text(backup.size))).")
                return
            }
            var failed = 0, done = 0
            try backups.backUpAll { slug, result in
                done += 1
                switch result {
                case .success(let backup):
                    Console.line("[\(done)] \(slug): \(backup.url.lastPathComponent) (\(FileSize.text(backup.size)))")
                case .failure(let error):
                    failed += 1
                    Console.line("[\(done)] \(slug): FAILED: \(error)")
                }
            }
            guard failed == 0 else { throw CommandError("\(failed) of \(done) tenants could not be backed up") }
            Console.line(done == 0 ? "No tenants to back up." : "Backed up \(done) tenant\(done == 1 ? "" : "s").")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the backups on disk, newest first.",
            discussion: "Example:\n  portal backup list --slug acme"
        )

        @Option(help: "Only this tenant.") var slug: String?
        @OptionGroup var data: DataOptions
        @OptionGroup var key: MasterKeyOption

        func run() async throws {
            let backups = try BackupCommand.backups(data: data, key: key)
            let list = try backups.list(try slug.map { try TenantSlug(validating: $0) })
            guard !list.isEmpty else {
                Console.line("No backups yet. Take one with: portal backup run")
                return
            }
            var rows = [["TENANT", "TAKEN", "SIZE", "FILE"]]
            for backup in list {
                rows.append([
                    backup.slug.rawValue, TenantCLI.format(backup.takenAt),
                    FileSize.text(backup.size), backup.url.path,
                ])
            }
            for line in TenantCLI.table(rows) { Console.line(line) }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Restore a tenant from a backup: verified first, in maintenance while restoring, integrity-checked.",
            discussion: """
                The tenant's sites answer "down for maintenance" during the restore; changes made since the backup
                are lost. Without --from, the newest backup is used.

                Example:
                  portal backup restore --slug acme --from tenants/backups/acme/acme-20261126T031500Z.tar.gz --yes
                """
        )

        @OptionGroup var slug: SlugOption
        @Option(help: "The backup (or tenant archive) to restore; the newest backup when omitted.") var from: String?
        @Flag(help: "Confirm that changes since the backup are to be lost.") var yes = false
        @OptionGroup var data: DataOptions
        @OptionGroup var key: MasterKeyOption

        func run() async throws {
            let slug = try TenantSlug(validating: self.slug.slug)
            let backups = try BackupCommand.backups(data: data, key: key)
            let source: URL
            if let from {
                source = URL(fileURLWithPath: from)
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
    }
}
