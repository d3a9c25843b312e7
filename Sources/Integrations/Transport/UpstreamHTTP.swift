import AsyncHTTPClient
import NIOCore

/// The process-wide HTTP client for upstream calls. Like `HTTPClient.shared` it lives as long as the process and is
/// never shut down; unlike it, connections give up after `connectTimeout`, so a dead host fails fast.
package enum UpstreamHTTP {
    package static let connectTimeout: TimeAmount = .seconds(5)

    package static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = connectTimeout
        configuration.redirectConfiguration = .disallow
        // A failed connect fails the request at once; UpstreamCaller's own retries (with backoff, and the breaker
        // counting) decide what happens next, rather than a hidden loop inside the client.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .enabled(limit: .ratio(20))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// The live transport over the shared client.
    package static var transport: UpstreamTransport { .live(client) }
}
