import Foundation

/// Sizes of files on disk, for archives, backups and the console's health figures.
package enum FileSize {
    /// The size of the file at `path` in bytes; 0 when it does not exist.
    package static func bytes(at path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }

    /// "12 KB", "3.4 MB": as people read file sizes.
    package static func text(_ bytes: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file)
    }
}
