import Foundation
import Logging
import Testing

@testable import Integrations

/// WHM, 20i and TheSSLStore clients against each vendor's own documented examples, kept byte for byte in
/// `Fixtures/<Vendor>/` (provenance in each folder's SOURCES.md).
@Suite("WHM, 20i and TheSSLStore clients against the vendors' documented examples")
struct VendorGoldenTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ path: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(path))
    }

    /// A caller whose every request is answered by `answer` (the request's URL → the documented body).
    static func caller(_ upstream: Upstream, _ answer: @escaping @Sendable (String) throws -> Data) -> UpstreamCaller {
        UpstreamCaller(
            tenant: "acme", upstream: upstream, credentialIdentifier: "golden",
            transport: UpstreamTransport { request, _ in UpstreamResponse(status: 200, body: try answer(request.url)) },
            breakers: CircuitBreakers(), retry: RetryPolicy(maximumAttempts: 1),
            timeouts: UpstreamTimeouts(total: .seconds(30)),
            logger: Logger(label: "golden", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @Test("WHM: listpkgs, createacct, myprivs and the bare-envelope answers of suspend, unsuspend, change and remove")
    func whm() async throws {
        let client = WHMClient(
            credentials: WHMCredentials(baseURL: "https://server.example:2087", username: "racme", token: "T"),
            caller: Self.caller(.whm) { url in
                let function = url.split(separator: "/").last?.split(separator: "?").first.map(String.init) ?? ""
                return try Self.fixture("WHM/\(function).response.json")
            })
        let packages = try await client.packages()
        #expect(!packages.isEmpty && packages.allSatisfy { !$0.name.isEmpty })
        let created = try await client.createAccount(
            WHMNewAccount(username: "golden", domain: "golden.example", plan: "starter", contactEmail: ""))
        #expect(created.ip == "192.0.2.0")
        // The documented sample holds every privilege at 0: the reseller lacks all the portal needs.
        #expect(try await client.missingPrivileges() == WHMClient.privilegesNeeded)
        for function in ["suspendacct", "unsuspendacct", "changepackage", "removeacct", "installssl"] {
            let body = try Self.fixture("WHM/\(function).response.json")
            #expect(throws: Never.self) {
                _ = try WHMClient.decode(UpstreamResponse(status: 200, body: body), function: function)
            }
        }
    }

    @Test("20i: addWeb answers a bare number; the package list has numeric ids and type references")
    func twentyI() async throws {
        let client = TwentyIClient(
            credentials: TwentyICredentials(generalKey: "KEY"),
            caller: Self.caller(.twentyI) { url in
                try Self.fixture(
                    url.hasSuffix("/addWeb") ? "TwentyI/addWeb.response.json" : "TwentyI/listPackages.response.json")
            })
        #expect(try await client.addWeb(type: "811", domain: "golden.example") == "866239")
        let packages = try await client.packages()
        #expect(packages.first?.id == "797701" && packages.first?.typeRef == "811")
        #expect(packages.first?.names == ["20i-wp.com"] && packages.first?.stackUsers == ["stack-user:989901"])
    }

    @Test("TheSSLStore: the documented product answer, its error flag in either casing, prices with six decimals")
    func sslStore() throws {
        let documented = try Self.fixture("SSLStore/productQuery.response.json")
        // As documented, IsError is true: the message comes through.
        #expect(throws: UpstreamError.apiError(.sslStore, action: "productQuery", message: "String content")) {
            _ = try SSLStoreClient.decode(
                UpstreamResponse(status: 200, body: documented), action: "productQuery", replay: "String content")
        }
        // The same shape without the error is a product.
        var object = try #require(try JSONSerialization.jsonObject(with: documented) as? [String: Any])
        var auth = try #require(object["AuthResponse"] as? [String: Any])
        auth["IsError"] = false
        object["AuthResponse"] = auth
        let json = try SSLStoreClient.decode(
            UpstreamResponse(status: 200, body: try JSONSerialization.data(withJSONObject: object)),
            action: "productQuery", replay: "String content")
        let product = SSLStoreProduct(json.elements.first ?? json)
        #expect(product.code == "String content" && product.isWildcard && product.allowsSAN)
        #expect(product.prices[2_147_483_647] == 1_267_896_754)
    }
}
