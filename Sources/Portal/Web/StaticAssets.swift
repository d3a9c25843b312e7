import Branding
import Foundation
import NIOCore

/// The product's own static files (`assets/static`), loaded into memory at start with a strong ETag each.
package struct StaticAssets: Sendable {
    package struct Asset: Sendable {
        package let body: ByteBuffer
        package let contentType: String
        package let etag: String
    }

    private let assets: [String: Asset]

    /// Loads every file under `directory`; names are paths relative to it, such as `base.css`.
    package init(directory: String) throws {
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        var assets: [String: Asset] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else {
            throw PortalError.missingAssets(directory)
        }
        for case let relative as String in enumerator {
            let url = root.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue
            else { continue }
            let bytes = try [UInt8](Data(contentsOf: url))
            assets[relative] = Asset(
                body: ByteBuffer(bytes: bytes),
                contentType: Self.contentType(forExtension: url.pathExtension),
                etag: "\"\(ContentDigest.hex(of: bytes))\""
            )
        }
        self.assets = assets
    }

    package func asset(named name: String) -> Asset? { assets[name] }

    /// A versioned URL: it changes whenever the file's bytes change, so it can be cached for a year.
    package func url(for name: String) -> String {
        guard let asset = assets[name] else { return OperationsPaths.staticFile(name) }
        return OperationsPaths.staticFile(name) + "?v=\(asset.etag.dropFirst().dropLast())"
    }

    static func contentType(forExtension fileExtension: String) -> String {
        switch fileExtension.lowercased() {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "webp": "image/webp"
        case "ico": "image/x-icon"
        case "txt": "text/plain; charset=utf-8"
        case "woff2": "font/woff2"
        default: "application/octet-stream"
        }
    }
}
