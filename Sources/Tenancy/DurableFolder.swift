import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Makes a folder that was written without waiting for the disk durable in one pass: every file, then every
/// folder (so their entries are on disk too).
package enum DurableFolder {
    package static func sync(_ folder: URL) throws {
        var folders = [folder.path]
        if let walker = FileManager.default.enumerator(atPath: folder.path) {
            for case let relative as String in walker {
                let path = folder.appendingPathComponent(relative).path
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
                if isFolder.boolValue { folders.append(path) } else { try sync(path: path, flags: O_RDONLY) }
            }
        }
        for path in folders { try sync(path: path, flags: O_RDONLY | O_DIRECTORY) }
    }

    /// Makes a folder's entries durable (a file or folder just moved into it).
    package static func syncEntries(of folder: URL) throws {
        try sync(path: folder.path, flags: O_RDONLY | O_DIRECTORY)
    }

    /// Makes a file's contents durable.
    package static func syncFile(_ file: URL) throws {
        try sync(path: file.path, flags: O_RDONLY)
    }

    private static func sync(path: String, flags: Int32) throws {
        let descriptor = open(path, flags | O_CLOEXEC)
        guard descriptor >= 0 else { throw TenancyError.storage("could not open \(path) to sync it (errno \(errno))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw TenancyError.storage("could not sync \(path) (errno \(errno))") }
    }
}
