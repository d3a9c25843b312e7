import Foundation
import Integrations
import Tenancy

/// Fetching a backup back from the remote and proving it good: signature and checksums (while unpacking), SQLite's
/// `integrity_check`, and every table's row count equal to the live database's when the snapshot was taken.
package enum RemoteBackupCheck {
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package let description: String
    }

    /// A backup fetched and verified: the archive, its manifest and the unpacked folder (`tenant.sqlite` or
    /// `platform.sqlite`, and a tenant's `assets/`), all in the caller's folder.
    package struct Verified: Sendable {
        package var name: String
        package var archive: URL
        package var manifest: TenantArchive.Manifest
        package var folder: URL
        package var database: URL
        package var rows: Int
    }

    /// Fetches the newest remote backup of `database` into `folder` and verifies it.
    package static func fetchNewest(
        _ database: String, backups: TenantBackups, remote: BackupRemote, into folder: URL
    ) async throws -> Verified {
        guard let newest = try await backups.remoteBackups(of: database).first else {
            throw Failure(description: "the remote has no backup of \(database)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let archive = folder.appendingPathComponent(newest.name)
        try await remote.fetch(newest.name, database: database, to: archive)
        let unpacked = folder.appendingPathComponent("unpacked", isDirectory: true)
        let secrets = backups.secrets
        return try await BlockingIO.run {
            let manifest = try TenantArchive.unpack(archive, into: unpacked, secrets: secrets)
            guard manifest.slug == database else {
                throw Failure(description: "\(newest.name) holds \(manifest.slug), not \(database)")
            }
            let file = unpacked.appendingPathComponent(
                database == TenantArchive.platformDatabase ? "platform.sqlite" : "tenant.sqlite")
            try TenantArchive.checkIntegrity(of: file)
            let counts = try DatabaseFiles.rowCounts(of: file.path)
            if let expected = manifest.rowCounts, expected != counts {
                let tables = Set(expected.keys).union(counts.keys).sorted().filter { expected[$0] != counts[$0] }
                let first = tables.prefix(3).map {
                    "\($0) \(expected[$0] ?? 0) at the snapshot, \(counts[$0] ?? 0) restored"
                }
                throw Failure(description: "row counts differ: " + first.joined(separator: "; "))
            }
            return Verified(
                name: newest.name, archive: archive, manifest: manifest, folder: unpacked, database: file,
                rows: counts.values.reduce(0, +))
        }
    }
}

/// `portal backup restore --from-remote`: the whole platform back from the remote onto an empty data folder: the
/// platform database (registry, platform users, platform audit), then every tenant's newest backup, each verified
/// before it is put in place. Tenants the remote holds but the registry backup does not (created after it) are
/// imported from their archives.
package struct RemoteRestore: Sendable {
    package struct Report: Sendable {
        package var restored: [String] = []
        package var failed: [(database: String, reason: String)] = []
    }

    let remote: BackupRemote
    let dataDirectory: DataDirectory
    let secrets: SecretBox
    let retention: TenantBackups.Retention
    let baseDomain: String

    package init(
        remote: BackupRemote, dataDirectory: DataDirectory, secrets: SecretBox, baseDomain: String,
        retention: TenantBackups.Retention = .init()
    ) {
        self.remote = remote
        self.dataDirectory = dataDirectory
        self.secrets = secrets
        self.baseDomain = baseDomain
        self.retention = retention
    }

    /// Refuses a data folder that already holds a platform or a tenant.
    package static func checkEmpty(_ dataDirectory: DataDirectory) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory.root.path)) ?? []
        let occupied = names.filter { name in
            name == "platform.sqlite" || name.hasPrefix("platform.sqlite-")
                || (try? TenantSlug(validating: name)) != nil
        }
        guard occupied.isEmpty else {
            throw RemoteBackupCheck.Failure(
                description:
                    "\(dataDirectory.root.path) is not empty (\(occupied.sorted().prefix(3).joined(separator: ", "))); restore into an empty data folder"
            )
        }
    }

    package func run(progress: @escaping @Sendable (String) -> Void) async throws -> Report {
        try Self.checkEmpty(dataDirectory)
        try FileManager.default.createDirectory(
            at: dataDirectory.root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let staging = dataDirectory.root.appendingPathComponent(".restore-remote-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }

        // The registry first: without it there is nothing to serve.
        progress("registry: fetching the newest backup of platform.sqlite from \(remote.target)")
        let bootstrap = try PlatformDatabase(
            dataDirectory: DataDirectory(path: staging.appendingPathComponent("empty").path))
        let fetcher = TenantBackups(
            platform: bootstrap, dataDirectory: dataDirectory, secrets: secrets, retention: retention, remote: remote)
        let registry: RemoteBackupCheck.Verified
        do {
            registry = try await RemoteBackupCheck.fetchNewest(
                TenantArchive.platformDatabase, backups: fetcher, remote: remote,
                into: staging.appendingPathComponent("_platform"))
        } catch {
            try? bootstrap.close()
            throw error
        }
        try bootstrap.close()
        try FileManager.default.moveItem(atPath: registry.database.path, toPath: dataDirectory.platformDatabasePath)
        progress("registry: \(registry.name) verified (\(registry.rows) rows) and restored")

        let platform = try PlatformDatabase(dataDirectory: dataDirectory)
        defer { try? platform.close() }
        let backups = TenantBackups(
            platform: platform, dataDirectory: dataDirectory, secrets: secrets, retention: retention, remote: remote)
        let registered = try platform.allTenants().map(\.slug.rawValue)
        let onRemote = try await remote.databases().filter { (try? TenantSlug(validating: $0)) != nil }
        let all = registered + onRemote.filter { !registered.contains($0) }.sorted()
        var report = Report()
        report.restored.append(TenantArchive.platformDatabase)
        for (index, database) in all.enumerated() {
            let step = "[\(index + 1)/\(all.count)] \(database)"
            do {
                let work = staging.appendingPathComponent(database, isDirectory: true)
                defer { try? FileManager.default.removeItem(at: work) }
                let verified = try await RemoteBackupCheck.fetchNewest(
                    database, backups: backups, remote: remote, into: work)
                try await place(verified, registered: registered.contains(database), platform: platform)
                report.restored.append(database)
                progress("\(step): \(verified.name) verified (\(verified.rows) rows) and restored")
            } catch {
                report.failed.append((database, "\(error)"))
                progress("\(step): FAILED: \(error)")
            }
        }
        return report
    }

    /// Puts a verified tenant backup in place: its database (brought up to this version's schema) and its files;
    /// a tenant the registry backup did not know is registered from its archive's manifest.
    private func place(_ verified: RemoteBackupCheck.Verified, registered: Bool, platform: PlatformDatabase)
        async throws
    {
        let (dataDirectory, secrets, baseDomain) = (self.dataDirectory, self.secrets, self.baseDomain)
        try await BlockingIO.run {
            let slug = try TenantSlug(validating: verified.manifest.slug)
            guard registered else {
                // Created after the registry's backup: registered from its archive (checked again on the way in).
                _ = try TenantArchive(platform: platform, dataDirectory: dataDirectory, secrets: secrets)
                    .importTenant(from: verified.archive, baseDomain: baseDomain)
                return
            }
            try FileManager.default.createDirectory(
                at: dataDirectory.tenantFolder(slug), withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            try DatabaseFiles.restoreTenantDatabase(
                from: verified.database.path, to: dataDirectory.tenantDatabasePath(slug))
            try DatabaseFiles.checkIntegrity(of: dataDirectory.tenantDatabasePath(slug))
            try TenantBackups.replaceAssets(
                of: dataDirectory.tenantAssetsFolder(slug), with: verified.folder.appendingPathComponent("assets"))
        }
    }
}
