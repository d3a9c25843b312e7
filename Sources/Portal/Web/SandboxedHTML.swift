import Hummingbird
import NIOCore

/// An email's HTML shown inside a staff page's frame: sandboxed, no scripts, inline styles allowed, framable by the
/// portal itself only.
enum SandboxedHTML {
    static func response(_ html: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; sandbox; frame-ancestors 'self'",
                .xFrameOptions: "SAMEORIGIN",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }
}
