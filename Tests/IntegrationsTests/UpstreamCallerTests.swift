import Foundation
import Integrations
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The caller's rules checked with a scripted transport, and the live transport against misbehaving sockets.
@Suite("Upstream calls")
struct UpstreamCallerTests {
    /// A transport that answers with the scripted results in turn and counts requests.
    final class Script: Sendable {
        let results: Mutex<[Result<UpstreamResponse, UpstreamTransport.TransportFailure>]>
        let sent = Mutex(0)

        init(_ results: [Result<UpstreamResponse, UpstreamTransport.TransportFailure>]) {
            self.results = Mutex(results)
        }

        var transport: UpstreamTransport {
            UpstreamTransport { _, _ in
                self.sent.withLock { $0 += 1 }
                let next = self.results.withLock { $0.isEmpty ? .failure(.timedOut) : $0.removeFirst() }
                return try next.get()
            }
        }
    }

    static func caller(_ script: Script, breakers: CircuitBreakers) -> UpstreamCaller {
        var caller = UpstreamCaller(
            tenant: "acme", upstream: .whmcs, credentialIdentifier: "identifier-abcd", transport: script.transport,
            breakers: breakers, retry: RetryPolicy(maximumAttempts: 3), timeouts: UpstreamTimeouts(total: .seconds(1)),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        caller.sleep = { _ in }
        caller.settleDelay = .zero
        return caller
    }

    static func request() -> UpstreamRequest {
        UpstreamRequest(method: .post, url: "http://127.0.0.1:1/includes/api.php")
    }

    @Test("a write that must not be repeated is sent once; its lost answer is reported as a timeout")
    func onceIsOnce() async throws {
        let script = Script([.failure(.timedOut), .success(UpstreamResponse(status: 200, body: Data()))])
        let caller = Self.caller(script, breakers: CircuitBreakers())
        await #expect(throws: UpstreamError.timedOut(.whmcs, action: "OpenTicket", milliseconds: 1000)) {
            try await caller.call(action: "OpenTicket", safety: .once, request: Self.request, decode: { _ in 1 })
        }
        #expect(script.sent.withLock { $0 } == 1)
    }

    @Test("a refused connect sent nothing, so even a once-only write is tried again")
    func refusedIsRetried() async throws {
        let script = Script([
            .failure(.connectFailed("connection refused")), .success(UpstreamResponse(status: 200, body: Data())),
        ])
        let caller = Self.caller(script, breakers: CircuitBreakers())
        let value = try await caller.call(
            action: "OpenTicket", safety: .once, request: Self.request, decode: { _ in 7 })
        #expect(value == 7)
        #expect(script.sent.withLock { $0 } == 2)
    }

    @Test("when the circuit opens after a lost answer, the caller still learns the outcome is unknown")
    func unknownOutcomeSurvivesAnOpenCircuit() async throws {
        let script = Script([.failure(.timedOut)])
        let caller = Self.caller(script, breakers: CircuitBreakers(failureThreshold: 1, openDuration: 60))
        await #expect(throws: UpstreamError.timedOut(.whmcs, action: "AddOrder", milliseconds: 1000)) {
            try await caller.call(
                action: "AddOrder", safety: .lookUpFirst, request: Self.request, decode: { _ in 1 }, lookUp: { nil }
            )
        }
        #expect(script.sent.withLock { $0 } == 1)
    }

    @Test("a cancelled trial call does not leave the circuit shut for good")
    func abandonedTrial() async throws {
        let clock = TestClock(frozenAt: Date(timeIntervalSince1970: 0))
        let breakers = CircuitBreakers(failureThreshold: 1, openDuration: 10, now: clock.now)
        let key = CircuitBreakers.Key(tenant: "acme", upstream: "whmcs")
        breakers.recordFailure(key)
        clock.advance(by: 11)
        try breakers.permit(key)  // the trial
        breakers.abandonTrial(key)
        #expect(throws: Never.self) { try breakers.permit(key) }
    }

    @Test("the total timeout also covers a body that never finishes, and a closed port is 'connection refused'")
    func liveTransportEdges() async throws {
        // A server that sends a head promising 100 bytes, then one byte, then nothing.
        let stall = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.pipeline.addHandler(StallingResponder()) }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { stall.close(promise: nil) }
        let port = try #require(stall.localAddress?.port)
        let transport = UpstreamTransport.live(UpstreamHTTP.clients, egress: .system)
        // The body never completes: only the total timeout can end this call, so the timeout error is the proof.
        await #expect(throws: UpstreamTransport.TransportFailure.timedOut) {
            var request = UpstreamRequest(method: .get, url: "http://127.0.0.1:\(port)/")
            request.egress = .anyAddress
            _ = try await transport.send(request, .milliseconds(500))
        }

        // A socket bound but never listening: connecting is refused, and no other test can take the port meanwhile.
        let reserved = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(reserved) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(reserved, $0, length) == 0 && getsockname(reserved, $0, &length) == 0
            }
        }
        #expect(bound)
        let closedPort = Int(UInt16(bigEndian: address.sin_port))
        await #expect(throws: UpstreamTransport.TransportFailure.connectFailed("connection refused")) {
            var request = UpstreamRequest(method: .get, url: "http://127.0.0.1:\(closedPort)/")
            request.egress = .anyAddress
            _ = try await transport.send(request, .seconds(5))
        }
    }
}

/// Answers any request with a head and one byte of a 100-byte body, then stays silent.
final class StallingResponder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: head)), promise: nil)
    }
}
