import GRDB

/// A hostname that routes to one tenant.
package struct TenantDomain: Codable, Hashable, Sendable {
    /// `platform` is the `<slug>.<base domain>` name the platform gives; `custom` is the reseller's own.
    package enum Kind: String, Codable, Sendable, DatabaseValueConvertible {
        case platform
        case custom
    }

    package var hostname: String
    package var tenantID: Tenant.ID
    package var kind: Kind
    package var isPrimary: Bool

    package init(hostname: String, tenantID: Tenant.ID, kind: Kind, isPrimary: Bool) {
        self.hostname = hostname
        self.tenantID = tenantID
        self.kind = kind
        self.isPrimary = isPrimary
    }
}

extension TenantDomain: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "domains"
    package enum CodingKeys: String, CodingKey {
        case hostname, kind
        case tenantID = "tenant_id"
        case isPrimary = "is_primary"
    }
    package enum Columns {
        package static let tenantID = Column(CodingKeys.tenantID)
        package static let hostname = Column(CodingKeys.hostname)
    }
}
