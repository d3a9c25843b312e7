import Crypto
import Foundation
import Integrations
import Tenancy

/// One tenant as a single `.tar.gz`: a consistent snapshot of its database (`VACUUM INTO`), its uploaded files, and
/// a manifest with every file's SHA-256, signed with a key derived from the platform's master key.
///
/// The signature makes a changed archive fail even when its checksums were recomputed; the checksums and SQLite's
/// integrity check make a damaged one fail. Sealed secrets inside (upstream credentials, hosting passwords) stay
/// sealed, so an archive opens only where the same master key is configured.
package struct TenantArchive: Sendable {
    package static let formatVersion = 1

    package struct Manifest: Codable, Sendable, Equatable {
        package struct File: Codable, Sendable, Equatable {
            package var path: String
            package var size: UInt64
            package var sha256: String
        }

        package var format: Int
        package var slug: String
        package var name: String
        package var status: Tenant.Status
        /// Custom domains that work (their DNS proof was found).
        package var customDomains: [String]
        /// Custom domains still waiting for their DNS proof, with their tokens: they stay pending after an import.
        package var pendingDomains: [String: String]?
        /// The primary domain when it is a custom one; nil when `<slug>.<base domain>` is primary.
        package var primaryCustomDomain: String?
        package var exportedAt: Date
        /// Which master key signed this archive and sealed its secrets (a public fingerprint, not the key).
        package var keyID: String
        package var files: [File]
        /// The row count of each table of the live database as of the snapshot (the restore drill's yardstick).
        package var rowCounts: [String: Int]? = nil
        /// `platform` for the platform database's backup (slug `_platform`); nil for a tenant.
        package var kind: String? = nil
    }

    /// The slug of the platform database's archives, which no tenant can have (slugs start with a letter).
    package static let platformDatabase = "_platform"

    package enum ArchiveError: Error, Equatable, CustomStringConvertible {
        case unsigned
        case tampered
        case otherKey(archive: String, here: String)
        case unsupportedFormat(Int)
        case checksumMismatch(String)
        case missingFile(String)
        case unexpectedFile(String)
        case integrity(String)

        package var description: String {
            switch self {
            case .unsigned: "this is not a tenant archive (its manifest or signature is missing)"
            case .tampered:
                "the archive's manifest does not match its signature: it was changed after export, so it is refused"
            case .otherKey(let archive, let here):
                "the archive was signed with master key \(archive), but this platform's is \(here); run with --master-key-file pointing at the exporting platform's key"
            case .unsupportedFormat(let version):
                "the archive's format \(version) is newer than this portal understands"
            case .checksumMismatch(let path):
                "\(path) in the archive does not match its checksum: the archive is damaged or was changed"
            case .missingFile(let path): "the archive lacks \(path), which its manifest lists"
            case .unexpectedFile(let path): "the archive holds \(path), which its manifest does not list"
            case .integrity(let detail): "the archive's database fails SQLite's integrity check: \(detail)"
            }
        }
    }

    let platform: PlatformDatabase
    let dataDirectory: DataDirectory
    let secrets: SecretBox

    package init(platform: PlatformDatabase, dataDirectory: DataDirectory, secrets: SecretBox) {
        self.platform = platform
        self.dataDirectory = dataDirectory
        self.secrets = secrets
    }

    // MARK: Export

    /// Writes the tenant's archive to `destination` (through a temporary file renamed into place, so a failed
    /// export never leaves a partial archive); `progress` hears each step.
    @discardableResult
    package func export(slug: TenantSlug, to destination: URL, progress: (String) -> Void = { _ in }) throws -> Manifest
    {
        guard let tenant = try platform.tenant(slug: slug) else { throw TenancyError.unknownTenant(slug.rawValue) }
        let domains = try platform.domains(of: tenant.id)
        let work = destination.deletingLastPathComponent().appendingPathComponent(
            ".export-\(slug.rawValue)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        progress("snapshotting the database")
        let snapshot = work.appendingPathComponent("tenant.sqlite")
        let counts = try Self.snapshot(databaseAt: dataDirectory.tenantDatabasePath(slug), into: snapshot)
        var entries: [(path: String, source: URL)] = [("tenant.sqlite", snapshot)]
        let assets = dataDirectory.tenantAssetsFolder(slug)
        for file in try Self.files(under: assets) {
            entries.append(("assets/\(file.relative)", file.url))
        }

        progress("checksumming \(entries.count) file\(entries.count == 1 ? "" : "s")")
        var manifest = Manifest(
            format: Self.formatVersion, slug: slug.rawValue, name: tenant.name, status: tenant.status,
            customDomains: domains.filter { $0.kind == .custom && $0.status == .active }.map(\.hostname),
            pendingDomains: Dictionary(
                domains.filter { $0.kind == .custom && $0.status == .pending }.map {
                    ($0.hostname, $0.verificationToken ?? "")
                },
                uniquingKeysWith: { first, _ in first }
            ),
            primaryCustomDomain: domains.first { $0.isPrimary && $0.kind == .custom }?.hostname,
            exportedAt: Date(), keyID: secrets.keyID, files: try Self.checksums(entries)
        )
        manifest.rowCounts = counts

        progress("writing \(destination.lastPathComponent)")
        try write(manifest, entries: entries, to: destination, work: work)
        return manifest
    }

    /// The platform database (registry, platform users, platform audit) as an archive of the same format: slug
    /// `_platform`, kind `platform`, one file `platform.sqlite`, signed like a tenant's.
    @discardableResult
    package func exportPlatform(to destination: URL) throws -> Manifest {
        let work = destination.deletingLastPathComponent().appendingPathComponent(
            ".export-platform-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let snapshot = work.appendingPathComponent("platform.sqlite")
        let counts = try Self.snapshot(databaseAt: dataDirectory.platformDatabasePath, into: snapshot)
        let entries: [(path: String, source: URL)] = [("platform.sqlite", snapshot)]
        var manifest = Manifest(
            format: Self.formatVersion, slug: Self.platformDatabase, name: "platform", status: .active,
            customDomains: [], pendingDomains: nil, primaryCustomDomain: nil, exportedAt: Date(),
            keyID: secrets.keyID, files: try Self.checksums(entries))
        manifest.rowCounts = counts
        manifest.kind = "platform"
        try write(manifest, entries: entries, to: destination, work: work)
        return manifest
    }

    static func checksums(_ entries: [(path: String, source: URL)]) throws -> [Manifest.File] {
        try entries.map { entry in
            let (size, digest) = try sha256(of: entry.source)
            return Manifest.File(path: entry.path, size: size, sha256: digest)
        }
    }

    /// Writes the signed manifest and the files as a `.tar.gz` in `work`, then renames it to `destination`.
    func write(_ manifest: Manifest, entries: [(path: String, source: URL)], to destination: URL, work: URL) throws {
        let manifestData = try Self.encoder.encode(manifest)
        let partial = work.appendingPathComponent("archive.tar.gz")
        FileManager.default.createFile(atPath: partial.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let handle = try FileHandle(forWritingTo: partial)
        do {
            let tar = TarWriter(gzip: try GzipFileWriter(handle: handle))
            try tar.addFile(named: "manifest.json", contents: manifestData)
            try tar.addFile(named: "manifest.sig", contents: Data(signature(of: manifestData).utf8))
            for entry in entries { try tar.addFile(named: entry.path, from: entry.source) }
            try tar.finish()
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        if FileManager.default.fileExists(atPath: destination.path) {
            try FileManager.default.removeItem(at: destination)
        }
        try FileManager.default.moveItem(at: partial, to: destination)
    }

    // MARK: Import

    /// Checks the archive whole (signature, every checksum, SQLite's integrity check) into a fresh folder, then
    /// registers the tenant with that folder; nothing is registered unless every check passed.
    package func importTenant(from archive: URL, baseDomain: String, progress: (String) -> Void = { _ in }) throws
        -> Tenant
    {
        let onboarding = TenantOnboarding(platform: platform, dataDirectory: dataDirectory, baseDomain: baseDomain)
        // The manifest is read (and its signature checked) before anything is registered or unpacked for real.
        let manifest = try readManifest(of: archive)
        progress(
            "archive of \(manifest.slug) (\(manifest.name)), exported \(manifest.exportedAt), \(manifest.files.count) files"
        )
        var request = TenantOnboarding.NewTenant(slug: manifest.slug, name: manifest.name)
        request.customDomains =
            manifest.primaryCustomDomain.map { primary in [primary] + manifest.customDomains.filter { $0 != primary } }
            ?? manifest.customDomains
        request.pendingDomains = manifest.pendingDomains ?? [:]
        return try onboarding.register(
            request, status: manifest.status, platformHostIsPrimary: manifest.primaryCustomDomain == nil
        ) { staging in
            progress("unpacking and verifying")
            // The archive is read twice; the second read must be the same archive as the first.
            guard try unpack(archive, into: staging) == manifest else { throw ArchiveError.tampered }
            progress("checking the database")
            try Self.checkIntegrity(of: staging.appendingPathComponent("tenant.sqlite"))
            // Brings an archive from an older portal up to this version's schema.
            let database = try TenantDatabase.open(
                path: staging.appendingPathComponent("tenant.sqlite").path, tenantID: Tenant.ID(0),
                expecting: try TenantSlug(validating: manifest.slug))
            try database.close()
        }
    }

    /// Unpacks the archive into `folder`, checking the signature first and each file's checksum as it is written;
    /// returns the manifest. A failure leaves `folder`'s new files for the caller to remove.
    package func unpack(_ archive: URL, into folder: URL) throws -> Manifest {
        try Self.unpack(archive, into: folder, secrets: secrets)
    }

    /// `unpack`, where no platform database is open yet (a restore from the remote onto an empty folder).
    package static func unpack(_ archive: URL, into folder: URL, secrets: SecretBox) throws -> Manifest {
        let handle = try FileHandle(forReadingFrom: archive)
        defer { try? handle.close() }
        var tar = TarReader(gzip: try GzipFileReader(handle: handle))
        let manifest = try readSignedManifest(&tar, secrets: secrets)
        var expected = Dictionary(uniqueKeysWithValues: manifest.files.map { ($0.path, $0) })
        while let entry = try tar.nextEntry() {
            guard let file = expected.removeValue(forKey: entry.name), file.size == entry.size else {
                throw ArchiveError.unexpectedFile(entry.name)
            }
            let target = folder.appendingPathComponent(entry.name)
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: target.path, contents: nil, attributes: [.posixPermissions: 0o600])
            let out = try FileHandle(forWritingTo: target)
            var hasher = SHA256()
            do {
                try tar.copyContents(size: entry.size) { chunk in
                    hasher.update(data: chunk)
                    try out.write(contentsOf: chunk)
                }
                try out.close()
            } catch {
                try? out.close()
                throw error
            }
            guard Self.hex(hasher.finalize()) == file.sha256 else { throw ArchiveError.checksumMismatch(entry.name) }
        }
        if let missing = expected.keys.sorted().first { throw ArchiveError.missingFile(missing) }
        return manifest
    }

    /// The archive's manifest, after its signature was checked; reads only the archive's first two entries.
    package func readManifest(of archive: URL) throws -> Manifest {
        let handle = try FileHandle(forReadingFrom: archive)
        defer { try? handle.close() }
        var tar = TarReader(gzip: try GzipFileReader(handle: handle))
        return try Self.readSignedManifest(&tar, secrets: secrets)
    }

    static func readSignedManifest(_ tar: inout TarReader, secrets: SecretBox) throws -> Manifest {
        func entry(_ name: String) throws -> Data {
            guard let next = try tar.nextEntry(), next.name == name, next.size <= 4 * 1024 * 1024 else {
                throw ArchiveError.unsigned
            }
            var data = Data()
            try tar.copyContents(size: next.size) { data.append(contentsOf: $0) }
            return data
        }
        let manifestData = try entry("manifest.json")
        let signature = String(decoding: try entry("manifest.sig"), as: UTF8.self)
        guard
            HMAC<SHA256>.isValidAuthenticationCode(
                Self.bytes(hex: signature) ?? [], authenticating: manifestData,
                using: secrets.derivedKey(for: signingPurpose)
            )
        else {
            // Say which key is wrong when the manifest still names one; otherwise it was changed.
            if let claimed = try? Self.decoder.decode(Manifest.self, from: manifestData), claimed.keyID != secrets.keyID
            {
                throw ArchiveError.otherKey(archive: claimed.keyID, here: secrets.keyID)
            }
            throw ArchiveError.tampered
        }
        let manifest = try Self.decoder.decode(Manifest.self, from: manifestData)
        guard manifest.format <= Self.formatVersion else { throw ArchiveError.unsupportedFormat(manifest.format) }
        for file in manifest.files { try TarPath.validate(file.path) }
        return manifest
    }

}
