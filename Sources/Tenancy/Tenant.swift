import Foundation
import GRDB

/// A reseller brand served by this process, as stored in the platform registry.
package struct Tenant: Codable, Hashable, Sendable, Identifiable {
    package typealias ID = TypedID<Tenant>

    /// Whether the tenant's sites answer normally or with a "temporarily unavailable" page.
    package enum Status: String, Codable, Sendable, DatabaseValueConvertible, CaseIterable {
        case active
        case suspended
    }

    package var id: ID
    package var slug: TenantSlug
    package var name: String
    package var status: Status
    package var createdAt: Date
    /// Set while a backup is being restored: the tenant's sites answer "down for maintenance" until it is nil again.
    package var maintenanceSince: Date?
    /// Why the platform suspended the tenant, shown to its staff; empty while active.
    package var statusReason: String

    package init(
        id: ID, slug: TenantSlug, name: String, status: Status, createdAt: Date, maintenanceSince: Date? = nil,
        statusReason: String = ""
    ) {
        self.statusReason = statusReason
        self.id = id
        self.slug = slug
        self.name = name
        self.status = status
        self.createdAt = createdAt
        self.maintenanceSince = maintenanceSince
    }

    /// Whether the tenant's sites serve their customers now.
    package var isServing: Bool { status == .active && maintenanceSince == nil }
}

extension Tenant: FetchableRecord, TableRecord {
    package static let databaseTableName = "tenants"
    package enum CodingKeys: String, CodingKey {
        case id, slug, name, status
        case createdAt = "created_at"
        case maintenanceSince = "maintenance_since"
        case statusReason = "status_reason"
    }
    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let slug = Column(CodingKeys.slug)
        package static let status = Column(CodingKeys.status)
    }
}
