import Foundation
import Logging
import ServiceLifecycle
import Tenancy

/// Measures every tenant's health for the platform console (customers, active services, failed jobs, last activity,
/// database size) when the server starts and every `interval`, one tenant at a time on the blocking pool.
package struct HealthCollector: Service {
    let platform: PlatformDatabase
    let registry: TenantRegistry
    let dataDirectory: DataDirectory
    let interval: Duration
    let logger: Logger

    package init(platform: PlatformDatabase, registry: TenantRegistry, dataDirectory: DataDirectory, interval: Duration, logger: Logger) {
        self.platform = platform
        self.registry = registry
        self.dataDirectory = dataDirectory
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let start = ContinuousClock.now
                let measured = await collectAll(paced: true)
                logger.info("tenant health measured", metadata: [
                    "tenants": "\(measured)", "ms": "\(Int((ContinuousClock.now - start) / .milliseconds(1)))",
                ])
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
            }
        }
    }

    /// Measures every tenant, pausing between them (`paced`) so a round over 10,000 tenants is spread over part of
    /// the interval instead of taking a core at once; returns how many were measured.
    @discardableResult
    package func collectAll(paced: Bool = false) async -> Int {
        var measured = 0
        let tenants = registry.snapshot.tenantsByID.values.sorted(by: { $0.id.rawValue < $1.id.rawValue })
        let pause = min(max(interval / max(1, tenants.count * 4), .milliseconds(1)), .seconds(1))
        for tenant in tenants {
            if Task.isCancelled { break }
            if await collect(tenant) { measured += 1 }
            if paced { try? await Task.sleep(for: pause) }
        }
        return measured
    }

    /// Measures one tenant and stores it; a tenant that cannot be read is logged and skipped.
    @discardableResult
    package func collect(_ tenant: Tenant) async -> Bool {
        let (platform, dataDirectory) = (self.platform, self.dataDirectory)
        do {
            try await BlockingIO.run {
                let (health, claim) = try TenantHealth.measure(tenant, in: dataDirectory)
                try platform.record(health)
                // Also brings brands configured before the registry kept claims into it.
                try platform.recordClaim(claim, of: tenant.id)
            }
            return true
        } catch {
            logger.warning("tenant health not measured", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            return false
        }
    }
}
