import Foundation
import GRDB

/// The WHMCS client group and WHM reseller a brand's settings point at, as registry keys: two brands sharing
/// either would see each other's customers, so the registry keeps one claimant per key.
package struct UpstreamClaim: Sendable, Equatable {
    /// `<WHMCS address>#<group id>`, nil while WHMCS is not configured.
    package var whmcs: String?
    /// `<WHM address>#<reseller>`, nil while WHM is not configured.
    package var whm: String?

    package init(whmcs: String?, whm: String?) {
        self.whmcs = whmcs
        self.whm = whm
    }

    package init(_ settings: IntegrationSettings) {
        whmcs =
            settings.whmcsURL.isEmpty || settings.whmcsGroupID == nil
            ? nil : Self.key(settings.whmcsURL, settings.whmcsGroupID.map(String.init) ?? "")
        whm =
            settings.whmURL.isEmpty || settings.effectiveReseller.isEmpty
            ? nil : Self.key(settings.whmURL, settings.effectiveReseller)
    }

    /// One spelling per server: no scheme, the host in lower case without a trailing dot, the port only when it
    /// is not the scheme's default, and the path with `.`/`..` segments, repeated and trailing slashes resolved. So
    /// `https://Billing.example.com.:443/whmcs/./` and `https://billing.example.com/whmcs` are one server, and two
    /// brands cannot bind one client group or reseller by spelling its address differently.
    package static func key(_ address: String, _ name: String) -> String {
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let rawHost = components.host, !rawHost.isEmpty else {
            var host = trimmed.lowercased()
            for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host.removeFirst(scheme.count) }
            while host.hasSuffix("/") { host.removeLast() }
            return "\(host)#\(name.lowercased())"
        }
        var host = rawHost.lowercased()
        while host.hasSuffix(".") { host.removeLast() }
        let scheme = components.scheme?.lowercased() ?? "https"
        let defaultPort = scheme == "http" ? 80 : 443
        if let port = components.port, port != defaultPort { host += ":\(port)" }
        var segments: [Substring] = []
        for segment in components.percentEncodedPath.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let path = segments.isEmpty ? "" : "/" + segments.joined(separator: "/").lowercased()
        return "\(host)\(path)#\(name.lowercased())"
    }

    /// What a tenant's stored settings claim, read in `db` (its own database).
    package static func read(_ db: Database) throws -> UpstreamClaim {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM integration_settings WHERE id = 1") else {
            return UpstreamClaim(whmcs: nil, whm: nil)
        }
        return UpstreamClaim(IntegrationSettings(row: row))
    }
}

/// Which brand holds each WHMCS client group and WHM reseller: the platform registry on one node, the shared
/// registry in a cluster (so two nodes cannot hand one group to two brands).
package protocol UpstreamClaimRegistry: Sendable {
    /// The other brands already using the claim's client group and reseller.
    func claimants(of claim: UpstreamClaim, except tenant: Tenant.ID?) async throws -> (whmcs: String?, whm: String?)
    /// Records the claim for `tenant` unless another brand holds either key, in one step; returns the holders
    /// (both nil when it was recorded).
    func reserve(_ claim: UpstreamClaim, for tenant: Tenant.ID) async throws -> (whmcs: String?, whm: String?)
    /// Records what `tenant` uses now, replacing what it used before.
    func record(_ claim: UpstreamClaim, of tenant: Tenant.ID) async throws
    /// Records the claim of a brand that has none recorded yet (configured before claims were kept); a brand that
    /// has one keeps it, so a measurement taken before a settings change cannot undo the change's reservation.
    func backfill(_ claim: UpstreamClaim, of tenant: Tenant.ID) async throws
}

extension PlatformDatabase: UpstreamClaimRegistry {
    package func claimants(of claim: UpstreamClaim, except tenant: Tenant.ID?) async throws
        -> (whmcs: String?, whm: String?)
    {
        try await BlockingIO.run { try self.pool.read { db in try Self.claimants(db, of: claim, except: tenant) } }
    }

    package func reserve(_ claim: UpstreamClaim, for tenant: Tenant.ID) async throws -> (whmcs: String?, whm: String?) {
        try await BlockingIO.run {
            try self.pool.write { db in
                let holders = try Self.claimants(db, of: claim, except: tenant)
                if holders.whmcs == nil, holders.whm == nil { try Self.recordClaim(db, claim, of: tenant) }
                return holders
            }
        }
    }

    package func record(_ claim: UpstreamClaim, of tenant: Tenant.ID) async throws {
        try await BlockingIO.run { try self.pool.write { db in try Self.recordClaim(db, claim, of: tenant) } }
    }

    package func backfill(_ claim: UpstreamClaim, of tenant: Tenant.ID) async throws {
        try await BlockingIO.run {
            try self.pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO upstream_claims (tenant_id, whmcs_key, whm_key) VALUES (?, ?, ?)
                        ON CONFLICT(tenant_id) DO NOTHING
                        """,
                    arguments: [tenant.rawValue, claim.whmcs, claim.whm])
            }
        }
    }
}

extension PlatformDatabase {
    static func recordClaim(_ db: Database, _ claim: UpstreamClaim, of tenant: Tenant.ID) throws {
        try db.execute(
            sql: """
                INSERT INTO upstream_claims (tenant_id, whmcs_key, whm_key) VALUES (?, ?, ?)
                ON CONFLICT(tenant_id) DO UPDATE SET whmcs_key = excluded.whmcs_key, whm_key = excluded.whm_key
                """,
            arguments: [tenant.rawValue, claim.whmcs, claim.whm]
        )
    }

    static func claimants(_ db: Database, of claim: UpstreamClaim, except tenant: Tenant.ID?) throws
        -> (whmcs: String?, whm: String?)
    {
        func holder(_ column: String, _ key: String?) throws -> String? {
            guard let key else { return nil }
            return try String.fetchOne(
                db,
                sql: """
                    SELECT tenants.slug FROM upstream_claims JOIN tenants ON tenants.id = upstream_claims.tenant_id
                    WHERE upstream_claims.\(column) = ? AND upstream_claims.tenant_id IS NOT ?
                    ORDER BY tenants.id LIMIT 1
                    """,
                arguments: [key, tenant?.rawValue]
            )
        }
        return (try holder("whmcs_key", claim.whmcs), try holder("whm_key", claim.whm))
    }
}
