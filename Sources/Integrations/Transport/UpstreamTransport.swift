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
    }

    /// Answers larger than this are refused: no upstream answer the portal needs comes near it.
    package static let maximumResponseBytes = 8 << 20

    /// A transport over `client`; its connect timeout comes from the client's configuration.
    package static func live(_ client: HTTPClient) -> UpstreamTransport {
        UpstreamTransport { request, timeout in
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
                case .remoteConnectionClosed, .cancelled:
                    throw TransportFailure.connectionLost("connection closed before the answer")
                default:
                    throw TransportFailure.connectionLost(String(describing: error))
                }
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
                // NIOPosix's connection error lists each address tried; refused is the common case on loopback.
                let text = String(describing: error)
                throw TransportFailure.connectFailed(
                    text.contains("refused") || text.contains("ECONNREFUSED") ? UpstreamError.connectRefused : "cannot connect"
                )
            }
        }
    }
}

extension Duration {
    fileprivate var timeAmount: TimeAmount { .nanoseconds(Int64(components.seconds) * 1_000_000_000 + components.attoseconds / 1_000_000_000) }
}

extension TimeAmount {
    fileprivate init(_ duration: Duration) { self = duration.timeAmount }
}
