import ArgumentParser
import Foundation
import Integrations
import Tenancy

/// `--master-key-file` for commands that sign or open archives.
struct MasterKeyOption: ParsableArguments {
    @Option(
        name: .customLong("master-key-file"),
        help: "The platform's 32-byte master key. (env: PORTAL_MASTER_KEY_FILE, default: <data dir>/master.key)")
    var masterKeyFile: String?

    /// The key; `create` makes one when absent (exporting from a data folder that has none yet cannot happen, but
    /// importing into a new folder must use the exporting platform's key, so it is never invented there).
    func secrets(data: DataOptions, create: Bool) throws -> SecretBox {
        let path =
            masterKeyFile ?? Environment.value("PORTAL_MASTER_KEY_FILE")
            ?? DataDirectory(path: data.resolvedDataDir).root.appendingPathComponent("master.key").path
        guard create || FileManager.default.fileExists(atPath: path) else {
            throw CommandError(
                "no master key at \(path); an archive opens only with the key of the platform that exported it: pass --master-key-file"
            )
        }
        return try SecretBox.loadOrCreate(path: path)
    }
}

extension TenantCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write a tenant to one signed .tar.gz: database snapshot, uploaded files and a manifest with checksums.",
            discussion: """
                The snapshot is consistent (VACUUM INTO) and may be taken while the server runs. The archive is
                signed with a key derived from the master key, and its sealed secrets stay sealed: it can be
                imported only where the same master key is configured.

                Example:
                  portal tenant export --slug acme --out acme.tar.gz
                """
        )

        @OptionGroup var slug: SlugOption
        @Option(help: "The archive to write, e.g. acme.tar.gz.") var out: String
        @OptionGroup var data: DataOptions
        @OptionGroup var key: MasterKeyOption

        func run() async throws {
            let dataDirectory = DataDirectory(path: data.resolvedDataDir)
            let platform = try PlatformDatabase(dataDirectory: dataDirectory)
            defer { try? platform.close() }
            try TenantCLI.refuseLocalChange(platform)
            let tenant = try TenantCLI.existing(slug.slug, in: platform)
            let archive = TenantArchive(
                platform: platform, dataDirectory: dataDirectory, secrets: try key.secrets(data: data, create: false))
            let destination = URL(fileURLWithPath: out)
            let manifest = try archive.export(slug: tenant.slug, to: destination) { Console.line("  \($0)…") }
            let size = FileSize.text(FileSize.bytes(at: destination.path))
            Console.line(
                "Exported \(tenant.slug) (\(tenant.name)) to \(destination.path): \(manifest.files.count) files, \(size)."
            )
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring a tenant back from an archive made by `portal tenant export`.",
            discussion: """
                The signature, every file's checksum and SQLite's integrity check are verified before the tenant
                is registered; a damaged or changed archive is refused and nothing is created. The slug and
                custom domains must be free here.

                Example:
                  portal tenant import acme.tar.gz --data-dir /srv/portal --master-key-file /etc/portal/master.key
                """
        )

        @Argument(help: "The archive, e.g. acme.tar.gz.") var archive: String
        @OptionGroup var data: DataOptions
        @OptionGroup var domain: DomainOptions
        @OptionGroup var key: MasterKeyOption

        func run() async throws {
            let dataDirectory = DataDirectory(path: data.resolvedDataDir)
            let platform = try PlatformDatabase(dataDirectory: dataDirectory)
            defer { try? platform.close() }
            let tenantArchive = TenantArchive(
                platform: platform, dataDirectory: dataDirectory, secrets: try key.secrets(data: data, create: false))
            let tenant = try tenantArchive.importTenant(
                from: URL(fileURLWithPath: archive), baseDomain: try domain.resolvedBaseDomain()
            ) { Console.line("  \($0)…") }
            Console.line("Imported \(tenant.slug) (\(tenant.name)), \(tenant.status.rawValue).")
            for domain in try platform.domains(of: tenant.id) {
                Console.line("  \(domain.isPrimary ? "primary " : "        ") \(domain.hostname)")
            }
        }
    }
}
