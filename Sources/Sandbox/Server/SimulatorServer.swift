import Foundation
import Hummingbird
import Logging
import NIOCore

/// The request context of the simulators: Hummingbird's basics plus the peer address, for loopback checks.
package struct SandboxRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let remoteAddress: SocketAddress?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// True when the peer is on this machine.
    var isLoopback: Bool {
        switch remoteAddress {
        case .v4(let address): address.host.hasPrefix("127.")
        case .v6(let address): address.host == "::1" || address.host.hasPrefix("::ffff:127.")
        case .unixDomainSocket: true
        default: false
        }
    }
}

/// Builds one simulator's HTTP server: its routes, the fault handler on every connection, the latency
/// middleware and the loopback-only control endpoint.
package enum SimulatorServer {
    /// Paths under this prefix control the simulator and are never faulted.
    package static let controlPrefix = "/__sandbox/"

    static func application(
        host: String,
        port: Int,
        injector: FaultInjector,
        logger: Logger,
        routes: (Router<SandboxRequestContext>) -> Void,
        onServerRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router(context: SandboxRequestContext.self)
        router.add(middleware: LatencyMiddleware(injector: injector))
        addControlRoutes(to: router, injector: injector)
        routes(router)
        return Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [FaultHandler(injector: injector)])),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// `GET /__sandbox/faults` shows the settings; `POST` sets `mode`, `latency_ms`, `count` and `after` (form or query);
    /// `DELETE` clears. Only loopback peers may use it.
    private static func addControlRoutes(to router: Router<SandboxRequestContext>, injector: FaultInjector) {
        let path = RouterPath(controlPrefix + "faults")
        router.get(path) { _, context in
            try requireLoopback(context)
            return try json(injector.settings)
        }
        router.post(path) { request, context in
            try requireLoopback(context)
            var request = request
            let body = try await request.collectBody(upTo: 4096)
            var fields = request.uri.queryParameters.reduce(into: [String: String]()) {
                $0[String($1.key)] = String($1.value)
            }
            for (key, value) in PHPForm.flat(String(buffer: body)) { fields[key] = value }
            guard let mode = FaultMode(rawValue: fields["mode"] ?? "none") else {
                let modes = FaultMode.allCases.map(\.rawValue).joined(separator: ", ")
                throw HTTPError(.badRequest, message: "mode must be one of: \(modes)")
            }
            let latency = try fields["latency_ms"].map { raw in
                guard let value = Int(raw), (0...600_000).contains(value) else {
                    throw HTTPError(.badRequest, message: "latency_ms must be 0 to 600000")
                }
                return value
            }
            let count = try fields["count"].map { raw in
                guard let value = Int(raw), value >= 1 else {
                    throw HTTPError(.badRequest, message: "count must be at least 1")
                }
                return value
            }
            let skip = try fields["after"].map { raw in
                guard let value = Int(raw), value >= 0 else {
                    throw HTTPError(.badRequest, message: "after must be 0 or more")
                }
                return value
            }
            injector.set(mode, latencyMilliseconds: latency, count: count, after: skip ?? 0)
            return try json(injector.settings)
        }
        router.delete(path) { _, context in
            try requireLoopback(context)
            injector.clear()
            return try json(injector.settings)
        }
    }

    private static func requireLoopback(_ context: SandboxRequestContext) throws {
        guard context.isLoopback else {
            throw HTTPError(.forbidden, message: "the control endpoint answers loopback only")
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// Waits the injected latency before a request is handled.
struct LatencyMiddleware: RouterMiddleware {
    let injector: FaultInjector

    func handle(
        _ request: Request, context: SandboxRequestContext,
        next: (Request, SandboxRequestContext) async throws -> Response
    ) async throws -> Response {
        let latency = injector.latency
        if latency > .zero, !request.uri.path.hasPrefix(SimulatorServer.controlPrefix) {
            try await Task.sleep(for: latency)
        }
        return try await next(request, context)
    }
}
