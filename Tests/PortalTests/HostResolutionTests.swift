import Foundation
import HTTPTypes
import HummingbirdTesting
import Tenancy
import Testing

@testable import Portal

@Suite("Host resolution")
struct HostResolutionTests {
    @Test(
        "a malformed Host answers 400",
        arguments: [
            "", " ", "acme localhost", "ácme.localhost", "acme..localhost", "-acme.localhost", "acme_x.localhost",
            "acme.localhost:99999", "acme.localhost:http", String(repeating: "abcdefghi.", count: 26) + "localhost",
            String(repeating: "a", count: 64) + ".localhost",
        ]
    )
    func malformedHost(host: String) async throws {
        try await withPortal { client, _ in
            let response = try await client.get("/", host: host)
            #expect(response.status == .badRequest)
            #expect(!response.text.contains("Acme"))
            #expect(response.headers[.contentSecurityPolicy] != nil)
        }
    }

    @Test("a request with no Host or with two Host headers answers 400")
    func missingOrDuplicateHost() async throws {
        try await withPortal { client, _ in
            let port = try #require(client.port)
            let missing = try await rawHTTP(port: port, request: "GET / HTTP/1.0\r\n\r\n")
            #expect(missing.hasPrefix("HTTP/1.1 400") || missing.hasPrefix("HTTP/1.0 400"), "\(missing.prefix(40))")
            let twice = try await rawHTTP(
                port: port,
                request: "GET / HTTP/1.1\r\nHost: acme.localhost\r\nHost: globex.localhost\r\nConnection: close\r\n\r\n"
            )
            #expect(twice.hasPrefix("HTTP/1.1 400"), "\(twice.prefix(40))")
            #expect(!twice.contains("Acme Hosting") && !twice.contains("Globex Web"))
        }
    }

    @Test("an unknown host answers a neutral 404 that names no tenant")
    func unknownHost() async throws {
        try await withPortal { client, _ in
            for host in ["nobody.localhost", "acme.example", "www.acme.localhost", "localhost", "127.0.0.1"] {
                let response = try await client.get("/", host: host)
                #expect(response.status == .notFound, "\(host)")
                let body = response.text.lowercased()
                #expect(!body.contains("acme") && !body.contains("globex"), "\(host)")
                #expect(!body.contains("theme.css"))
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
        }
    }

    @Test("an unknown path on a tenant host answers that tenant's branded 404; JSON clients get JSON")
    func brandedNotFound() async throws {
        try await withPortal { client, _ in
            let page = try await client.get("/no-such-page", host: "acme.localhost")
            #expect(page.status == .notFound)
            #expect(page.text.contains("Acme Hosting"))
            #expect(page.text.contains("Page not found"))
            #expect(!page.text.contains("Globex"))

            let json = try await client.get(
                "/no-such-page", host: "acme.localhost", headers: [.accept: "application/json"])
            #expect(json.status == .notFound)
            #expect(json.headers[.contentType] == "application/json; charset=utf-8")
            let error = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: json.body))
            #expect(error.error.code == "not_found")
            #expect(!error.error.message.isEmpty)
        }
    }

    @Test("a suspended tenant answers a branded 503; other tenants are unaffected")
    func suspended() async throws {
        try await withPortal { client, dependencies in
            _ = try dependencies.platform.setStatus(.suspended, slug: TenantSlug(validating: "acme"))
            try await dependencies.registry.reload()

            let response = try await client.get("/", host: "acme.localhost")
            #expect(response.status == .serviceUnavailable)
            #expect(response.text.contains("Acme Hosting"))
            #expect(response.text.contains("temporarily unavailable"))
            #expect(!response.text.contains("Acme Starter"))
            #expect(response.headers[.retryAfter] != nil)
            #expect(try await client.get("/theme.css", host: "acme.localhost").status == .serviceUnavailable)

            #expect(try await client.get("/", host: "globex.localhost").status == .ok)
        }
    }

    @Test("X-Forwarded-Host is ignored from a peer that is not a trusted proxy")
    func untrustedForwarding() async throws {
        try await withPortal(configure: { $0.trustedProxies = [CIDR("10.0.0.0/8")!] }) { client, _ in
            let response = try await client.get(
                "/",
                host: "acme.localhost",
                headers: [.testForwardedHost: "globex.localhost", .testForwardedProto: "https"]
            )
            #expect(response.text.contains("<title>Acme Hosting"))
            #expect(response.headers[.strictTransportSecurity] == nil)
        }
    }

    @Test("X-Forwarded-Host and -Proto are honoured from a trusted proxy, with HSTS over TLS")
    func trustedForwarding() async throws {
        try await withPortal(configure: { $0.trustedProxies = [CIDR("127.0.0.0/8")!] }) { client, _ in
            let forwarded = try await client.get(
                "/",
                host: "internal.node",
                headers: [.testForwardedHost: "globex.localhost", .testForwardedProto: "https"]
            )
            #expect(forwarded.text.contains("<title>Globex Web"))

            // What the client put first is not believed: the proxy's own value is the right-most one.
            let spoofed = try await client.get(
                "/", host: "internal.node",
                headers: [.testForwardedHost: "acme.localhost, globex.localhost", .testForwardedProto: "https, http"])
            #expect(spoofed.text.contains("<title>Globex Web"))
            #expect(spoofed.headers[.strictTransportSecurity] == nil, "the proxy said http")
            #expect(forwarded.headers[.strictTransportSecurity]?.contains("max-age=") == true)

            let plain = try await client.get("/", host: "acme.localhost")
            #expect(plain.text.contains("<title>Acme Hosting"))
            #expect(plain.headers[.strictTransportSecurity] == nil)

            let badForwarded = try await client.get(
                "/", host: "acme.localhost", headers: [.testForwardedHost: "bad host"])
            #expect(badForwarded.status == .badRequest)

            // A trusted proxy's request id is kept so log lines correlate across hops.
            let traced = try await client.get(
                "/", host: "acme.localhost", headers: [HTTPField.Name("X-Request-Id")!: "edge-42.a_b"]
            )
            #expect(traced.headers[HTTPField.Name("X-Request-Id")!] == "edge-42.a_b")
        }
    }

    @Test("the forwarded client address is the right-most hop that is not a trusted proxy")
    func forwardedClient() {
        let trusted = [CIDR("10.0.0.0/8")!, CIDR("127.0.0.1")!]
        #expect(RequestOriginMiddleware.forwardedClient(["203.0.113.9, 10.1.2.3"], trusted: trusted) == "203.0.113.9")
        #expect(
            RequestOriginMiddleware.forwardedClient(["1.1.1.1, 203.0.113.9", "10.0.0.1"], trusted: trusted)
                == "203.0.113.9")
        #expect(RequestOriginMiddleware.forwardedClient(["not-an-ip"], trusted: trusted) == nil)
    }

    @Test("CIDR matching for IPv4, IPv6 and IPv4-mapped addresses")
    func cidr() throws {
        let v4 = try #require(CIDR("192.168.0.0/16"))
        #expect(v4.contains("192.168.4.5"))
        #expect(!v4.contains("192.169.0.1"))
        #expect(v4.contains("::ffff:192.168.1.1"))
        let v6 = try #require(CIDR("fd00::/8"))
        #expect(v6.contains("fd12:3456::1"))
        #expect(!v6.contains("fe80::1"))
        #expect(CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("nonsense") == nil)
        #expect(CIDR("10.1.2.3")?.prefixLength == 32)
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let code: String
            let message: String
        }
        let error: Detail
    }
}
