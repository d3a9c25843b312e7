import Foundation
import GRDB

/// A reseller brand served by this process, as stored in the platform registry.
package struct Tenant: Codable, Hashable, Sendable, Identifiable {
    /// Typed identifier so a tenant id can never be passed where another id is expected.
    package struct ID: Hashable, Sendable, Codable, CustomStringConvertible, DatabaseValueConvertible {
        package let rawValue: Int64
        package init(_ rawValue: Int64) { self.rawValue = rawValue }
        package var description: String { String(rawValue) }

        package init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(Int64.self)
        }
        package func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
        package var databaseValue: DatabaseValue { rawValue.databaseValue }
        package static func fromDatabaseValue(_ dbValue: DatabaseValue) -> ID? {
            Int64.fromDatabaseValue(dbValue).map(ID.init)
        }
    }

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

    package init(id: ID, slug: TenantSlug, name: String, status: Status, createdAt: Date) {
        self.id = id
        self.slug = slug
        self.name = name
        self.status = status
        self.createdAt = createdAt
    }
}

extension Tenant: FetchableRecord, TableRecord {
    package static let databaseTableName = "tenants"
    package enum CodingKeys: String, CodingKey {
        case id, slug, name, status
        case createdAt = "created_at"
    }
    package enum Columns {
        package static let id = Column(CodingKeys.id)
        package static let slug = Column(CodingKeys.slug)
        package static let status = Column(CodingKeys.status)
    }
}
