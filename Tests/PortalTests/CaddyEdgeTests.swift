import Foundation
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

#if canImport(Glibc)
    import Glibc
#endif

/// Caddy (Debian's package) in front of the portal on loopback, with its own internal CA and on-demand TLS asking
/// the portal's `/internal/tls/allowed`: the same shape as `deploy/Caddyfile`.
@Suite("TLS edge")
struct CaddyEdgeTests {
    /// Runs curl against the edge with the host resolved to loopback; returns (exit code, HTTP status, body).
    private static func fetch(_ host: String, port: Int, caFile: String) async throws -> (Int32, String, String) {
        let curl = try ChildProcess(
            "/usr/bin/curl",
            [
                "--silent", "--max-time", "10", "--cacert", caFile, "--resolve", "\(host):\(port):127.0.0.1",
                "--write-out", "\n%{http_code}", "https://\(host):\(port)/",
            ], standardOutput: .capture)
        let (termination, data, _) = await curl.run()
        let text = String(decoding: data, as: UTF8.self)
        let status = String(text.split(separator: "\n").last ?? "")
        guard case .exited(let code) = termination else { return (-1, status, text) }
        return (code, status, text)
    }

    /// Caddy on two free ports, serving once its CA exists and acme's domain answers; ports another process took
    /// between the choice and Caddy's start are a clash (Caddy exits), and the next attempt picks others.
    private static func startCaddy(root: String, portalPort: Int) async throws -> (
        process: ChildProcess, httpsPort: Int, caFile: String, acme: (Int32, String, String)
    ) {
        let caFile = root + "/data/pki/authorities/local/root.crt"
        for _ in 0..<5 {
            let httpsPort = try DNSServer.freePort()
            var httpPort = try DNSServer.freePort()
            while httpPort == httpsPort { httpPort = try DNSServer.freePort() }
            let caddyfile = """
                {
                    admin off
                    storage file_system {
                        root \(root)/data
                    }
                    skip_install_trust
                    http_port \(httpPort)
                    https_port \(httpsPort)
                    on_demand_tls {
                        ask http://127.0.0.1:\(portalPort)\(OperationsPaths.tlsAsk.link())
                    }
                }

                https:// {
                    tls internal {
                        on_demand
                    }
                    reverse_proxy 127.0.0.1:\(portalPort)
                }
                """
            try caddyfile.write(toFile: root + "/Caddyfile", atomically: true, encoding: .utf8)
            let caddy = try ChildProcess(
                "/usr/bin/caddy", ["run", "--config", root + "/Caddyfile", "--adapter", "caddyfile"],
                environment: ["HOME": root, "XDG_DATA_HOME": root, "XDG_CONFIG_HOME": root, "PATH": "/usr/bin:/bin"])
            // Caddy makes its CA on start; wait (bounded) for its root and for the HTTPS port to answer.
            var acme = (Int32(-1), "", "")
            for _ in 0..<300 where caddy.isRunning {
                if FileManager.default.fileExists(atPath: caFile) {
                    acme = try await fetch("portal.acme.example", port: httpsPort, caFile: caFile)
                    if acme.0 == 0 { return (caddy, httpsPort, caFile, acme) }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            // Still running but never serving: hand it back, so the test's expectations say what went wrong.
            if caddy.isRunning { return (caddy, httpsPort, caFile, acme) }
            // Caddy exited: it could not bind its ports, so try others.
        }
        throw POSIXError(.EADDRINUSE)
    }

    @Test("two brands' domains over HTTPS through Caddy with on-demand certificates; an unknown domain gets none")
    func httpsThroughCaddy() async throws {
        let folder = try TemporaryFolder()
        let root = folder.path
        try await withPortal { client, _ in
            let portalPort = try #require(client.port)
            let edge = try await Self.startCaddy(root: root, portalPort: portalPort)
            defer { edge.process.signal(SIGKILL) }
            let (httpsPort, caFile, acme) = (edge.httpsPort, edge.caFile, edge.acme)
            #expect(acme.0 == 0, "curl exit \(acme.0)")
            #expect(acme.1 == "200")
            #expect(acme.2.contains("Acme Hosting"))

            let globex = try await Self.fetch("globex.localhost", port: httpsPort, caFile: caFile)
            #expect(globex.0 == 0)
            #expect(globex.1 == "200")
            #expect(globex.2.contains("Globex Web"))
            #expect(!globex.2.contains("Acme Hosting"))

            // No certificate for a name no brand uses: the handshake fails (curl exit 35).
            let unknown = try await Self.fetch("unknown.example", port: httpsPort, caFile: caFile)
            #expect(unknown.0 == 35, "curl exit \(unknown.0)")
            #expect(unknown.1 != "200")
        }
    }
}
