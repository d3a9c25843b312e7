import HTTPTypes
import NIOCore
import NIOHTTPTypes

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Sits between HTTP decoding and Hummingbird on every simulator connection and carries out the injected
/// faults that need the connection itself: resets, silence, and dropping an answer after the work is done.
/// The control endpoint (`/__sandbox/…`) is never faulted, so a test can always switch faults off.
final class FaultHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let injector: FaultInjector
    /// The fault of the request being handled on this connection.
    private var current: FaultMode = .none

    init(injector: FaultInjector) {
        self.injector = injector
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .head(let head) = part {
            current = head.path?.hasPrefix(SimulatorServer.controlPrefix) == true ? .none : injector.take()
            if current == .reset {
                let channel = context.channel
                // SO_LINGER 0 makes close send RST rather than FIN: the client sees "connection reset by peer".
                if let provider = channel as? any SocketOptionProvider {
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
                        channel.close(promise: nil)
                    }
                } else {
                    channel.close(promise: nil)
                }
                return
            }
        }
        switch current {
        case .reset, .timeout:
            return
        case .http500:
            if case .end = part { writeServerError(context: context) }
            return
        case .none, .commitThenTimeout:
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard current == .commitThenTimeout else {
            context.write(data, promise: promise)
            return
        }
        // The work is done; the answer is thrown away and the connection left open until the client gives up.
        promise?.succeed(())
    }

    private func writeServerError(context: ChannelHandlerContext) {
        current = .none
        let body =
            "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>\n"
        var response = HTTPResponse(status: .internalServerError)
        response.headerFields[.contentType] = "text/html; charset=UTF-8"
        response.headerFields[.contentLength] = String(body.utf8.count)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(string: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
