import GRDB

/// A validated tenant slug: the tenant's folder name and its `<slug>.<base domain>` host label.
///
/// Only a value of this type can name a tenant folder, so no path is ever built from unchecked input.
package struct TenantSlug: Hashable, Sendable, Codable, CustomStringConvertible, DatabaseValueConvertible {
    package let rawValue: String

    /// Names that would collide with platform hosts or routes, or with the data folder's own `backups` and `exports`.
    package static let reserved: Set<String> = [
        "www", "admin", "api", "platform", "static", "assets", "mail", "health", "internal", "backups", "exports",
    ]

    /// Validates `^[a-z0-9](-?[a-z0-9]){1,62}$` and refuses reserved names.
    package init(validating raw: String) throws(TenancyError) {
        guard Self.matchesPattern(raw) else { throw .invalidSlug(raw) }
        guard !Self.reserved.contains(raw) else { throw .reservedSlug(raw) }
        rawValue = raw
    }

    package var description: String { rawValue }

    private static func matchesPattern(_ raw: String) -> Bool {
        let bytes = Array(raw.utf8)
        guard bytes.count >= 2, bytes.count <= 125 else { return false }
        func isAlnum(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }
        guard isAlnum(bytes[0]), isAlnum(bytes[bytes.count - 1]) else { return false }
        var groups = 0  // each "(-?[a-z0-9])" group ends on an alphanumeric
        var index = 1
        while index < bytes.count {
            if bytes[index] == 0x2D {
                index += 1
                guard index < bytes.count, isAlnum(bytes[index]) else { return false }
            } else if !isAlnum(bytes[index]) {
                return false
            }
            groups += 1
            index += 1
        }
        return groups >= 1 && groups <= 62
    }

    package init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        try self.init(validating: raw)
    }
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    package var databaseValue: DatabaseValue { rawValue.databaseValue }
    package static func fromDatabaseValue(_ dbValue: DatabaseValue) -> TenantSlug? {
        String.fromDatabaseValue(dbValue).flatMap { try? TenantSlug(validating: $0) }
    }
}
