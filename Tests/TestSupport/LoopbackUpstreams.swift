import Integrations
import Logging

extension UpstreamCaller {
    /// A caller to the simulators on loopback, from a test.
    package static func loopback(tenant: String, upstream: Upstream, credentialIdentifier: String) -> UpstreamCaller {
        var caller = UpstreamCaller(
            tenant: tenant, upstream: upstream, credentialIdentifier: credentialIdentifier,
            transport: UpstreamHTTP.transport, breakers: CircuitBreakers(), logger: Logger(label: "test"))
        caller.egress = .anyAddress
        return caller
    }
}

extension UpstreamTransport {
    /// The live transport with the address check off: only for tests that run a live-mode brand against the
    /// simulators on loopback, where the check would (rightly) refuse.
    package static var trustingLoopback: UpstreamTransport {
        UpstreamTransport { request, timeout in
            var request = request
            request.egress = .anyAddress
            return try await UpstreamHTTP.transport.send(request, timeout)
        }
    }
}
