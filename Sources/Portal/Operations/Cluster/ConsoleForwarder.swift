import AsyncHTTPClient
import Cluster
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Tenancy

/// The console's pages and actions about one brand need its data, which only the node holding it has. In a cluster
/// the console node (the one HAProxy sends the platform host to) passes such a request, once it has checked the
/// sign-in and CSRF itself, to the brand's node at its `--advertise` address and relays the answer. The holder
/// checks them again: platform users and their sessions are in the shared registry, and the forwarded request
/// names the registry revision that carries this node's latest changes, so the holder catches up to it first.
package struct ConsoleForwarder: Sendable {
    static let fromHeader = HTTPField.Name("Portal-Forwarded-From")!
    static let revisionHeader = HTTPField.Name("Portal-Registry-Revision")!
    /// Headers that belong to one connection, not to the request or answer passed on.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
        "content-length", "host",
    ]

    /// Answers are relayed as they are: a redirect goes back to the browser, not followed here. One client for the
    /// process's life, like `HTTPClient.shared`.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    let cluster: ClusterMembership?
    let registry: TenantRegistry
    let logger: Logger

    /// The holder's answer to `request` when another node holds `tenant`; nil when it is held here (or on one node).
    package func forward(_ request: Request, about tenant: Tenant, context: PlatformUserContext) async throws
        -> Response?
    {
        guard let cluster, !registry.holds(tenant.id) else { return nil }
        let snapshot = registry.snapshot
        // Already passed on once: the nodes disagree about the holder for a moment (a move); the console says so.
        guard request.headers[Self.fromHeader] == nil, let holder = snapshot.assignments[tenant.id],
            let node = snapshot.nodes[holder]
        else { throw PortalError.tenantMoving }
        // The holder must know this node's newest sign-in and session state before it checks them.
        try await cluster.publisher.publish()
        let revision = try await cluster.registry.revision()

        var outgoing = HTTPClientRequest(url: node.advertise + request.uri.description)
        outgoing.method = .init(rawValue: request.method.rawValue)
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        if let host = request.head.authority ?? request.headers[HTTPField.Name("Host")!] {
            outgoing.headers.add(name: "Host", value: host)
        }
        outgoing.headers.replaceOrAdd(name: Self.fromHeader.rawName, value: cluster.settings.node)
        outgoing.headers.replaceOrAdd(name: Self.revisionHeader.rawName, value: String(revision))
        if let address = context.origin.clientAddress {
            outgoing.headers.replaceOrAdd(name: "X-Forwarded-For", value: address)
        }
        if request.method == .post {
            var request = request
            outgoing.body = .bytes(try await request.collectBody(upTo: FormData.maximumBytes))
        }
        let answer: HTTPClientResponse
        do {
            answer = try await Self.client.execute(outgoing, timeout: .minutes(10))
        } catch {
            logger.warning(
                "console request not passed on to the brand's node",
                metadata: ["tenant": "\(tenant.slug)", "node": "\(holder)", "error": "\(error)"])
            throw PortalError.heldElsewhere(node: holder)
        }
        var headers = HTTPFields()
        for header in answer.headers where !Self.hopByHop.contains(header.name.lowercased()) {
            guard let name = HTTPField.Name(header.name) else { continue }
            headers.append(HTTPField(name: name, value: header.value))
        }
        return Response(
            status: HTTPResponse.Status(code: Int(answer.status.code), reasonPhrase: answer.status.reasonPhrase),
            headers: headers, body: ResponseBody(asyncSequence: answer.body))
    }

    /// On the receiving node: catches this node's copy up to the revision the forwarding node named (one copy at
    /// most; a request without the header, or already current, costs nothing).
    package static func catchUp(_ request: Request, cluster: ClusterMembership?) async {
        guard let cluster, let raw = request.headers[revisionHeader], let revision = Int64(raw) else { return }
        let platform = cluster.follower.replica
        let position = try? await BlockingIO.run { try platform.position()?.revision }
        if let position, position >= revision { return }
        try? await cluster.follower.sync()
    }
}

/// On the platform host of a node: a console request passed on by another node waits for this node's copy of the
/// registry to reach the revision it names, so the sign-in it carries is known here.
struct RegistryCatchUpMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext
    /// Answers are relayed as they are: a redirect goes back to the browser, not followed here. One client for the
    /// process's life, like `HTTPClient.shared`.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))

    let cluster: ClusterMembership?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        await ConsoleForwarder.catchUp(request, cluster: cluster)
        return try await next(request, context)
    }
}
