import Cluster
import Foundation
import Integrations
import Tenancy

/// Process settings: where to listen, where data lives and how hosts map to tenants.
/// Everything per tenant is data in the registry or the tenant database, never here.
package struct PortalConfiguration: Sendable {
    package var host: String = "127.0.0.1"
    package var port: Int = 8080
    package var dataDirectory: String = "./tenants"
    package var assetsDirectory: String = PortalConfiguration.defaultAssetsDirectory()
    /// The WeasyPrint executable that draws PDF invoices.
    package var pdfTool = "/usr/bin/weasyprint"
    package var baseDomain: String = "localhost"
    /// The host of the platform console; no tenant answers on it.
    package var platformHost: String = "platform.localhost"
    package var trustedProxies: [CIDR] = []
    package var maxOpenTenants: Int = 256
    package var pageCacheEntries: Int = 20_000
    /// The file holding the master key that seals secrets at rest; created (mode 0600) when absent.
    /// Defaults to `master.key` in the data folder.
    package var masterKeyFile: String?
    /// Argon2id cost; never below the OWASP minimum in production.
    package var passwordParameters: PasswordHasher.Parameters = .minimum
    /// When `/internal/ready` says 503: free disk and pipeline heartbeat limits.
    package var readiness = Readiness.Thresholds()
    /// How long a shutdown keeps answering (with readiness 503) before it stops taking connections.
    package var drainDelay: Duration = .zero
    /// The Argon2 queue: two hashes at once, eight waiting per brand, 128 in all.
    package var hashQueue = HashQueue()
    /// Idle and absolute session lifetimes, and one-time link lifetime.
    package var sessionTimeouts = AccountServices.Timeouts()
    /// Shows staff the emails waiting in the outbox (`/admin/mailbox`): demo and sandbox set-ups only.
    package var showMailbox: Bool = false
    /// Adds `GET /bench/plaintext`, the baseline `make bench` measures against.
    package var benchRoutes: Bool = false
    /// How often the registry is checked for changes made by another process.
    package var registryPollInterval: Duration = .seconds(1)
    package var version: String = PortalVersion.current
    /// The longest one upstream call (WHMCS, WHM) may take, per attempt; connecting is bounded separately (5 s).
    package var upstreamTimeout: Duration = .seconds(15)
    /// Lets brands use sandbox mode (the loopback simulators): `portal demo` and tests. Off for `portal serve`
    /// unless `--sandbox-upstreams` is given, so an owner cannot point the server at ports on its own machine.
    package var allowSandboxUpstreams: Bool = false
    /// The platform's mail relay; nil keeps every message on the mailbox page instead of sending it.
    package var smtpRelay: SMTPRelay?
    /// How often renewal and overdue reminders are computed.
    package var reminderInterval: Duration = .seconds(3600)
    /// Retries of mail after temporary failures.
    package var mailRetry = MailRetryPolicy()
    /// Replaces the SMTP transaction (tests of the worker's decisions); nil uses libcurl.
    package var mailSend: MailDelivery.Send?
    /// Replaces the HTTP transport to upstreams (tests); nil uses the shared AsyncHTTPClient.
    package var upstreamTransport: UpstreamTransport?
    /// Retries and waits of the order pipeline.
    package var pipelineRetry = PipelineRetryPolicy()
    /// Test hook: the process kills itself after this pipeline step's upstream work, before recording it.
    package var crashAfterStep: CrashPoint?
    /// The DNS resolver custom domains are verified through (`a.b.c.d[:port]`); nil uses /etc/resolv.conf's first.
    package var dnsResolver: String?
    /// Where custom domains point: the CNAME target shown to owners (default: the platform host) and, if set, the
    /// addresses for A/AAAA records.
    package var edgeHost: String?
    package var edgeIPv4: String?
    package var edgeIPv6: String?
    /// How often the console's tenant health is measured; nil turns it off (`portal serve` sets ten minutes).
    package var healthInterval: Duration?
    /// How often every tenant is backed up while serving; nil turns scheduled backups off (`portal serve` sets a day).
    package var backupInterval: Duration?
    /// How many backups are kept per tenant (here and on the remote).
    package var backupRetention = TenantBackups.Retention()
    /// Where every backup is copied off the machine; nil keeps them on the data disk only.
    package var backupRemote: BackupRemote?
    /// How often the restore drill runs (only with a remote); nil turns it off.
    package var drillInterval: Duration?
    /// How many tenants each drill restores, in rotation, besides the registry.
    package var drillSample = 5
    /// Compile the page templates of every language at start, so a broken translation stops the server there;
    /// tests, which start hundreds of servers, compile a language when a page first asks for it.
    package var compileEveryLanguage = true
    /// Bytes of page images each brand may keep (`--image-quota-mb`).
    package var imageQuota = 50 * 1024 * 1024
    /// How often unused page images are marked and, 30 days on, removed; nil turns the sweep off (`portal serve`
    /// sets a day).
    package var imageSweepInterval: Duration?
    /// How often conditions are turned into alerts and resolved alerts cleared; nil turns the watch off
    /// (`portal serve` sets a minute).
    package var alertInterval: Duration?
    /// Whether requests are counted and timed for `/internal/metrics` (Hummingbird's metrics middleware); the
    /// state gauges are served either way. `make bench` measures the storefront with and without it.
    package var requestMetrics = true
    /// The cluster this process is a node of (`--registry`, `--node`, `--advertise`); nil on a single node, whose
    /// registry is `platform.sqlite`.
    package var cluster: ClusterSettings?
    /// After a move, how long the old node answers 503 (not 421) while the proxy's map follows.
    package var moveHandoff: Duration = .seconds(3)
    /// How long the old node keeps a moved tenant's folder aside before deleting it.
    package var moveGrace: Duration = .seconds(600)
    /// The simulators this process runs (`portal demo`): the onboarding wizard fills them in for sandbox brands.
    package var sandboxUpstreams: SandboxUpstreams?

    package init() {}

    /// `assets/` beside the working directory, else beside the executable's package checkout.
    package static func defaultAssetsDirectory() -> String {
        let fileManager = FileManager.default
        let cwd = URL(fileURLWithPath: fileManager.currentDirectoryPath).appendingPathComponent("assets")
        if fileManager.fileExists(atPath: cwd.appendingPathComponent("templates").path) { return cwd.path }
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<5 {
            let candidate = folder.appendingPathComponent("assets")
            if fileManager.fileExists(atPath: candidate.appendingPathComponent("templates").path) {
                return candidate.path
            }
            folder.deleteLastPathComponent()
        }
        return cwd.path
    }
}

/// The product's version, shown by `/health` and `portal --version`.
package enum PortalVersion {
    package static let current = "0.1.0"
}
