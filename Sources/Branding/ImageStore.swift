import Crypto
import Foundation
import Tenancy

/// Stores a tenant's logo, dark logo and favicon content-addressed (SHA-256) under `DATA/<slug>/assets/`,
/// after `ImageInspector` has checked what each really is.
package struct ImageStore: Sendable {
    package let dataDirectory: DataDirectory

    package init(dataDirectory: DataDirectory) {
        self.dataDirectory = dataDirectory
    }

    /// Writes the image (once per content) and returns its file name and what it is. Blocking: run off the loop.
    package func store(_ bytes: [UInt8], for slug: TenantSlug, in folder: URL? = nil) throws -> (
        name: String, image: ImageInspector.Image
    ) {
        let image = try ImageInspector.inspect(bytes)
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let name = "\(digest).\(image.fileExtension)"
        let assets = folder ?? dataDirectory.tenantAssetsFolder(slug)
        try FileManager.default.createDirectory(at: assets, withIntermediateDirectories: true)
        let destination = assets.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: destination.path) {
            try Data(bytes).write(to: destination, options: .atomic)
        }
        return (name, image)
    }

    /// Whether `name` has the shape of a stored asset name (SHA-256, or the 16-digit names of earlier versions),
    /// so it is safe to join to the tenant's folder.
    package static func isAssetName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, [64, 16].contains(parts[0].utf8.count),
            ["png", "jpg", "webp"].contains(String(parts[1]))
        else {
            return false
        }
        return parts[0].utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
