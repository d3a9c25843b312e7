import Branding
import Foundation
import Hummingbird
import NIOCore
import Tenancy

/// Serves one of a tenant's content-addressed images (logos, page images): the name is checked for shape and
/// joined only to that tenant's folder, the bytes are recognised again, and the answer is immutable and sandboxed.
enum StoredImageResponse {
    static func make(_ request: Request, file: String?, in folder: URL) async throws -> Response {
        guard let file, ImageStore.isAssetName(file) else { throw PortalError.notFound }
        let url = folder.appendingPathComponent(file)
        guard let bytes = try? await BlockingIO.run({ [UInt8](try Data(contentsOf: url)) }),
            let image = try? ImageInspector.inspect(bytes)
        else { throw PortalError.notFound }
        var response = CachedResponse.make(
            request, body: ByteBuffer(bytes: bytes), etag: "\"\(file.prefix(16))\"", contentType: image.contentType,
            cacheControl: CachedResponse.immutable)
        response.headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        return response
    }
}
