import Cluster
import Foundation
import HTTPTypes
import HummingbirdTesting
import Portal
import Tenancy
import TestSupport
import Testing

/// Two portal nodes on one shared registry: each serves the tenants assigned to it and answers 421, naming the
/// owner, for the others, without reading their data.
@Suite("Nodes of a cluster")
struct ClusterNodeTests {
    static func settings(_ url: String, node: String) throws -> ClusterSettings {
        var settings = ClusterSettings(
            registry: try RegistryURL(parsing: url), node: node, advertise: "http://127.0.0.1:1")
        settings.heartbeatInterval = .milliseconds(200)
        return settings
    }

    /// Registers a brand through the node's writer (so it is assigned to that node), with a fresh database.
    static func addBrand(_ slug: String, name: String, on dependencies: PortalDependencies) async throws -> Tenant {
        let onboarding = TenantOnboarding(
            platform: dependencies.platform, dataDirectory: dependencies.dataDirectory,
            baseDomain: dependencies.configuration.baseDomain)
        let templates = dependencies.dataDirectory.templatesFolder
        return try await onboarding.register(.init(slug: slug, name: name), writer: dependencies.registryWriter) {
            staging in
            let database = try TenantDatabase.create(
                path: staging.appendingPathComponent("tenant.sqlite").path, slug: try TenantSlug(validating: slug),
                templates: templates)
            try database.updateBrandNow { $0.companyName = name }
            try database.close()
        }
    }

    @Test("each node serves its own brands; the other answers 421 naming the owner, and never opens the brand's data")
    func misdirected() async throws {
        let url = try await TestPostgres.freshDatabase()
        let first = try TemporaryFolder()
        let second = try TemporaryFolder()
        try await withExistingPortal(
            dataPath: first.path, configure: { $0.cluster = try? Self.settings(url, node: "node-1") }
        ) {
            one, nodeOne in
            try await withExistingPortal(
                dataPath: second.path, configure: { $0.cluster = try? Self.settings(url, node: "node-2") }
            ) {
                two, nodeTwo in
                let acme = try await Self.addBrand("acme", name: "Acme Hosting", on: nodeOne)
                let globex = try await Self.addBrand("globex", name: "Globex Cloud", on: nodeTwo)
                // The writer returns once its own node's copy shows the brand; the other node learns it by NOTIFY.
                try await waitFor { nodeTwo.registry.snapshot.tenantsByID[acme.id] != nil }
                try await waitFor { nodeOne.registry.snapshot.tenantsByID[globex.id] != nil }

                let home = try await one.get("/", host: "acme.localhost")
                #expect(home.status == .ok)
                #expect(home.text.contains("Acme Hosting"))

                let away = try await two.get("/", host: "acme.localhost")
                #expect(away.status == .misdirectedRequest)
                #expect(away.headers[HTTPField.Name("Portal-Node")!] == "node-1")
                #expect(!away.text.contains("Acme Hosting"))
                var json: HTTPFields = [.accept: "application/json"]
                json[.testHost] = "acme.localhost"
                let api = try await two.execute(uri: "/account", method: .get, headers: json)
                #expect(api.status == .misdirectedRequest)
                #expect(api.text.contains(#""code":"misdirected""#))

                // The same from the other side, for the other brand.
                #expect(try await two.get("/", host: "globex.localhost").text.contains("Globex Cloud"))
                let back = try await one.get("/", host: "globex.localhost")
                #expect(back.status == .misdirectedRequest)
                #expect(back.headers[HTTPField.Name("Portal-Node")!] == "node-2")

                // Neither node opens, or runs jobs for, the other's brand.
                await #expect(throws: TenancyError.notHeld("acme", node: "node-1")) {
                    try await nodeTwo.databases.withDatabase(for: acme) { _ in }
                }
                #expect(nodeOne.registry.heldTenants.map(\.slug.rawValue) == ["acme"])
                #expect(nodeTwo.registry.heldTenants.map(\.slug.rawValue) == ["globex"])
                // Host-independent paths answer on every node.
                #expect(try await two.get("/health", host: "acme.localhost").status == .ok)
            }
        }
    }
}

/// Waits until `condition` holds, checking every 50 ms at most 600 times: bounded by attempts, not by time.
func waitFor(_ condition: () throws -> Bool) async throws {
    for _ in 0..<600 {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("the condition did not hold after 600 checks")
}
