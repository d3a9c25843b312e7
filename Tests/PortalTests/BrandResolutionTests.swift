import Foundation
import GRDB
import HummingbirdTesting
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// The brand is read once per request; a brand that cannot be read takes down its storefront pages only.
@Suite("Brand on the request")
struct BrandResolutionTests {
    @Test(
        "a brand whose content cannot be built: storefront 503, staff can still sign in, the cause is logged, others unaffected"
    )
    func unreadableBrand() async throws {
        let capture = LogCapture()
        try await withPortal(logger: capture.logger) { client, dependencies in
            let acme = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: acme) { database in
                try await database.pool.write { db in try db.execute(sql: "DELETE FROM brand WHERE id = 1") }
            }
            dependencies.storefront.invalidate(acme)

            let home = try await client.get("/", host: "acme.localhost")
            #expect(home.status == .serviceUnavailable)
            let signIn = try await client.get("/admin/login", host: "acme.localhost")
            #expect(signIn.status == .ok)
            #expect(
                signIn.text.contains("<title>Sign in — Acme Hosting</title>") || signIn.text.contains("Acme Hosting"))
            #expect(
                capture.captured.contains {
                    $0.message == "brand content could not be built" && $0.metadata["tenant"] == "acme"
                })
            #expect(try await client.get("/", host: "globex.localhost").status == .ok)
        }
    }

    @Test("health, static files and the product API never build a brand")
    func hostIndependentPathsSkipTheBrand() async throws {
        let capture = LogCapture()
        try await withPortal(logger: capture.logger) { client, dependencies in
            let acme = try dependencies.registryTenant("acme")
            try await dependencies.databases.withDatabase(for: acme) { database in
                try await database.pool.write { db in try db.execute(sql: "DELETE FROM brand WHERE id = 1") }
            }
            dependencies.storefront.invalidate(acme)
            #expect(try await client.get("/health", host: "acme.localhost").status == .ok)
            #expect(try await client.get("/static/base.css", host: "acme.localhost").status == .ok)
            let api = try await client.execute(
                uri: "/api/products/add", method: .post, headers: [.testHost: "acme.localhost"])
            #expect(api.status == .unauthorized, "the API answers for itself (no key), not with a missing brand")
            #expect(!capture.captured.contains { $0.message == "brand content could not be built" })
        }
    }
}
