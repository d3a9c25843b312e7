import Foundation
import Integrations
import NIOCore
import NIOPosix
import Synchronization
import TestSupport
import Testing

/// Outbound connections go only where they were checked: literals by their bytes, names by what they resolve to,
/// and the connection to exactly the checked address.
@Suite("Outbound address checks")
struct EgressTests {
    @Test(
        "every literal spelling is judged by its bytes",
        arguments: [
            ("127.0.0.1", NetworkAddress.Scope.loopback), ("127.1", .loopback), ("0x7f.1", .loopback),
            ("0X7F.0.0.1", .loopback), ("2130706433", .loopback), ("017700000001", .loopback), ("[::1]", .loopback),
            ("[0::1]", .loopback), ("[0:0:0:0:0:0:0:1]", .loopback), ("[::ffff:7f00:1]", .mappedIPv4),
            ("[::ffff:127.0.0.1]", .mappedIPv4), ("[64:ff9b::7f00:1]", .nat64), ("[64:ff9b:1::a00:1]", .nat64),
            ("10.1.2.3", .privateNetwork), ("172.16.0.1", .privateNetwork), ("192.168.1.1", .privateNetwork),
            ("100.64.0.1", .sharedAddressSpace), ("169.254.169.254", .linkLocal), ("[fe80::1]", .linkLocal),
            ("[fd00::1]", .uniqueLocal), ("[ff02::1]", .multicast), ("224.0.0.1", .multicast),
            ("0.0.0.0", .unspecified), ("[::]", .unspecified), ("0", .unspecified), ("240.0.0.1", .reserved),
            ("[2002:7f00:1::1]", .reserved), ("[2001::1]", .reserved), ("[2001:db8::1]", .reserved),
            ("[::7f00:1]", .reserved), ("8.8.8.8", .global), ("[2606:4700:4700::1111]", .global),
            ("172.32.0.1", .global),
        ])
    func literalScopes(literal: String, scope: NetworkAddress.Scope) throws {
        let address = try #require(NetworkAddress(literal: literal), "\(literal)")
        #expect(address.scope == scope, "\(literal) is \(address)")
        #expect(address.isPublic == (scope == .global))
    }

    @Test("names, zones and nonsense are not literals")
    func notLiterals() {
        for host in [
            "billing.example.com", "127.0.0.1.nip.io", "face", "[fe80::1%eth0]", "1.2.3.4.5", "127.0.0.1 x", "",
        ] {
            #expect(NetworkAddress(literal: host) == nil, "\(host)")
        }
    }

    static func resolver(_ table: [String: [String]], lookups: Counter? = nil) -> HostResolver {
        HostResolver { name in
            lookups?.add()
            guard let answers = table[name] else { throw HostResolver.LookupFailed(description: "no such name") }
            return answers.compactMap { NetworkAddress(literal: $0) }
        }
    }

    /// The refusal for `host`, or nil when an address was given.
    static func refusal(_ egress: Egress, _ host: String, _ policy: EgressPolicy) async -> EgressRefusal? {
        do {
            _ = try await egress.address(for: host, policy: policy)
            return nil
        } catch {
            return error
        }
    }

    @Test("a name that resolves to a private address is refused for live brands, with the reason kept for the log")
    func refusesPrivateNames() async throws {
        let egress = Egress(
            resolver: Self.resolver([
                "127.0.0.1.nip.io": ["127.0.0.1"], "mixed.example": ["93.184.216.34", "10.0.0.7"],
                "billing.example": ["93.184.216.34", "2606:2800:220:1::1"],
            ]))
        let rebound = await Self.refusal(egress, "127.0.0.1.nip.io", .publicOnly)
        #expect(rebound?.host == "127.0.0.1.nip.io")
        #expect(rebound?.detail.contains("127.0.0.1 (loopback)") == true)
        // One private address among public ones is enough to refuse; the host is named as the owner typed it.
        let mixed = await Self.refusal(egress, "Mixed.Example.", .publicOnly)
        #expect(mixed?.host == "mixed.example")
        #expect(mixed?.detail.contains("10.0.0.7 (private)") == true)
        // Unknown names are refused too: nothing to connect to.
        #expect(await Self.refusal(egress, "nowhere.example", .anyAddress) != nil)
        // A public name connects to one of its own addresses, IPv4 first; sandbox brands may reach loopback.
        #expect(try await egress.address(for: "billing.example", policy: .publicOnly).description == "93.184.216.34")
        #expect(try await egress.address(for: "127.0.0.1.nip.io", policy: .anyAddress).description == "127.0.0.1")
        #expect(try await egress.address(for: "demo.localhost", policy: .anyAddress).description == "127.0.0.1")
        #expect(await Self.refusal(egress, "demo.localhost", .publicOnly) != nil)
    }

