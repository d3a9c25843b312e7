import Foundation
import GRDB
import Synchronization

/// The file every new tenant database starts as: an empty database with every migration applied, made once per
/// process and kept in memory. Copying it replaces replaying each migration for each new tenant.
package final class TenantTemplate: Sendable {
    package static let shared = TenantTemplate()

    private let bytes = Mutex<Data?>(nil)

    /// Writes the template to `path` (which must not exist), making the template first if this process has none.
    func copy(to path: String) throws {
        let template = try bytes.withLock { bytes in
            if let bytes { return bytes }
            let made = try Self.make()
            bytes = made
            return made
        }
        guard FileManager.default.createFile(atPath: path, contents: template) else {
            throw TenancyError.storage("could not write \(path)")
        }
    }

    /// Migrates an empty database in a temporary folder and reads the closed file back: in WAL mode (the header
    /// says so), with no WAL of its own, and with `user_version` set.
    private static func make() throws -> Data {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("portal-tenant-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tenant.sqlite").path
        try TenantDatabase.open(path: path, tenantID: Tenant.ID(0)).close()
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }
}
