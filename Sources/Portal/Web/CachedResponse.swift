import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Builds responses for content with a strong ETag, answering 304 when the client already has it.
package enum CachedResponse {
    /// One year, for URLs whose `v=` changes whenever their bytes do.
    static let immutable = "public, max-age=31536000, immutable"

    /// A public page rendered for this request: the browser revalidates it every time.
    static func html(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    package static func make(
        _ request: Request,
        body: ByteBuffer,
        etag: String,
        contentType: String,
        cacheControl: String
    ) -> Response {
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cacheControl]
        if matches(request.headers[.ifNoneMatch], etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Cache-Control for a versioned URL: immutable when the asked version is the current one.
    package static func cacheControl(askedVersion: String?, currentVersion: String) -> String {
        askedVersion == currentVersion ? immutable : "public, max-age=60, must-revalidate"
    }

    static func matches(_ header: String?, etag: String) -> Bool {
        guard let header else { return false }
        for candidate in header.split(separator: ",") {
            var tag = candidate.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            if tag == etag { return true }
        }
        return false
    }
}
