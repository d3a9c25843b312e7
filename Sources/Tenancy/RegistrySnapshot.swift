/// An immutable, in-memory copy of the registry: what the request path reads instead of SQLite.
package struct RegistrySnapshot: Sendable {
    package let revision: Int64
    package let tenantsByID: [Tenant.ID: Tenant]
    private let tenantIDsByHost: [String: Tenant.ID]
    private let tenantIDsBySlug: [String: Tenant.ID]
    private let primaryHosts: [Tenant.ID: String]
    /// Which node holds each tenant, when the registry is shared by several nodes; empty on a single node.
    package let assignments: [Tenant.ID: String]
    /// The nodes of a shared registry, by name.
    package let nodes: [String: ClusterNode]

    package init(
        revision: Int64, tenants: [Tenant], domains: [TenantDomain], assignments: [Tenant.ID: String] = [:],
        nodes: [ClusterNode] = []
    ) {
        self.revision = revision
        self.assignments = assignments
        self.nodes = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        tenantsByID = Dictionary(tenants.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        tenantIDsBySlug = Dictionary(tenants.map { ($0.slug.rawValue, $0.id) }, uniquingKeysWith: { first, _ in first })
        // A custom domain routes only once its owner proved it through DNS.
        tenantIDsByHost = Dictionary(
            domains.filter { $0.status == .active }.map { ($0.hostname, $0.tenantID) },
            uniquingKeysWith: { first, _ in first }
        )
        primaryHosts = Dictionary(
            domains.filter(\.isPrimary).map { ($0.tenantID, $0.hostname) },
            uniquingKeysWith: { first, _ in first }
        )
    }

    /// Whether `host` is an active domain of a tenant that serves now: what may get a TLS certificate.
    package func servesTLS(for host: String, baseDomain: String) -> Bool {
        guard let tenant = tenant(forHost: host, baseDomain: baseDomain) else { return false }
        return tenant.status == .active
    }

    package static let empty = RegistrySnapshot(revision: -1, tenants: [], domains: [])

    package var tenantCount: Int { tenantsByID.count }

    /// Resolves a normalised host: an exact domain first, then `<slug>.<base domain>`.
    package func tenant(forHost host: String, baseDomain: String) -> Tenant? {
        if let id = tenantIDsByHost[host] { return tenantsByID[id] }
        guard host.utf8.count > baseDomain.utf8.count + 1, host.hasSuffix(baseDomain) else { return nil }
        let labelEnd = host.utf8.index(host.utf8.endIndex, offsetBy: -(baseDomain.utf8.count + 1))
        guard host.utf8[labelEnd] == UInt8(ascii: ".") else { return nil }
        let label = host[host.startIndex..<labelEnd]
        guard !label.contains("."), let id = tenantIDsBySlug[String(label)] else { return nil }
        return tenantsByID[id]
    }

    /// The id of the tenant called `slug`, when the registry has one.
    package func tenantID(slug: TenantSlug) -> Tenant.ID? { tenantIDsBySlug[slug.rawValue] }

    /// Every host that routes to a tenant (its active domains, the platform's `<slug>.<base domain>` included).
    package var routedHosts: [String: Tenant.ID] { tenantIDsByHost }

    /// Whether `node` holds the tenant: always on a single node (`node` nil); otherwise only its assigned node.
    package func holds(_ tenantID: Tenant.ID, node: String?) -> Bool {
        guard let node else { return true }
        return assignments[tenantID] == node
    }

    /// The host links in emails are built from: never the request's Host.
    /// Tenants whose primary host differs between `self` and `other` (added, removed or changed).
    package func primaryHostChanges(since other: RegistrySnapshot) -> Set<Tenant.ID> {
        var changed: Set<Tenant.ID> = []
        for (id, host) in primaryHosts where other.primaryHosts[id] != host { changed.insert(id) }
        for id in other.primaryHosts.keys where primaryHosts[id] == nil { changed.insert(id) }
        return changed
    }

    package func primaryHost(of tenantID: Tenant.ID) -> String? {
        primaryHosts[tenantID]
    }
}
