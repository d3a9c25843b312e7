import Foundation
import Logging
import ServiceLifecycle
import Tenancy

/// Once a day, marks each brand's page images that nothing uses any more and removes those unused for 30 days
/// (their rows and files), one tenant at a time.
struct ImageSweeper: Service {
    let desk: ContentDesk
    let registry: TenantRegistry
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let (desk, registry) = (desk, registry)
        await TenantSweep(
            name: "images", interval: interval, start: .afterInterval, logger: logger,
            items: {
                registry.jobTenants.filter { $0.status == .active }.sorted {
                    $0.slug.rawValue < $1.slug.rawValue
                }
            },
            label: { $0.slug.rawValue },
            visit: { try await desk.sweepImages(of: $0).count }
        ).run()
    }
}
