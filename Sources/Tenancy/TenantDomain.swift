import Foundation
import GRDB

/// A hostname that routes to one tenant.
package struct TenantDomain: Codable, Hashable, Sendable {
    /// `platform` is the `<slug>.<base domain>` name the platform gives; `custom` is the reseller's own.
    package enum Kind: String, Codable, Sendable, DatabaseValueConvertible {
        case platform
        case custom
    }

    /// `pending` until the owner proves the domain with a DNS TXT record; only `active` domains route.
    package enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        case pending
        case active
    }

    package var hostname: String
    package var tenantID: Tenant.ID
    package var kind: Kind
    package var isPrimary: Bool
    package var status: Status
    /// The value the owner publishes at `_portal-verify.<hostname>` (as `portal-verify=<token>`).
    package var verificationToken: String?
    package var addedAt: Date?
    package var verifiedAt: Date?

    package init(
        hostname: String, tenantID: Tenant.ID, kind: Kind, isPrimary: Bool, status: Status = .active,
        verificationToken: String? = nil,
        addedAt: Date? = nil, verifiedAt: Date? = nil
    ) {
        self.hostname = hostname
        self.tenantID = tenantID
        self.kind = kind
        self.isPrimary = isPrimary
        self.status = status
        self.verificationToken = verificationToken
        self.addedAt = addedAt
        self.verifiedAt = verifiedAt
    }
}

extension TenantDomain: FetchableRecord, PersistableRecord {
    package static let databaseTableName = "domains"
    package enum CodingKeys: String, CodingKey {
        case hostname, kind, status
        case tenantID = "tenant_id"
        case isPrimary = "is_primary"
        case verificationToken = "verification_token"
        case addedAt = "added_at"
        case verifiedAt = "verified_at"
    }
    package enum Columns {
        package static let tenantID = Column(CodingKeys.tenantID)
        package static let hostname = Column(CodingKeys.hostname)
    }
}
