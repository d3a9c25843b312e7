import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Tenancy

/// Measures every tenant's health for the platform console (customers, active services, failed jobs, last activity,
/// database size) when the server starts and every `interval`, one tenant at a time on the blocking pool.
package struct HealthCollector: Service {
    let platform: PlatformDatabase
    let registry: TenantRegistry
    /// Where one-brand-per-group claims are kept: `platform` on one node, the shared registry in a cluster.
    let claims: any UpstreamClaimRegistry
    /// The claims sent to a shared registry by this process: only a change is sent again.
    private let sentClaims = SentClaims()
    let dataDirectory: DataDirectory
    let interval: Duration
    /// Told which brand databases cannot be opened (a platform alert) and which open again.
    let unopenable: UnopenableDatabases
    let logger: Logger

    package init(
        platform: PlatformDatabase, registry: TenantRegistry, dataDirectory: DataDirectory, interval: Duration,
        unopenable: UnopenableDatabases = UnopenableDatabases(), claims: (any UpstreamClaimRegistry)? = nil,
        logger: Logger
    ) {
        self.claims = claims ?? platform
        self.unopenable = unopenable
        self.platform = platform
        self.registry = registry
        self.dataDirectory = dataDirectory
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await sweep(paced: true).run()
    }

    /// Every tenant, at start and every `interval`. Paced, a round over 10,000 tenants is spread over part of the
    /// interval instead of taking a core at once.
    private func sweep(paced: Bool) -> TenantSweep<Tenant> {
        TenantSweep(
            name: "health", interval: interval, start: .immediately, logger: logger,
            pause: { [interval] count in
                paced ? min(max(interval / max(1, count * 4), .milliseconds(1)), .seconds(1)) : .zero
            },
            items: { [registry] in registry.heldTenants.sorted(by: { $0.id.rawValue < $1.id.rawValue })
            },
            label: { $0.slug.rawValue }, visit: { await collect($0) ? 1 : 0 }
        )
    }

    /// Measures every tenant now; returns how many were measured.
    @discardableResult
    package func collectAll() async -> Int {
        await sweep(paced: false).pass()
    }

    /// Measures one tenant and stores it; a tenant that cannot be read is logged and skipped.
    @discardableResult
    package func collect(_ tenant: Tenant) async -> Bool {
        let (platform, dataDirectory) = (self.platform, self.dataDirectory)
        do {
            let claim = try await BlockingIO.run {
                let (health, claim, figures) = try TenantHealth.measure(tenant, in: dataDirectory)
                try platform.record(health)
                try platform.recordJobFigures(figures, of: tenant.id)
                return claim
            }
            // Also brings brands configured before the registry kept claims into it.
            if sentClaims.claims.withLock({ $0[tenant.id] }) != claim {
                try await claims.backfill(claim, of: tenant.id)
                sentClaims.claims.withLock { $0[tenant.id] = claim }
            }
            return true
        } catch {
            logger.warning("tenant health not measured", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            return false
        }
    }
}

/// The claims a health collector has recorded, by tenant.
private final class SentClaims: Sendable {
    let claims = Mutex<[Tenant.ID: UpstreamClaim]>([:])
}
