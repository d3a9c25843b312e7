import HTTPTypes
import Hummingbird
import Testing

@testable import Portal

@Suite("Request origin")
struct RequestOriginTests {
    static func request(host: String, extra: [HTTPField] = []) -> Request {
        var head = HTTPRequest(method: .get, scheme: "http", authority: host, path: "/internal/metrics")
        for field in extra { head.headerFields.append(field) }
        return Request(head: head, body: .init(buffer: .init()))
    }

    @Test("inside means this machine or a trusted proxy, after forwarding; a request with a second Host never is")
    func fromInside() async throws {
        try await withDependencies { dependencies in
            let middleware = RequestOriginMiddleware(
                registry: dependencies.registry, trustedProxies: [CIDR("10.0.0.0/8")!],
                platformHost: "platform.localhost")
            #expect(middleware.origin(of: Self.request(host: "127.0.0.1"), peer: "127.0.0.1").fromInside)
            #expect(middleware.origin(of: Self.request(host: "127.0.0.1"), peer: "10.1.2.3").fromInside)
            #expect(!middleware.origin(of: Self.request(host: "127.0.0.1"), peer: "203.0.113.9").fromInside)
            // A visitor forwarded by the trusted proxy is outside.
            let forwarded = Self.request(
                host: "127.0.0.1", extra: [HTTPField(name: .xForwardedFor, value: "203.0.113.9")])
            #expect(!middleware.origin(of: forwarded, peer: "10.1.2.3").fromInside)
            // A second Host is refused before the client is worked out: never inside, even from this machine.
            let twoHosts = Self.request(host: "127.0.0.1", extra: [HTTPField(name: .hostHeader, value: "127.0.0.1")])
            let origin = middleware.origin(of: twoHosts, peer: "127.0.0.1")
            guard case .badHost(.duplicate) = origin.resolution else {
                Issue.record("a second Host is a bad host: \(origin.resolution)")
                return
            }
            #expect(!origin.fromInside)
        }
    }
}
