import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP exchange with an upstream, as the clients see it.
package struct UpstreamRequest: Sendable {
    package enum Method: String, Sendable { case get = "GET", post = "POST" }

    package var method: Method
    package var url: String
    package var headers: [(String, String)]
    package var body: Data?
    /// Which addresses the URL's host may resolve to; the caller sets it from the brand's mode.
    package var egress: EgressPolicy = .publicOnly

    package init(method: Method, url: String, headers: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

package struct UpstreamResponse: Sendable {
    package var status: Int
    package var body: Data

    package init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }
}

/// Sends requests; the live value uses AsyncHTTPClient, tests may substitute their own.
package struct UpstreamTransport: Sendable {
    /// Sends one request and waits at most `timeout` for the whole answer. Throws `TransportFailure`.
    package var send: @Sendable (_ request: UpstreamRequest, _ timeout: Duration) async throws -> UpstreamResponse

    package init(send: @escaping @Sendable (UpstreamRequest, Duration) async throws -> UpstreamResponse) {
        self.send = send
    }

    /// How a request failed below HTTP.
    package enum TransportFailure: Error, Equatable {
        case connectFailed(String)
        case connectionLost(String)
        case timedOut
        /// The host resolved to an address the policy does not allow, or did not resolve: nothing was sent.
        case addressRefused(EgressRefusal)
    }

    /// Answers larger than this are refused: no upstream answer the portal needs comes near it.
    package static let maximumResponseBytes = 8 << 20

    /// A transport over `clients`, each pinned by `egress` to the one address it checked for the URL's host; the
    /// connect timeout comes from the clients' configuration. The whole exchange, lookup, head and body, runs under
    /// one deadline: AsyncHTTPClient's own deadline stops at the response head, so a server that sends headers and
    /// then stalls would otherwise hold the call for ever.
    package static func live(_ clients: PinnedHTTPClients, egress: Egress) -> UpstreamTransport {
        UpstreamTransport { request, timeout in
            try await withThrowingTaskGroup(of: UpstreamResponse.self) { group in
                group.addTask {
                    guard var components = URLComponents(string: request.url), let raw = components.host,
                        !raw.isEmpty
                    else {
                        throw TransportFailure.addressRefused(
                            EgressRefusal(host: request.url, detail: "the address has no host"))
                    }
                    let address: NetworkAddress
                    do {
                        address = try await egress.address(for: raw, policy: request.egress)
                    } catch let refusal as EgressRefusal {
                        throw TransportFailure.addressRefused(refusal)
                    }
                    // The client must look its override up under exactly the key it was given: write the host in
                    // one form (a literal as the checked address itself, a name in lower case without a root dot).
                    var pinned = request
                    let host = Egress.normalised(raw)
                    if NetworkAddress(literal: host) != nil {
                        if address.isIPv4 { components.host = address.description }
                    } else {
                        components.host = host
                    }
                    pinned.url = components.string ?? request.url
                    return try await clients.withClient(host: host, address: address) {
                        try await exchange($0, pinned, timeout: timeout)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw TransportFailure.timedOut
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw TransportFailure.timedOut }
                return first
            }
        }
    }

    private static func exchange(_ client: HTTPClient, _ request: UpstreamRequest, timeout: Duration) async throws
        -> UpstreamResponse
    {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(outgoing, timeout: .init(timeout))
            let bytes = try await response.body.collect(upTo: maximumResponseBytes)
            return UpstreamResponse(status: Int(response.status.code), body: Data(bytes.readableBytesView))
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                throw TransportFailure.timedOut
            case .connectTimeout, .socksHandshakeTimeout, .tlsHandshakeTimeout:
                throw TransportFailure.connectFailed("connect timed out")
            case .cancelled:
                throw CancellationError()
            case .remoteConnectionClosed:
                throw TransportFailure.connectionLost("connection closed before the answer")
            default:
                throw TransportFailure.connectionLost(String(describing: error))
            }
        } catch is NIOTooManyBytesError {
            throw TransportFailure.connectionLost("the answer was larger than \(maximumResponseBytes >> 20) MiB")
        } catch let error as IOError {
            throw error.errnoCode == ECONNREFUSED
                ? TransportFailure.connectFailed(UpstreamError.connectRefused)
                : TransportFailure.connectionLost("connection reset")
        } catch is NIOCore.ChannelError {
            throw TransportFailure.connectionLost("connection reset")
        } catch let error as TransportFailure {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // NIOPosix reports a failed connect as NIOConnectionError, which lists the errno of each address tried;
            // only a refused connect is certain to have sent nothing. Anything else may have been received.
            let text = String(describing: error)
            if text.contains("NIOConnectionError") {
                throw TransportFailure.connectFailed(
                    text.contains("ECONNREFUSED") || text.contains("Connection refused")
                        ? UpstreamError.connectRefused : "cannot connect"
                )
            }
            throw TransportFailure.connectionLost("the connection failed")
        }
    }
}

extension Duration {
    fileprivate var timeAmount: TimeAmount {
        .nanoseconds(Int64(components.seconds) * 1_000_000_000 + components.attoseconds / 1_000_000_000)
    }
}

extension TimeAmount {
    fileprivate init(_ duration: Duration) { self = duration.timeAmount }
}
