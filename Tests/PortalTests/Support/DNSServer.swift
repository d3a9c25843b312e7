import Foundation
import TestSupport

@testable import Portal

#if canImport(Glibc)
    import Glibc
#endif

/// A real DNS server for tests: dnsmasq (Debian's dnsmasq-base) on a free loopback UDP port, answering only the
/// records given, with no upstream and no hosts file. Stopped when the value goes away.
final class DNSServer: Sendable {
    let port: Int
    private let process: ChildProcess

    var resolver: String { "127.0.0.1:\(port)" }

    /// Starts dnsmasq on `port`, or on a free port when nil: a port another test takes between the choice and the
    /// start is a clash, and the next attempt picks another one.
    init(port fixed: Int? = nil, txt: [String: String] = [:], cname: [String: String] = [:]) async throws {
        var chosen: (port: Int, process: ChildProcess)?
        for _ in 0..<20 where chosen == nil {
            let port = try fixed ?? Self.freePort()
            if let process = try await Self.start(port: port, txt: txt, cname: cname) { chosen = (port, process) }
        }
        guard let chosen else { throw DNSLookup.LookupError.timeout("dnsmasq did not start") }
        port = chosen.port
        process = chosen.process
    }

    /// One attempt: dnsmasq on `port`, once it answers its probe record; nil when it could not take the port.
    private static func start(port: Int, txt: [String: String], cname: [String: String]) async throws -> ChildProcess? {
        var arguments = [
            "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=",
            "--bind-interfaces", "--listen-address=127.0.0.1", "--port=\(port)", "--log-facility=-",
            // Authoritative for the test names: unknown ones are NXDOMAIN, not REFUSED for want of an upstream.
            "--local=/example/", "--local=/test/", "--txt-record=ready.probe.test,ready",
        ]
        if getuid() == 0 { arguments.append("--user=root") }
        arguments += txt.map { "--txt-record=\($0.key),\($0.value)" }
        arguments += cname.map { "--cname=\($0.key),\($0.value)" }
        // A generous answer time: on two loaded cores a running dnsmasq can take far longer than 100 ms to be heard
        // (a full `make test` once spent every attempt that way); one that cannot bind exits, which ends the wait.
        let probe = try DNSLookup(resolver: "127.0.0.1:\(port)", timeout: .seconds(1))
        let process = try ChildProcess("/usr/sbin/dnsmasq", arguments)
        // Ready once it answers its probe record; a dnsmasq that exits could not bind (a port just let go of by a
        // previous server may take a moment to be free again).
        for _ in 0..<80 where process.isRunning {
            if (try? await probe.records(.txt, at: "ready.probe.test")) != nil { return process }
            try await Task.sleep(for: .milliseconds(25))
        }
        process.signal(SIGKILL)
        await process.exit()
        return nil
    }

    /// Stops dnsmasq and waits (bounded) until its port can be bound again.
    func stop() async {
        process.signal(SIGKILL)
        await process.exit()
        for _ in 0..<100 {
            if Self.isFree(port) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    deinit {
        process.signal(SIGKILL)
    }

    /// A loopback UDP port bound for as long as the value lives, and never read: a resolver there never answers,
    /// and no other test can start a server on it meanwhile.
    final class SilentPort: Sendable {
        let port: Int
        private let descriptor: Int32

        init() throws {
            descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let descriptor = self.descriptor
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
                }
            }
            guard bound else {
                close(descriptor)
                throw DNSLookup.LookupError.badResolver("no free port")
            }
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit {
            close(descriptor)
        }
    }

    /// Whether both UDP and TCP `port` on loopback can be bound now.
    static func isFree(_ port: Int) -> Bool {
        [SOCK_DGRAM, SOCK_STREAM].allSatisfy { kind in
            let fd = socket(AF_INET, Int32(kind.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }
    }

    /// A loopback port free for both UDP and TCP now (dnsmasq listens on both; Caddy's ports are TCP), chosen below
    /// the kernel's ephemeral range: a test restarts its server on the same port later, and a port from that range
    /// could meanwhile be handed to any socket bound to port 0 (the test servers, PostgreSQL's clients).
    static func freePort() throws -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        let ephemeralLow = range?.first ?? 32_768
        let upper = max(ephemeralLow, 11_000)
        for _ in 0..<500 {
            let port = Int.random(in: 10_000..<upper)
            if isFree(port) { return port }
        }
        throw DNSLookup.LookupError.badResolver("no free port below the ephemeral range")
    }
}
