import GRDB

/// An integer row id tagged with what it identifies, so a tenant id cannot be passed where an
/// account id is expected (`Tenant.ID`, `Account.ID`).
package struct TypedID<Owner>: Hashable, Sendable, Codable, CustomStringConvertible, DatabaseValueConvertible {
    package let rawValue: Int64

    package init(_ rawValue: Int64) {
        self.rawValue = rawValue
    }

    package var description: String { String(rawValue) }

    package init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    package var databaseValue: DatabaseValue { rawValue.databaseValue }

    package static func fromDatabaseValue(_ dbValue: DatabaseValue) -> TypedID? {
        Int64.fromDatabaseValue(dbValue).map(TypedID.init)
    }
}
