import AsyncHTTPClient
import NIOCore

/// The process-wide HTTP clients for upstream calls. Like `HTTPClient.shared` they live as long as the process;
/// unlike it, connections give up after `connectTimeout`, so a dead host fails fast, and each goes only to the
/// address `Egress` checked.
package enum UpstreamHTTP {
    package static let connectTimeout: TimeAmount = .seconds(5)

    package static let configuration: HTTPClient.Configuration = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = connectTimeout
        configuration.redirectConfiguration = .disallow
        // A failed connect fails the request at once; UpstreamCaller's own retries (with backoff, and the breaker
        // counting) decide what happens next, rather than a hidden loop inside the client.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .enabled(limit: .ratio(20))
        return configuration
    }()

    package static let clients = PinnedHTTPClients(configuration: configuration)

    /// The live transport over the shared clients, resolving names with the system resolver.
    package static let transport = UpstreamTransport.live(clients, egress: .system)
}
