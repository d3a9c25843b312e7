import Foundation
import Hummingbird
import Logging
import Tenancy

extension PlatformController {
    // MARK: List

    @Sendable func home(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        // A GET form sends spaces as "+" and a plus sign as "%2B".
        let query = String(
            (FormQuery.value("q", in: request.uri.query) ?? "").trimmingCharacters(in: .whitespaces).lowercased()
                .prefix(100))
        let sort = parameters.get("sort").flatMap(SortKey.init(rawValue:)) ?? .slug
        let descending = parameters.get("dir") == "desc"
        let snapshot = registry.snapshot
        let healthByID = try await reports.health()
        let domains = try await BlockingIO.run { [platform] in try platform.allDomains() }
        let hostsByTenant = Dictionary(grouping: domains, by: \.tenantID)
        var tenants = Array(snapshot.tenantsByID.values)
        if !query.isEmpty {
            tenants = tenants.filter { tenant in
                tenant.slug.rawValue.contains(query) || tenant.name.lowercased().contains(query)
                    || (hostsByTenant[tenant.id] ?? []).contains { $0.hostname.contains(query) }
            }
        }
        tenants.sort { first, second in
            let (a, b) = descending ? (second, first) : (first, second)
            let (ha, hb) = (healthByID[a.id], healthByID[b.id])
            switch sort {
            case .slug: return a.slug.rawValue < b.slug.rawValue
            case .name: return (a.name.lowercased(), a.slug.rawValue) < (b.name.lowercased(), b.slug.rawValue)
            case .status: return (Self.status(a), a.slug.rawValue) < (Self.status(b), b.slug.rawValue)
            case .customers: return (ha?.customers ?? -1, a.slug.rawValue) < (hb?.customers ?? -1, b.slug.rawValue)
            case .services:
                return (ha?.activeServices ?? -1, a.slug.rawValue) < (hb?.activeServices ?? -1, b.slug.rawValue)
            case .failed: return (ha?.failedJobs ?? -1, a.slug.rawValue) < (hb?.failedJobs ?? -1, b.slug.rawValue)
            case .activity:
                return (ha?.lastActivity ?? .distantPast, a.slug.rawValue) < (
                    hb?.lastActivity ?? .distantPast, b.slug.rawValue
                )
            case .size: return (ha?.databaseBytes ?? -1, a.slug.rawValue) < (hb?.databaseBytes ?? -1, b.slug.rawValue)
            case .created: return (a.createdAt, a.slug.rawValue) < (b.createdAt, b.slug.rawValue)
            }
        }
        let total = tenants.count
        let pages = max(1, (total + Self.pageSize - 1) / Self.pageSize)
        let page = min(PageNumber.parse(parameters.get("page")), pages)
        let shown = tenants.dropFirst((page - 1) * Self.pageSize).prefix(Self.pageSize)
        let rows = shown.map { tenant in
            let health = healthByID[tenant.id]
            return ListPage.Row(
                slug: tenant.slug.rawValue, name: tenant.name, status: Self.status(tenant),
                needsAttention: !tenant.isServing,
                primaryHost: snapshot.primaryHost(of: tenant.id) ?? "",
                customers: health.map { String($0.customers) } ?? "–",
                services: health.map { String($0.activeServices) } ?? "–",
                failed: health.map { String($0.failedJobs) } ?? "–", hasFailed: (health?.failedJobs ?? 0) > 0,
                lastActivity: health?.lastActivity.map(PageDates.format) ?? "never",
                size: health.map { FileSize.text($0.databaseBytes) } ?? "–"
            )
        }
        func link(sort: SortKey, descending: Bool, page: Int = 1) -> String {
            var items = [("sort", sort.rawValue)]
            if descending { items.append(("dir", "desc")) }
            if !query.isEmpty { items.append(("q", query)) }
            if page > 1 { items.append(("page", String(page))) }
            return ConsolePaths.home.link() + "?"
                + items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&")
        }
        let labels: [(SortKey, String, Bool)] = [
            (.slug, "Slug", false), (.name, "Name", false), (.status, "Status", false), (.customers, "Customers", true),
            (.services, "Active services", true), (.failed, "Failed jobs", true), (.activity, "Last activity", false),
            (.size, "Database", true),
        ]
        let columns = labels.map { key, label, numeric in
            ListPage.Column(
                key: key.rawValue, label: label, link: link(sort: key, descending: key == sort ? !descending : false),
                ariaSort: key == sort ? (descending ? "descending" : "ascending") : "none", numeric: numeric
            )
        }
        let oldest = healthByID.values.map(\.checkedAt).min()
        let model = ListPage(
            chrome: context.chrome, csrf: context.csrfToken, name: context.account.name, query: query, rows: rows,
            columns: columns, isEmpty: rows.isEmpty, hasTenants: snapshot.tenantCount > 0,
            summary: total == 0
                ? ""
                : "\((page - 1) * Self.pageSize + 1)–\((page - 1) * Self.pageSize + rows.count) of \(total) tenant\(total == 1 ? "" : "s")",
            previous: page > 1 ? link(sort: sort, descending: descending, page: page - 1) : nil,
            next: page < pages ? link(sort: sort, descending: descending, page: page + 1) : nil,
            measuredNote: oldest.map {
                "Health measured every few minutes; the oldest figure is from \(PageDates.format($0))."
            }
                ?? "Health is being measured; figures appear within a few minutes."
        )
        return try flows.page(model, "platform/home")
    }

    static func status(_ tenant: Tenant) -> String {
        tenant.maintenanceSince != nil ? "maintenance" : tenant.status.rawValue
    }
}
