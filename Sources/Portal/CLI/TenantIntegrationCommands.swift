import ArgumentParser
import Foundation
import Integrations
import Logging
import Tenancy

/// Opens what the integration commands need: the registry, tenant databases and the master key.
struct UpstreamCLI {
    let platform: PlatformDatabase
    let databases: TenantDatabases
    let upstreams: TenantUpstreams

    init(data: DataOptions, masterKeyFile: String?, logger: Logger = Logger(label: "portal")) throws {
        let dataDirectory = DataDirectory(path: data.resolvedDataDir)
        platform = try PlatformDatabase(dataDirectory: dataDirectory)
        databases = TenantDatabases(dataDirectory: dataDirectory, maximumOpen: 4, logger: logger)
        let keyFile =
            masterKeyFile ?? Environment.value("PORTAL_MASTER_KEY_FILE")
            ?? dataDirectory.root.appendingPathComponent("master.key").path
        // The operator at the shell may choose sandbox mode; a server only honours it with --sandbox-upstreams.
        upstreams = TenantUpstreams(
            databases: databases, secrets: try SecretBox.loadOrCreate(path: keyFile), logger: logger,
            allowSandbox: true,
            registry: platform
        )
    }

    func close() async {
        await databases.closeAll()
        try? platform.close()
    }

    /// Reads a secret from a file, without its trailing newline; the value never appears on a command line.
    static func secret(fromFile path: String?, flag: String) throws -> String? {
        guard let path else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw CommandError("\(flag): cannot read \(path)")
        }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw CommandError("\(flag): \(path) is empty") }
        return value
    }
}

extension TenantCommand {
    struct SetIntegration: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-integration",
            abstract: "Set a tenant's WHMCS and WHM connection; only the options given change.",
            discussion: """
                Secrets are read from files so they never appear in the process list or shell history, and are
                stored encrypted with the master key. Every customer of the tenant becomes a WHMCS client in
                --whmcs-group, and every hosting account is created under the --whm-user reseller.

                Example:
                  portal tenant set-integration --slug acme --mode live \\
                    --whmcs-url https://billing.acme.example --whmcs-identifier D4f… --whmcs-secret-file whmcs.secret \\
                    --whmcs-group 3 --whm-url https://server.acme.example:2087 --whm-user acmeres --whm-token-file whm.token
                """
        )

        @OptionGroup var slug: SlugOption
        @Option(help: "sandbox (the loopback simulators) or live.") var mode: String?
        @Option(name: .customLong("whmcs-url"), help: "WHMCS root address, e.g. https://billing.example.com.")
        var whmcsURL: String?
        @Option(name: .customLong("whmcs-identifier"), help: "WHMCS API credential identifier.") var whmcsIdentifier:
            String?
        @Option(name: .customLong("whmcs-secret-file"), help: "File holding the WHMCS API secret.") var whmcsSecretFile:
            String?
        @Option(name: .customLong("whmcs-accesskey-file"), help: "File holding the optional WHMCS API access key.")
        var whmcsAccessKeyFile: String?
        @Option(name: .customLong("whmcs-group"), help: "The tenant's WHMCS client group id.") var whmcsGroup: String?
        @Option(name: .customLong("whm-url"), help: "WHM address, e.g. https://server.example.com:2087.") var whmURL:
            String?
        @Option(name: .customLong("whm-user"), help: "The tenant's reseller user on WHM.") var whmUser: String?
        @Option(name: .customLong("whm-token-file"), help: "File holding the reseller's WHM API token.")
        var whmTokenFile: String?
        @Option(
            name: .customLong("master-key-file"),
            help: "The master key file (env: PORTAL_MASTER_KEY_FILE, default: <data dir>/master.key).")
        var masterKeyFile: String?
        @OptionGroup var data: DataOptions

        func run() async throws {
            var input = IntegrationSettingsInput()
            input.mode = mode
            input.whmcsURL = whmcsURL
            input.whmcsIdentifier = whmcsIdentifier
            input.whmcsSecret = try UpstreamCLI.secret(fromFile: whmcsSecretFile, flag: "--whmcs-secret-file")
            input.whmcsAccessKey = try UpstreamCLI.secret(fromFile: whmcsAccessKeyFile, flag: "--whmcs-accesskey-file")
            input.whmcsGroup = whmcsGroup
            input.whmURL = whmURL
            input.whmUser = whmUser
            input.whmToken = try UpstreamCLI.secret(fromFile: whmTokenFile, flag: "--whm-token-file")
            let cli = try UpstreamCLI(data: data, masterKeyFile: masterKeyFile)
            let tenant = try TenantCLI.existing(slug.slug, in: cli.platform)
            let errors: IntegrationSettingsInput.FieldErrors
            do {
                errors = try await cli.upstreams.update(tenant, with: input, actor: nil, ip: "cli")
            } catch {
                await cli.close()
                throw error
            }
            guard errors.isEmpty else {
                await cli.close()
                for (field, message) in errors.sorted(by: { $0.key < $1.key }) {
                    Console.line("--\(field.replacingOccurrences(of: "_", with: "-")): \(message)")
                }
                throw CommandError("nothing was saved")
            }
            let settings = try await cli.upstreams.settings(of: tenant)
            await cli.close()
            Console.line("Saved connection settings of \(tenant.slug) (mode \(settings.mode.rawValue)).")
            Console.line(
                "  WHMCS  \(settings.whmcsConfigured ? "\(settings.whmcsURL), identifier …\(settings.whmcsIdentifier.suffix(4)), group \(settings.whmcsGroupID ?? 0), secret stored" : "not configured")"
            )
            Console.line(
                "  WHM    \(settings.whmConfigured ? "\(settings.whmURL), reseller \(settings.whmUser), token stored" : "not configured")"
            )
            Console.line("Check them with: portal tenant test-integration --slug \(tenant.slug)")
        }
    }

    struct TestIntegration: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test-integration",
            abstract: "Make one harmless authenticated call to each configured upstream of a tenant.",
            discussion: """
                Exits 0 when every configured upstream answers, else 1 with one line per failing upstream.

                Example:
                  portal tenant test-integration --slug acme
                """
        )

        @OptionGroup var slug: SlugOption
        @Option(
            name: .customLong("master-key-file"),
            help: "The master key file (env: PORTAL_MASTER_KEY_FILE, default: <data dir>/master.key).")
        var masterKeyFile: String?
        @OptionGroup var data: DataOptions

        func run() async throws {
            let cli = try UpstreamCLI(
                data: data, masterKeyFile: masterKeyFile,
                logger: Logger(label: "portal") { _ in SwiftLogNoOpLogHandler() })
            let tenant: Tenant
            do {
                tenant = try TenantCLI.existing(slug.slug, in: cli.platform)
            } catch {
                await cli.close()
                throw error
            }
            let checks = await cli.upstreams.testConnections(tenant)
            await cli.close()
            let configured = checks.filter(\.configured)
            for check in checks where check.configured {
                Console.line("\(check.upstream.displayName): \(check.succeeded ? "ok" : check.failure ?? "failed")")
            }
            guard !configured.isEmpty else {
                throw CommandError(
                    "\(tenant.slug) has no upstream configured; see portal tenant set-integration --help")
            }
            if !configured.allSatisfy(\.succeeded) { throw ExitCode(1) }
        }
    }
}
