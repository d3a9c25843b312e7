import Foundation

@testable import Portal

#if canImport(Glibc)
    import Glibc
#endif

/// A real DNS server for tests: dnsmasq (Debian's dnsmasq-base) on a free loopback UDP port, answering only the
/// records given, with no upstream and no hosts file. Stopped when the value goes away.
final class DNSServer: Sendable {
    let port: Int
    private let process: Process

    var resolver: String { "127.0.0.1:\(port)" }

    init(port: Int? = nil, txt: [String: String] = [:], cname: [String: String] = [:]) async throws {
        self.port = try port ?? Self.freePort()
        let port = self.port
        var arguments = [
            "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=",
            "--bind-interfaces", "--listen-address=127.0.0.1", "--port=\(port)", "--log-facility=-",
            // Authoritative for the test names: unknown ones are NXDOMAIN, not REFUSED for want of an upstream.
            "--local=/example/", "--local=/test/", "--txt-record=ready.probe.test,ready",
        ]
        if getuid() == 0 { arguments.append("--user=root") }
        arguments += txt.map { "--txt-record=\($0.key),\($0.value)" }
        arguments += cname.map { "--cname=\($0.key),\($0.value)" }
        let probe = try DNSLookup(resolver: "127.0.0.1:\(port)", timeout: .milliseconds(100))
        // A port just let go of (by the previous server of a test) may take a moment to be free again.
        var started: Process?
        for _ in 0..<20 where started == nil {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/dnsmasq")
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try ProcessLaunch.run(process)
            // Ready once it answers its probe record.
            for _ in 0..<40 where process.isRunning {
                if (try? await probe.records(.txt, at: "ready.probe.test")) != nil {
                    started = process
                    break
                }
                try await Task.sleep(for: .milliseconds(25))
            }
            if started == nil {
                kill(process.processIdentifier, SIGKILL)
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        guard let started else { throw DNSLookup.LookupError.timeout("dnsmasq did not start on port \(port)") }
        process = started
    }

    /// Stops dnsmasq and waits (bounded) until its port can be bound again.
    func stop() async {
        let pid = process.processIdentifier
        kill(pid, SIGKILL)
        for _ in 0..<100 {
            if Self.isFree(port) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
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

    /// A loopback port free for both UDP and TCP now (dnsmasq listens on both; Caddy's ports are TCP).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        // Let go of the port before checking it is free on both protocols.
        close(fd)
        guard bound else { throw DNSLookup.LookupError.badResolver("no free port") }
        let port = Int(UInt16(bigEndian: address.sin_port))
        return isFree(port) ? port : try freePort()
    }
}
