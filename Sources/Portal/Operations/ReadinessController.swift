import Foundation
import HTTPTypes
import Hummingbird
import Tenancy

/// `GET /internal/ready`: 200 `ready`, or 503 with one line per reason (draining, registry, disk, pipeline). Like
/// every `/internal/` route it answers only to loopback and the configured trusted proxies; anyone else gets 404.
package struct ReadinessController: Sendable {
    let readiness: Readiness
    let platform: PlatformDatabase
    let dataDirectory: DataDirectory

    package func addRoutes(to router: Router<PortalRequestContext>) {
        router.get(OperationsPaths.ready.route, use: ready)
    }

    @Sendable func ready(_ request: Request, context: PortalRequestContext) async throws -> Response {
        guard context.origin.fromInside else { throw HTTPError(.notFound) }
        let platform = self.platform
        let readable = (try? await BlockingIO.run { try platform.revision() }) != nil
        let problems = readiness.problems(
            registryReadable: readable, freeBytes: Readiness.freeBytes(at: dataDirectory.root.path))
        let body = problems.isEmpty ? "ready\n" : "not ready\n" + problems.map { $0 + "\n" }.joined()
        return Response(
            status: problems.isEmpty ? .ok : .serviceUnavailable,
            headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: .init(string: body)))
    }
}
