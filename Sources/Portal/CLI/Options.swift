import ArgumentParser
import Foundation
import Logging
import Tenancy

/// Reads an option from its flag first, then from its `PORTAL_*` environment variable.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}

/// `--data-dir`, shared by every command that reads or writes data.
package struct DataOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: "Data folder: platform.sqlite and one folder per tenant. (env: PORTAL_DATA_DIR, default: ./tenants)")
    var dataDir: String?

    package init() {}

    var resolvedDataDir: String { dataDir ?? Environment.value("PORTAL_DATA_DIR") ?? "./tenants" }
}

/// `--base-domain`: tenants answer on `<slug>.<base domain>`.
package struct DomainOptions: ParsableArguments {
    @Option(
        name: .customLong("base-domain"),
        help: "Tenants answer on <slug>.<base domain>. (env: PORTAL_BASE_DOMAIN, default: localhost)")
    var baseDomain: String?

    package init() {}

    func resolvedBaseDomain() throws -> String {
        let raw = baseDomain ?? Environment.value("PORTAL_BASE_DOMAIN") ?? "localhost"
        do {
            return try HostName.normalize(raw)
        } catch {
            throw CommandError("invalid base domain \"\(raw)\": \(error)")
        }
    }
}

/// The options `serve` and `demo` share.
package struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on. (env: PORTAL_HOST, default: 127.0.0.1)")
    var host: String?

    @Option(help: "Port to listen on. (env: PORTAL_PORT, default: 8080)")
    var port: Int?

    @OptionGroup var data: DataOptions
    @OptionGroup var domain: DomainOptions

    @Option(
        name: .customLong("platform-host"),
        help: "Host of the platform console. (env: PORTAL_PLATFORM_HOST, default: platform.localhost)")
    var platformHost: String?

    @Option(
        name: .customLong("trusted-proxy"),
        help:
            "CIDR of a proxy whose X-Forwarded-* headers are honoured; repeat for more. (env: PORTAL_TRUSTED_PROXIES, comma-separated)"
    )
    var trustedProxies: [String] = []

    @Option(
        name: .customLong("max-open-tenants"),
        help: "Most tenant databases open at once. (env: PORTAL_MAX_OPEN_TENANTS, default: 256)")
    var maxOpenTenants: Int?

    @Option(
        name: .customLong("assets-dir"), help: "Templates and static files. (env: PORTAL_ASSETS_DIR, default: ./assets)"
    )
    var assetsDir: String?

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical. (env: PORTAL_LOG_LEVEL, default: info)")
    var logLevel: String?

    @Option(
        name: .customLong("master-key-file"),
        help:
            "File with the 32-byte key that seals secrets at rest; created (mode 0600) if absent. (env: PORTAL_MASTER_KEY_FILE, default: <data dir>/master.key)"
    )
    var masterKeyFile: String?

    @Option(
        name: .customLong("argon2-memory-kib"),
        help: "Argon2id memory per hash in KiB, at least 19456. (env: PORTAL_ARGON2_MEMORY_KIB)")
    var argon2Memory: Int?

    @Option(
        name: .customLong("argon2-iterations"), help: "Argon2id passes, at least 2. (env: PORTAL_ARGON2_ITERATIONS)")
    var argon2Iterations: Int?

    @Option(
        name: .customLong("session-idle-minutes"),
        help: "Sign out after this long without a request. (env: PORTAL_SESSION_IDLE_MINUTES, default: 30)")
    var sessionIdleMinutes: Int?

    @Option(
        name: .customLong("session-hours"),
        help: "Sign out this long after sign-in in any case. (env: PORTAL_SESSION_HOURS, default: 12)")
    var sessionHours: Int?

    @Flag(help: "Add GET /bench/plaintext, the baseline for `make bench`. (env: PORTAL_BENCH=1)")
    var bench = false
    @Flag(
        name: .customLong("sandbox-upstreams"),
        help: "Let brands use sandbox mode: upstreams on loopback (`portal sandbox`). (env: PORTAL_SANDBOX_UPSTREAMS=1)"
    )
    var sandboxUpstreams = false
    @Option(
        name: .customLong("smtp-url"),
        help:
            "Mail relay, smtp://host:587 (STARTTLS) or smtps://host:465; without one, mail is kept on the mailbox page. (env: PORTAL_SMTP_URL)"
    )
    var smtpURL: String?
    @Option(name: .customLong("smtp-user"), help: "User name for the relay. (env: PORTAL_SMTP_USER)")
    var smtpUser: String?
    @Option(
        name: .customLong("crash-after-step"),
        help: ArgumentHelp(
            "Testing only: die (SIGKILL) after this order step's upstream work, before it is recorded.",
            visibility: .private)
    )
    var crashAfterStep: String?

    @Option(
        name: .customLong("dns-resolver"),
        help:
            "DNS resolver for custom-domain verification, a.b.c.d[:port]. (env: PORTAL_DNS_RESOLVER, default: the first nameserver in /etc/resolv.conf)"
    )
    var dnsResolver: String?
    @Option(
        name: .customLong("edge-host"),
        help: "The host custom domains CNAME to. (env: PORTAL_EDGE_HOST, default: the platform host)")
    var edgeHost: String?
    @Option(
        name: .customLong("edge-ipv4"),
        help: "The address custom domains may point an A record at. (env: PORTAL_EDGE_IPV4)")
    var edgeIPv4: String?
    @Option(
        name: .customLong("edge-ipv6"),
        help: "The address custom domains may point an AAAA record at. (env: PORTAL_EDGE_IPV6)")
    var edgeIPv6: String?

    @Option(
        name: .customLong("backup-every-hours"),
        help:
            "Back up every tenant this often while serving; 0 turns it off. (env: PORTAL_BACKUP_EVERY_HOURS, default: 24)"
    )
    var backupEveryHours: Int?
    @Option(
        name: .customLong("backup-keep-daily"),
        help: "Daily backups kept per tenant. (env: PORTAL_BACKUP_KEEP_DAILY, default: 7)")
    var backupKeepDaily: Int?
    @Option(
        name: .customLong("backup-keep-weekly"),
        help: "Weekly backups kept per tenant. (env: PORTAL_BACKUP_KEEP_WEEKLY, default: 4)")
    var backupKeepWeekly: Int?

    @Option(
        name: .customLong("smtp-password-file"),
        help:
            "File holding the relay password; never pass it as a flag. (env: PORTAL_SMTP_PASSWORD_FILE, or PORTAL_SMTP_PASSWORD)"
    )
    var smtpPasswordFile: String?

    package init() {}

    func configuration() throws -> PortalConfiguration {
        var configuration = PortalConfiguration()
        configuration.host = host ?? Environment.value("PORTAL_HOST") ?? configuration.host
        if let port = try port ?? Environment.value("PORTAL_PORT").map({ try Self.integer($0, name: "PORTAL_PORT") }) {
            guard (0...65535).contains(port) else { throw CommandError("the port must be between 0 and 65535") }
            configuration.port = port
        }
        configuration.dataDirectory = data.resolvedDataDir
        configuration.baseDomain = try domain.resolvedBaseDomain()
        let platformHost = platformHost ?? Environment.value("PORTAL_PLATFORM_HOST") ?? configuration.platformHost
        do {
            configuration.platformHost = try HostName.normalize(platformHost)
        } catch {
            throw CommandError("invalid platform host \"\(platformHost)\": \(error)")
        }
        var proxies = trustedProxies
        if proxies.isEmpty, let fromEnvironment = Environment.value("PORTAL_TRUSTED_PROXIES") {
            proxies = fromEnvironment.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        configuration.trustedProxies = try proxies.map { text in
            guard let cidr = CIDR(text) else {
                throw CommandError("invalid trusted proxy \"\(text)\": use an address or a CIDR such as 10.0.0.0/8")
            }
            return cidr
        }
        if let maximum = try maxOpenTenants
            ?? Environment.value("PORTAL_MAX_OPEN_TENANTS").map({
                try Self.integer($0, name: "PORTAL_MAX_OPEN_TENANTS")
            })
        {
            guard maximum >= 1 else { throw CommandError("--max-open-tenants must be at least 1") }
            configuration.maxOpenTenants = maximum
        }
        let memory =
            try argon2Memory
            ?? Environment.value("PORTAL_ARGON2_MEMORY_KIB").map {
                try Self.integer($0, name: "PORTAL_ARGON2_MEMORY_KIB")
            }
        let iterations =
            try argon2Iterations
            ?? Environment.value("PORTAL_ARGON2_ITERATIONS").map {
                try Self.integer($0, name: "PORTAL_ARGON2_ITERATIONS")
            }
        let minimum = PasswordHasher.Parameters.minimum
        if let memory {
            guard memory >= Int(minimum.memoryKiB), memory <= 4_194_304 else {
                throw CommandError("--argon2-memory-kib must be between \(minimum.memoryKiB) and 4194304")
            }
            configuration.passwordParameters.memoryKiB = UInt32(memory)
        }
        if let iterations {
            guard iterations >= Int(minimum.iterations), iterations <= 100 else {
                throw CommandError("--argon2-iterations must be between \(minimum.iterations) and 100")
            }
            configuration.passwordParameters.iterations = UInt32(iterations)
        }
        if let idle = try sessionIdleMinutes
            ?? Environment.value("PORTAL_SESSION_IDLE_MINUTES").map({
                try Self.integer($0, name: "PORTAL_SESSION_IDLE_MINUTES")
            })
        {
            guard (1...1440).contains(idle) else {
                throw CommandError("--session-idle-minutes must be between 1 and 1440")
            }
            configuration.sessionTimeouts.idle = TimeInterval(idle * 60)
        }
        if let hours = try sessionHours
            ?? Environment.value("PORTAL_SESSION_HOURS").map({ try Self.integer($0, name: "PORTAL_SESSION_HOURS") })
        {
            guard (1...720).contains(hours) else { throw CommandError("--session-hours must be between 1 and 720") }
            configuration.sessionTimeouts.absolute = TimeInterval(hours * 3600)
        }
        configuration.masterKeyFile = masterKeyFile ?? Environment.value("PORTAL_MASTER_KEY_FILE")
        configuration.assetsDirectory =
            assetsDir ?? Environment.value("PORTAL_ASSETS_DIR") ?? configuration.assetsDirectory
        configuration.benchRoutes = bench || Environment.value("PORTAL_BENCH") == "1"
        configuration.allowSandboxUpstreams = sandboxUpstreams || Environment.value("PORTAL_SANDBOX_UPSTREAMS") == "1"
        if let crashAfterStep {
            guard let step = OrderJob.Step(rawValue: crashAfterStep) else {
                throw ValidationError(
                    "--crash-after-step must be one of \(OrderJob.Step.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            configuration.crashAfterStep = step
        }
        if let resolver = dnsResolver ?? Environment.value("PORTAL_DNS_RESOLVER") {
            do {
                _ = try DNSLookup(resolver: resolver)
            } catch {
                throw CommandError("--dns-resolver: \(error)")
            }
            configuration.dnsResolver = resolver
        }
        if let edge = edgeHost ?? Environment.value("PORTAL_EDGE_HOST") {
            do {
                configuration.edgeHost = try HostName.normalize(edge)
            } catch {
                throw CommandError("invalid edge host \"\(edge)\": \(error)")
            }
        }
        configuration.edgeIPv4 = edgeIPv4 ?? Environment.value("PORTAL_EDGE_IPV4")
        configuration.edgeIPv6 = edgeIPv6 ?? Environment.value("PORTAL_EDGE_IPV6")
        configuration.healthInterval = .seconds(600)
        let hours =
            try backupEveryHours ?? Environment.value("PORTAL_BACKUP_EVERY_HOURS").map {
                try Self.integer($0, name: "PORTAL_BACKUP_EVERY_HOURS")
            } ?? 24
        guard (0...720).contains(hours) else {
            throw CommandError("--backup-every-hours must be between 0 (off) and 720")
        }
        configuration.backupInterval = hours == 0 ? nil : .seconds(hours * 3600)
        let daily =
            try backupKeepDaily ?? Environment.value("PORTAL_BACKUP_KEEP_DAILY").map {
                try Self.integer($0, name: "PORTAL_BACKUP_KEEP_DAILY")
            } ?? 7
        let weekly =
            try backupKeepWeekly ?? Environment.value("PORTAL_BACKUP_KEEP_WEEKLY").map {
                try Self.integer($0, name: "PORTAL_BACKUP_KEEP_WEEKLY")
            } ?? 4
        guard (1...365).contains(daily), (0...520).contains(weekly) else {
            throw CommandError("--backup-keep-daily must be 1 to 365 and --backup-keep-weekly 0 to 520")
        }
        configuration.backupRetention = .init(daily: daily, weekly: weekly)
        if let url = smtpURL ?? Environment.value("PORTAL_SMTP_URL") {
            var password = Environment.value("PORTAL_SMTP_PASSWORD")
            if let file = smtpPasswordFile ?? Environment.value("PORTAL_SMTP_PASSWORD_FILE") {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CommandError("--smtp-password-file: cannot read \(file)")
                }
                password = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            do {
                configuration.smtpRelay = try SMTPRelay(
                    url: url, username: smtpUser ?? Environment.value("PORTAL_SMTP_USER"), password: password)
            } catch {
                throw CommandError("--smtp-url: \(error)")
            }
        }
        return configuration
    }

    func resolvedLogLevel() throws -> Logger.Level {
        let raw = logLevel ?? Environment.value("PORTAL_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: raw.lowercased()) else {
            throw CommandError("invalid log level \"\(raw)\"")
        }
        return level
    }

    private static func integer(_ text: String, name: String) throws -> Int {
        guard let value = Int(text) else { throw CommandError("\(name) must be a number, not \"\(text)\"") }
        return value
    }
}

/// `--slug`, for commands about one tenant.
package struct SlugOption: ParsableArguments {
    @Option(help: "The tenant's slug, e.g. acme.")
    var slug: String

    package init() {}
}
