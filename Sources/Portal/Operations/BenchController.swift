import HTTPTypes
import Hummingbird
import NIOCore

/// The baseline route `make bench` compares the storefront with; registered only with `--bench`.
package struct BenchController: Sendable {
    static let body = ByteBuffer(string: "Hello, World!")

    package func addRoutes(to router: Router<PortalRequestContext>) {
        router.get(OperationsPaths.benchPlaintext.route) { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: Self.body)
            )
        }
    }
}
