import Foundation
import Tenancy

/// Stores a tenant's logo content-addressed under `DATA/<slug>/assets/` after checking what it really is.
package struct LogoStore: Sendable {
    package static let maximumBytes = 1 << 20
    package static let maximumDimension = 4096

    package let dataDirectory: DataDirectory

    package init(dataDirectory: DataDirectory) {
        self.dataDirectory = dataDirectory
    }

    /// An image recognised by its magic bytes, never by its name.
    package struct Image: Sendable, Equatable {
        package enum Format: String, Sendable { case png, jpeg, webp }
        package let format: Format
        package let width: Int
        package let height: Int

        package var contentType: String {
            switch format {
            case .png: "image/png"
            case .jpeg: "image/jpeg"
            case .webp: "image/webp"
            }
        }
        package var fileExtension: String { format == .jpeg ? "jpg" : format.rawValue }
    }

    /// Validates a PNG by signature and IHDR header. (JPEG and WebP arrive with the brand studio.)
    package static func inspect(_ bytes: [UInt8]) throws(BrandError) -> Image {
        guard bytes.count <= maximumBytes else { throw .imageTooLarge(bytes: bytes.count, limit: maximumBytes) }
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 33, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw .unsupportedImage(reason: "the file is not a PNG image")
        }
        func bigEndian(_ offset: Int) -> Int {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        let (width, height) = (bigEndian(16), bigEndian(20))
        guard width > 0, height > 0 else { throw .unsupportedImage(reason: "the PNG header has no size") }
        guard width <= maximumDimension, height <= maximumDimension else {
            throw .imageDimensionsTooLarge(width: width, height: height, limit: maximumDimension)
        }
        return Image(format: .png, width: width, height: height)
    }

    /// Writes the logo and returns its content-addressed file name.
    package func store(_ bytes: [UInt8], for slug: TenantSlug, in folder: URL? = nil) throws -> String {
        let image = try Self.inspect(bytes)
        let name = "\(ContentDigest.hex(of: bytes)).\(image.fileExtension)"
        let assets = folder ?? dataDirectory.tenantAssetsFolder(slug)
        try FileManager.default.createDirectory(at: assets, withIntermediateDirectories: true)
        let destination = assets.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: destination.path) {
            try Data(bytes).write(to: destination, options: .atomic)
        }
        return name
    }

    /// Whether `name` has the shape of a stored asset name, so it is safe to join to the tenant's folder.
    package static func isAssetName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 16, ["png", "jpg", "webp"].contains(String(parts[1])) else {
            return false
        }
        return parts[0].utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