    @Test("a lookup is reused for a short while, so a name cannot answer differently between check and connect")
    func reusesLookups() async throws {
        let lookups = Counter()
        let egress = Egress(resolver: Self.resolver(["api.example": ["93.184.216.34"]], lookups: lookups))
        for _ in 0..<5 { _ = try await egress.address(for: "api.example", policy: .publicOnly) }
        #expect(lookups.value == 1)
    }

    /// An HTTP server on loopback that answers every request with `ok` and counts connections.
    final class CountingServer: Sendable {
        let channel: any Channel
        let connections: Counter

        static func start() async throws -> CountingServer {
            let connections = Counter()
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    connections.add()
                    return channel.pipeline.addHandler(OKResponder())
                }
                .bind(host: "127.0.0.1", port: 0).get()
            return CountingServer(channel: channel, connections: connections)
        }

        init(channel: any Channel, connections: Counter) {
            self.channel = channel
            self.connections = connections
        }

        var port: Int { channel.localAddress?.port ?? 0 }
    }

    final class OKResponder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: answer)), promise: nil)
        }
    }

    @Test("the HTTP transport connects to the checked address and never sends to a refused one")
    func transportPins() async throws {
        let server = try await CountingServer.start()
        defer { server.channel.close(promise: nil) }
        let clients = PinnedHTTPClients(configuration: UpstreamHTTP.configuration)
        // No resolver on this machine knows whmcs.test: an answer proves the client used the pinned address.
        let transport = UpstreamTransport.live(
            clients, egress: Egress(resolver: Self.resolver(["whmcs.test": ["127.0.0.1"]])))
        var sandbox = UpstreamRequest(method: .get, url: "http://WHMCS.test.:\(server.port)/includes/api.php")
        sandbox.egress = .anyAddress
        let answer = try await transport.send(sandbox, .seconds(30))
        #expect(answer.status == 200 && String(decoding: answer.body, as: UTF8.self) == "ok")
        var literal = UpstreamRequest(method: .get, url: "http://0x7f.1:\(server.port)/")
        literal.egress = .anyAddress
        #expect(try await transport.send(literal, .seconds(30)).status == 200)
        #expect(server.connections.value == 2)

        for url in [
            "http://whmcs.test:\(server.port)/", "http://0x7f.1:\(server.port)/", "http://[0::1]:\(server.port)/",
            "http://[0:0:0:0:0:0:0:1]:\(server.port)/", "http://[::ffff:7f00:1]:\(server.port)/",
            "http://2130706433:\(server.port)/", "http://localhost:\(server.port)/",
        ] {
            do {
                _ = try await transport.send(UpstreamRequest(method: .get, url: url), .seconds(30))
                Issue.record("\(url) should have been refused")
            } catch let UpstreamTransport.TransportFailure.addressRefused(refusal) {
                #expect(!refusal.detail.isEmpty, "\(url)")
            }
        }
        #expect(server.connections.value == 2)
        await clients.shutdown()
    }

    @Test("pinned clients are bounded: the least recently used is shut down once idle")
    func boundedClients() async throws {
        let server = try await CountingServer.start()
        defer { server.channel.close(promise: nil) }
        let clients = PinnedHTTPClients(configuration: UpstreamHTTP.configuration, capacity: 2)
        let names = ["a.test", "b.test", "c.test", "d.test"]
        let transport = UpstreamTransport.live(
            clients,
            egress: Egress(resolver: Self.resolver(Dictionary(uniqueKeysWithValues: names.map { ($0, ["127.0.0.1"]) })))
        )
        for name in names {
            var request = UpstreamRequest(method: .get, url: "http://\(name):\(server.port)/")
            request.egress = .anyAddress
            #expect(try await transport.send(request, .seconds(30)).status == 200)
        }
        #expect(clients.openClients == 2)
        await clients.shutdown()
        #expect(clients.openClients == 0)
    }

    @Test("an upstream call refused by the address check is not retried and names only the host")
    func callerDoesNotRetry() async throws {
        let lookups = Counter()
        let transport = UpstreamTransport.live(
            PinnedHTTPClients(configuration: UpstreamHTTP.configuration),
            egress: Egress(resolver: Self.resolver(["rebind.example": ["10.0.0.5"]], lookups: lookups)))
        let logs = LogCapture()
        var caller = UpstreamCaller(
            tenant: "acme", upstream: .whmcs, credentialIdentifier: "abcd1234", transport: transport,
            breakers: CircuitBreakers(), logger: logs.logger)
        caller.sleep = { _ in }
        do {
            _ = try await caller.call(
                action: "GetClientGroups", safety: .safe,
                request: { UpstreamRequest(method: .post, url: "https://rebind.example/includes/api.php") },
                decode: { _ in true })
            Issue.record("the call should have been refused")
        } catch let error as UpstreamError {
            #expect(error.description == "WHMCS could not connect to rebind.example")
            #expect(!error.description.contains("10.0.0.5"))
        }
        #expect(lookups.value == 1)
        #expect(logs.all.contains { $0.contains("10.0.0.5 (private)") })
    }
}
