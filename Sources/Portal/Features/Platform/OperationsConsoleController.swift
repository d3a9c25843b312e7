import Foundation
import Hummingbird
import Tenancy

/// The console's Operations page: the platform's alerts, readiness, the backups (here and off the machine) and the
/// restore drills. Per-brand figures stay on each tenant's page; metrics carry only totals.
package struct OperationsConsoleController: Sendable {
    let flows: AccountFlows
    let platform: PlatformDatabase
    let registry: TenantRegistry
    let backups: TenantBackups
    let readiness: Readiness
    let dataDirectory: DataDirectory
    /// Every brand's backup state (in a cluster, as each brand's node reported it).
    let reports: TenantReports

    package struct Page: Sendable {
        package struct AlertRow: Sendable {
            let title: String
            let detail: String
            let raised: String
            let cleared: String?
            let isOpen: Bool
        }

        package struct BackupRow: Sendable {
            let database: String
            let lastGood: String
            let failing: Bool
            let error: String
        }

        package struct DrillRow: Sendable {
            let finished: String
            let ok: Bool
            let checked: String
            let lines: [String]
        }

        let chrome: StorefrontChrome
        let csrf: String
        let alerts: [AlertRow]
        let hasAlerts: Bool
        /// "3 open"; nil when none is open.
        let openAlerts: String?
        let problems: [String]
        let ready: Bool
        let remote: String?
        let backupSummary: String
        let stalest: String
        let failing: [BackupRow]
        let hasFailing: Bool
        let drills: [DrillRow]
        let hasDrills: Bool
    }

    package func addRoutes(to group: RouterGroup<PlatformUserContext>) {
        group.get(ConsolePaths.operations.route, use: page)
    }

    @Sendable func page(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let (platform, dataDirectory) = (self.platform, self.dataDirectory)
        var (alerts, statuses, drills, readable) = try await BlockingIO.run {
            (
                try platform.platformAlerts(limit: 20), try platform.backupStatuses(), try platform.drills(limit: 10),
                (try? platform.revision()) != nil
            )
        }
        let problems = readiness.problems(
            registryReadable: readable, freeBytes: Readiness.freeBytes(at: dataDirectory.root.path))
        var databases = [TenantArchive.platformDatabase] + registry.snapshot.tenantsByID.values.map(\.slug.rawValue)
        if reports.cluster != nil {
            // Each brand is backed up by its node, which reports it; the shared registry is PostgreSQL's to back up.
            let snapshot = registry.snapshot
            statuses = [:]
            for (id, report) in try await reports.all() {
                if let backup = report.backup, let slug = snapshot.tenantsByID[id]?.slug.rawValue {
                    statuses[slug] = backup
                }
            }
            databases.removeFirst()
        }
        let good = databases.filter { statuses[$0]?.lastGoodAt != nil }
        let stalest = databases.map { statuses[$0]?.lastGoodAt }.reduce(Date?.some(.distantFuture)) { oldest, date in
            guard let oldest, let date else { return nil }
            return min(oldest, date)
        }
        let failing = statuses.values.filter(\.isFailing).sorted { $0.database < $1.database }
        let page = Page(
            chrome: context.chrome, csrf: context.csrfToken,
            alerts: alerts.map {
                Page.AlertRow(
                    title: $0.title, detail: $0.detail, raised: PageDates.format($0.raisedAt),
                    cleared: $0.clearedAt.map(PageDates.format), isOpen: $0.clearedAt == nil)
            },
            hasAlerts: !alerts.isEmpty,
            openAlerts: alerts.contains { $0.clearedAt == nil } ? "\(alerts.count { $0.clearedAt == nil }) open" : nil,
            problems: problems, ready: problems.isEmpty,
            remote: backups.remote?.target,
            backupSummary: "\(good.count) of \(databases.count) databases have a good backup"
                + (backups.remote == nil ? " on this disk." : " off the machine."),
            stalest: good.count < databases.count
                ? "\(databases.count - good.count) have none yet."
                : stalest.map { "The oldest of them is from \(PageDates.format($0))." } ?? "",
            failing: failing.map {
                Page.BackupRow(
                    database: $0.database == TenantArchive.platformDatabase ? "platform.sqlite" : $0.database,
                    lastGood: $0.lastGoodAt.map(PageDates.format) ?? "never", failing: true, error: $0.lastError)
            },
            hasFailing: !failing.isEmpty,
            drills: drills.map {
                Page.DrillRow(
                    finished: PageDates.format($0.finishedAt), ok: $0.ok,
                    checked: $0.checked.replacingOccurrences(of: "_platform", with: "registry")
                        .replacingOccurrences(of: ",", with: ", "),
                    lines: $0.detail.split(separator: "\n").map(String.init))
            },
            hasDrills: !drills.isEmpty
        )
        return try flows.page(page, "platform/operations")
    }
}
