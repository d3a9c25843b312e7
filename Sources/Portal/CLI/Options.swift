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
        name: .customLong("page-cache-entries"),
        help:
            "Brands whose storefront (brand, catalogue, rendered home page) is kept in memory. (env: PORTAL_PAGE_CACHE_ENTRIES, default: 20000)"
    )
    var pageCacheEntries: Int?

    @Option(
        name: .customLong("assets-dir"), help: "Templates and static files. (env: PORTAL_ASSETS_DIR, default: ./assets)"
    )
    var assetsDir: String?

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical. (env: PORTAL_LOG_LEVEL, default: info)")
    var logLevel: String?

    @Option(
        name: .customLong("ready-min-free-mb"),
        help:
            "/internal/ready answers 503 when the data disk has less free space than this. (env: PORTAL_READY_MIN_FREE_MB, default: 512)"
    )
    var readyMinFreeMB: Int?

    @Option(
        name: .customLong("ready-pipeline-seconds"),
        help:
            "/internal/ready answers 503 when the order worker has not completed a round for this long. (env: PORTAL_READY_PIPELINE_SECONDS, default: 300)"
    )
    var readyPipelineSeconds: Int?

    @Option(
        name: .customLong("drain-seconds"),
        help:
            "On SIGTERM, answer 503 on /internal/ready for this long before closing connections. (env: PORTAL_DRAIN_SECONDS, default: 0)"
    )
    var drainSeconds: Int?

    @Option(
        name: .customLong("log-format"),
        help: "text (key=value lines) or json (one object per line). (env: PORTAL_LOG_FORMAT, default: text)")
    var logFormat: String?

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
        name: .customLong("no-request-metrics"),
        help:
            "Do not count and time requests for /internal/metrics (its state gauges stay). (env: PORTAL_REQUEST_METRICS=0)"
    )
    var noRequestMetrics = false
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
    @OptionGroup var remote: BackupRemoteOptions
    @Option(
        name: .customLong("drill-every-hours"),
        help:
            "Restore a sample of tenants and the registry from the remote this often, to prove the backups; 0 turns it off. (env: PORTAL_DRILL_EVERY_HOURS, default: 24 with a remote)"
    )
    var drillEveryHours: Int?
    @Option(
        name: .customLong("drill-sample"),
        help: "Tenants each restore drill restores, in rotation. (env: PORTAL_DRILL_SAMPLE, default: 5)")
    var drillSample: Int?
    @Option(
        name: .customLong("image-quota-mb"),
        help: "Megabytes of page images each brand may keep. (env: PORTAL_IMAGE_QUOTA_MB, default: 50)")
    var imageQuotaMB: Int?

    @Option(
        name: .customLong("smtp-password-file"),
        help:
            "File holding the relay password; never pass it as a flag. (env: PORTAL_SMTP_PASSWORD_FILE, or PORTAL_SMTP_PASSWORD)"
    )
    var smtpPasswordFile: String?

    package init() {}

}

/// `--slug`, for commands about one tenant.
package struct SlugOption: ParsableArguments {
    @Option(help: "The tenant's slug, e.g. acme.")
    var slug: String

    package init() {}
}

/// Where backups go off the machine: any rclone remote.
package struct BackupRemoteOptions: ParsableArguments {
    @Option(
        name: .customLong("backup-remote"),
        help:
            "rclone remote every backup is copied to: REMOTE:PATH, or a connection string such as :sftp,host=H,user=U:PATH. (env: PORTAL_BACKUP_REMOTE)"
    )
    var backupRemote: String?
    @Option(
        name: .customLong("rclone-config"),
        help: "rclone's configuration file naming the remote. (env: PORTAL_RCLONE_CONFIG, default: rclone's own)")
    var rcloneConfig: String?

    package init() {}

    var target: String? { backupRemote ?? Environment.value("PORTAL_BACKUP_REMOTE") }

    /// The remote, if one is configured; `scratch` holds rclone's logs while it runs.
    func remote(scratch: URL) throws -> BackupRemote? {
        guard let target, !target.isEmpty else { return nil }
        do {
            return try BackupRemote(
                target: target, configFile: rcloneConfig ?? Environment.value("PORTAL_RCLONE_CONFIG"), scratch: scratch)
        } catch {
            throw CommandError("--backup-remote: \(error)")
        }
    }
}
