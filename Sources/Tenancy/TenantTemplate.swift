import CFileCopy
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The file every new tenant database starts as: an empty database with every migration applied, kept in the data
/// folder (`.template/tenant-v<schema version>.sqlite`) and made the first time a tenant is created with this schema.
/// Copying it replaces replaying each migration for each new tenant.
enum TenantTemplate {
    /// Copies the template for this schema to `path` (which must not exist), making the template first if needed.
    static func copy(to path: String, templates folder: URL) throws {
        let template = folder.appendingPathComponent("tenant-v\(TenantDatabase.schemaVersion).sqlite")
        if !FileManager.default.fileExists(atPath: template.path) { try make(template) }
        try copyFile(template.path, to: path)
    }

    /// Migrates an empty database beside the template and renames it into place once closed: in WAL mode (its
    /// header says so), with no WAL of its own and `user_version` set. Two processes making it at once each rename a
    /// complete file.
    private static func make(_ template: URL) throws {
        let folder = template.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let making = folder.appendingPathComponent("making-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: making, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: making) }
        let path = making.appendingPathComponent("tenant.sqlite").path
        try TenantDatabase.open(path: path, tenantID: Tenant.ID(0)).close()
        guard rename(path, template.path) == 0 else {
            throw TenancyError.storage("could not put the tenant template in place (errno \(errno))")
        }
    }

    /// Copies inside the kernel (`copy_file_range`), several times faster than reading and writing the bytes.
    private static func copyFile(_ source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw TenancyError.storage("could not read the tenant template (errno \(errno))") }
        defer { close(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw TenancyError.storage("could not create \(destination) (errno \(errno))") }
        defer { close(output) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw TenancyError.storage("could not size the tenant template") }
        var remaining = Int(info.st_size)
        while remaining > 0 {
            let copied = cfilecopy_range(input, output, remaining)
            if copied > 0 {
                remaining -= copied
            } else if copied < 0 && errno == EINTR {
                continue
            } else {
                // 0: the template shrank under us; -1: a real failure.
                throw TenancyError.storage("copying the tenant template failed (errno \(errno))")
            }
        }
    }
}
