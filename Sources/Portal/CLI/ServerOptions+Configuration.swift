import ArgumentParser
import Foundation
import Logging
import Tenancy

extension ServerOptions {
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
        if let entries = try pageCacheEntries
            ?? Environment.value("PORTAL_PAGE_CACHE_ENTRIES").map({
                try Self.integer($0, name: "PORTAL_PAGE_CACHE_ENTRIES")
            })
        {
            guard (1...10_000_000).contains(entries) else {
                throw CommandError("--page-cache-entries must be between 1 and 10000000")
            }
            configuration.pageCacheEntries = entries
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
            guard let step = CrashPoint(rawValue: crashAfterStep) else {
                throw ValidationError(
                    "--crash-after-step must be one of \(CrashPoint.allCases.map(\.rawValue).joined(separator: ", "))"
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
        configuration.alertInterval = .seconds(60)
        configuration.imageSweepInterval = .seconds(24 * 3600)
        configuration.requestMetrics = !(noRequestMetrics || Environment.value("PORTAL_REQUEST_METRICS") == "0")
        let freeMB =
            try readyMinFreeMB ?? Environment.value("PORTAL_READY_MIN_FREE_MB").map {
                try Self.integer($0, name: "PORTAL_READY_MIN_FREE_MB")
            } ?? 512
        let pipelineSeconds =
            try readyPipelineSeconds ?? Environment.value("PORTAL_READY_PIPELINE_SECONDS").map {
                try Self.integer($0, name: "PORTAL_READY_PIPELINE_SECONDS")
            } ?? 300
        let drain =
            try drainSeconds ?? Environment.value("PORTAL_DRAIN_SECONDS").map {
                try Self.integer($0, name: "PORTAL_DRAIN_SECONDS")
            } ?? 0
        guard freeMB >= 0, (10...86_400).contains(pipelineSeconds), (0...300).contains(drain) else {
            throw CommandError(
                "--ready-min-free-mb must be 0 or more, --ready-pipeline-seconds 10 to 86400, --drain-seconds 0 to 300")
        }
        configuration.readiness.minimumFreeBytes = Int64(freeMB) << 20
        configuration.readiness.pipelineStale = TimeInterval(pipelineSeconds)
        configuration.drainDelay = .seconds(drain)
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
        configuration.backupRemote = try remote.remote(
            scratch: URL(fileURLWithPath: data.resolvedDataDir).appendingPathComponent(".rclone", isDirectory: true))
        let drillHours =
            try drillEveryHours ?? Environment.value("PORTAL_DRILL_EVERY_HOURS").map {
                try Self.integer($0, name: "PORTAL_DRILL_EVERY_HOURS")
            } ?? 24
        let sample =
            try drillSample ?? Environment.value("PORTAL_DRILL_SAMPLE").map {
                try Self.integer($0, name: "PORTAL_DRILL_SAMPLE")
            } ?? 5
        guard (0...720).contains(drillHours), (1...1000).contains(sample) else {
            throw CommandError("--drill-every-hours must be 0 (off) to 720 and --drill-sample 1 to 1000")
        }
        configuration.drillInterval =
            drillHours == 0 || configuration.backupRemote == nil ? nil : .seconds(drillHours * 3600)
        configuration.drillSample = sample
        let quota =
            try imageQuotaMB ?? Environment.value("PORTAL_IMAGE_QUOTA_MB").map {
                try Self.integer($0, name: "PORTAL_IMAGE_QUOTA_MB")
            } ?? 50
        guard (1...100_000).contains(quota) else { throw CommandError("--image-quota-mb must be 1 to 100000") }
        configuration.imageQuota = quota * 1024 * 1024
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

    func resolvedLogFormat() throws -> LogFormat {
        let raw = logFormat ?? Environment.value("PORTAL_LOG_FORMAT") ?? "text"
        guard let format = LogFormat(rawValue: raw.lowercased()) else {
            throw CommandError("invalid log format \"\(raw)\": use text or json")
        }
        return format
    }

    static func integer(_ text: String, name: String) throws -> Int {
        guard let value = Int(text) else { throw CommandError("\(name) must be a number, not \"\(text)\"") }
        return value
    }
}
