import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Operations")
struct OperationsTests {
    struct Health: Decodable {
        let status: String
        let version: String
        let tenants: Int
        let openTenantDatabases: Int
    }

    @Test("/health answers JSON on any host, even an unknown or malformed one")
    func health() async throws {
        try await withPortal { client, dependencies in
            for host in ["acme.localhost", "nobody.localhost", "127.0.0.1", "bad host"] {
                let response = try await client.get("/health", host: host)
                #expect(response.status == .ok, "\(host)")
                let health = try JSONDecoder().decode(Health.self, from: Data(buffer: response.body))
                #expect(health.status == "ok")
                #expect(health.version == PortalVersion.current)
                #expect(health.tenants == 2)
            }
            let open = {
                let response = try await client.get("/health", host: "localhost")
                return try JSONDecoder().decode(Health.self, from: Data(buffer: response.body)).openTenantDatabases
            }
            // A visitor's page reads the brand without keeping its database open; signed-in work opens it.
            _ = try await client.get("/", host: "acme.localhost")
            #expect(try await open() == 0)
            try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) { _ in }
            #expect(try await open() == 1)
        }
    }

    @Test(
        "every response carries the security headers and a request id",
        arguments: [
            ("/", "acme.localhost", 200), ("/nope", "acme.localhost", 404), ("/", "nobody.localhost", 404),
            ("/", "bad host", 400), ("/health", "acme.localhost", 200), ("/static/base.css", "acme.localhost", 200),
        ])
    func securityHeaders(path: String, host: String, status: Int) async throws {
        try await withPortal { client, _ in
            let response = try await client.get(path, host: host)
            #expect(response.status.code == status)
            let csp = try #require(response.headers[.contentSecurityPolicy])
            #expect(csp.contains("default-src 'self'"))
            #expect(csp.contains("frame-ancestors 'none'"))
            #expect(!csp.contains("unsafe-inline"))
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "strict-origin-when-cross-origin")
            #expect(response.headers[HTTPField.Name("Permissions-Policy")!]?.contains("camera=()") == true)
            #expect(response.headers[.strictTransportSecurity] == nil)
            let requestID = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
            #expect(requestID.count == 16)
        }
    }

    @Test("request ids differ per request and a client cannot choose its own")
    func requestIDs() async throws {
        try await withPortal { client, _ in
            let chosen: HTTPFields = [HTTPField.Name("X-Request-Id")!: "chosen-by-client"]
            let first = try await client.get("/", host: "acme.localhost", headers: chosen)
            let second = try await client.get("/", host: "acme.localhost")
            let firstID = first.headers[HTTPField.Name("X-Request-Id")!]
            #expect(firstID != "chosen-by-client")
            #expect(firstID != second.headers[HTTPField.Name("X-Request-Id")!])
        }
    }

    @Test("one log line per request with id, tenant, method, path without query, status and duration")
    func requestLog() async throws {
        let capture = LogCapture()
        try await withPortal(logger: capture.logger) { client, _ in
            let response = try await client.get("/?token=secret-value", host: "acme.localhost")
            _ = try await client.get("/", host: "nobody.localhost")
            let lines = capture.captured.filter { $0.message == "request" }
            // One line per request id (a read the test client asks again after its deadline is a request of its own).
            let ids = lines.compactMap { $0.metadata["request_id"] }
            #expect(Set(ids).count == ids.count && ids.count >= 2)
            let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
            let line = try #require(lines.first { $0.metadata["request_id"] == id })
            #expect(line.metadata["tenant"] == "acme")
            #expect(line.metadata["method"] == "GET")
            #expect(line.metadata["path"] == "/")
            #expect(line.metadata["status"] == "200")
            #expect(Double(line.metadata["duration_ms"] ?? "") != nil)
            #expect(lines.contains { $0.metadata["tenant"] == "-" && $0.metadata["status"] == "404" })
            #expect(!capture.captured.contains { "\($0.metadata)".contains("secret-value") })
        }
    }

    @Test("changes made by the CLI in another process are picked up by the once-a-second watcher")
    func registryPickup() async throws {
        try await withPortal { client, dependencies in
            // A second connection stands in for `portal tenant suspend` run from a shell.
            let cli = try PlatformDatabase(dataDirectory: dependencies.dataDirectory)
            defer { try? cli.close() }
            _ = try cli.setStatus(.suspended, slug: TenantSlug(validating: "globex"))
            let changedAt = ContinuousClock.now

            // The watcher polls every second; the bound here is loose because the suite runs in parallel
            // on two cores. Timing itself is a benchmark matter, not a test's.
            #expect(dependencies.configuration.registryPollInterval == .seconds(1))
            var status = HTTPResponse.Status.ok
            while status != .serviceUnavailable && changedAt.duration(to: .now) < .seconds(30) {
                try await Task.sleep(for: .milliseconds(100))
                status = try await client.get("/", host: "globex.localhost").status
            }
            #expect(status == .serviceUnavailable)

            let onboarding = TenantOnboarding(
                platform: cli, dataDirectory: dependencies.dataDirectory, baseDomain: "localhost")
            try onboarding.addTenant(.init(slug: "initech", name: "Initech Cloud"))
            let addedAt = ContinuousClock.now
            var added = try await client.get("/", host: "initech.localhost")
            while added.status != .ok && addedAt.duration(to: .now) < .seconds(30) {
                try await Task.sleep(for: .milliseconds(100))
                added = try await client.get("/", host: "initech.localhost")
            }
            #expect(added.status == .ok)
            #expect(added.text.contains("Initech Cloud"))
        }
    }

    @Test("renaming or removing a tenant drops its cached page and closes its database")
    func registryChangesInvalidate() async throws {
        try await withPortal { client, dependencies in
            #expect(try await client.get("/", host: "acme.localhost").text.contains("<title>Acme Hosting"))
            try await dependencies.platform.pool.write { db in
                try db.execute(sql: "UPDATE tenants SET name = 'Acme Renamed' WHERE slug = 'acme'")
            }
            try await dependencies.registry.reload()
            #expect(try await client.get("/", host: "acme.localhost").text.contains("<title>Acme Renamed"))

            let onboarding = TenantOnboarding(
                platform: dependencies.platform, dataDirectory: dependencies.dataDirectory, baseDomain: "localhost"
            )
            try onboarding.removeTenant(slug: "acme")
            try await dependencies.registry.reload()
            await dependencies.databases.finishClosing()
            #expect(try await client.get("/", host: "acme.localhost").status == .notFound)
            #expect(dependencies.databases.openCount == 0)
        }
    }

    @Test("shutting down closes every tenant database")
    func gracefulShutdown() async throws {
        let state = ShutdownProbe()
        try await withPortal { client, dependencies in
            for slug in ["acme", "globex"] {
                try await dependencies.databases.withDatabase(for: try dependencies.registryTenant(slug)) { _ in }
            }
            #expect(dependencies.databases.openCount == 2)
            state.value.withLock { $0 = dependencies.databases }
        }
        let databases = try #require(state.value.withLock { $0 })
        #expect(databases.openCount == 0)
    }

    @Test("HEAD answers like GET without a body")
    func head() async throws {
        try await withPortal { client, _ in
            var headers = HTTPFields()
            headers[.testHost] = "acme.localhost"
            let response = try await client.execute(uri: "/", method: .head, headers: headers)
            #expect(response.status == .ok)
            #expect(response.body.readableBytes == 0)
        }
    }

    @Test("money is formatted from integer minor units")
    func money() {
        #expect(Money.format(minor: 299, currency: "GBP") == "£2.99")
        #expect(Money.format(minor: 1_234_567, currency: "USD") == "$12,345.67")
        #expect(Money.format(minor: 5, currency: "EUR") == "€0.05")
        #expect(Money.format(minor: 1500, currency: "JPY") == "¥1,500")
        #expect(Money.format(minor: 1000, currency: "CHF") == "CHF 10.00")
        #expect(Money.format(minor: -250, currency: "GBP") == "-£2.50")
    }
}

/// Carries a value out of the test closure so it can be checked after the server stops.
final class ShutdownProbe: Sendable {
    let value = Mutex<TenantDatabases?>(nil)
}
