import Foundation
import Logging
import Synchronization
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
        // create_user_session, as the legacy documentation shows it (an application linked through goto_uri).
        let session = try WHMClient.decode(
            UpstreamResponse(status: 200, body: try Self.fixture("WHM/create_user_session.response.legacy-doc.json")),
            function: "create_user_session")
        #expect(session["data"]?["url"]?.string?.hasPrefix("https://example.com:2083/cpsess1234567890/login/?") == true)
        // showbw, as documented: bytes this month, and a limit of 0 meaning none.
        let bandwidth = try WHMClient.decode(
            UpstreamResponse(status: 200, body: try Self.fixture("WHM/showbw.response.json")), function: "showbw")
        #expect(bandwidth["data"]?["acct"]?.elements.first?["totalbytes"]?.int == 352)
        #expect(WHMClient.megabytes("14M") == 14 && WHMClient.megabytes("unlimited") == nil)
        #expect(WHMClient.megabytes("1.5G") == 1536 && WHMClient.megabytes("512K") == 0.5)
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
        // Errors as observed from 20i: a 400 with its message, and a 404 that a read takes as "nothing there".
        #expect(
            throws: UpstreamError.apiError(.twentyI, action: "addCloudServer", message: "Internal error")
        ) {
            _ = try TwentyIClient.decode(
                UpstreamResponse(
                    status: 400, body: try Self.fixture("TwentyI/addCloudServer.observed-3p.response-400.json")),
                action: "addCloudServer")
        }
        let missing = TwentyIClient(
            credentials: TwentyICredentials(generalKey: "KEY"),
            caller: UpstreamCaller(
                tenant: "acme", upstream: .twentyI, credentialIdentifier: "golden",
                transport: UpstreamTransport { _, _ in
                    UpstreamResponse(
                        status: 404, body: try Self.fixture("TwentyI/error.observed-3p.response-404.json"))
                },
                breakers: CircuitBreakers(), retry: RetryPolicy(maximumAttempts: 1),
                timeouts: UpstreamTimeouts(total: .seconds(30)),
                logger: Logger(label: "golden", factory: { _ in SwiftLogNoOpLogHandler() })))
        #expect(try await missing.cloudServer(id: "404") == nil)
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

/// The 20i client's request bodies against the documented request samples: every field it sends is one the
/// vendor documents, nested objects included (`_source` and `_method` in the fixtures are annotations).
@Suite("20i requests against the documented samples")
struct TwentyIRequestTests {
    /// Body keys the client sent that the documented sample does not have, with their paths.
    static func undocumented(_ sent: Any, _ sample: Any, path: String = "") -> [String] {
        if let sent = sent as? [String: Any] {
            let sample = sample as? [String: Any] ?? [:]
            return sent.flatMap { key, value -> [String] in
                guard let documented = sample[key] else { return [path + "." + key] }
                return undocumented(value, documented, path: path + "." + key)
            }
        }
        if let sent = sent as? [Any], let first = sent.first {
            let sample = (sample as? [Any])?.first ?? sample
            return undocumented(first, sample, path: path + "[0]")
        }
        return []
    }

    @Test(
        "addDomain, transferDomain, renewDomain, nameservers, privacyState, susers and addCloudServer send documented fields only"
    )
    func documentedFields() async throws {
        let bodies = Mutex<[String: Data]>([:])
        let recording = TwentyIClient(
            credentials: TwentyICredentials(generalKey: "KEY"),
            caller: UpstreamCaller(
                tenant: "acme", upstream: .twentyI, credentialIdentifier: "golden",
                transport: UpstreamTransport { request, _ in
                    let name = String(request.url.split(separator: "/").last ?? "")
                    bodies.withLock { $0[name] = request.body ?? Data() }
                    let answer = name == "susers" ? #"{"result":{"ref":"stack-user:1"}}"# : #"{"result":true}"#
                    return UpstreamResponse(status: 200, body: Data(answer.utf8))
                },
                breakers: CircuitBreakers(), retry: RetryPolicy(maximumAttempts: 1),
                timeouts: UpstreamTimeouts(total: .seconds(30)),
                logger: Logger(label: "golden", factory: { _ in SwiftLogNoOpLogHandler() })))
        let contact = TwentyIClient.Contact(
            name: "Ada Lovelace", organisation: "Analytical", address: "1 Square", city: "London", state: "London",
            postcode: "SW1", country: "GB", telephone: "+44.1", email: "ada@example.com")
        try await recording.registerDomain(
            "ada.example", years: 1, contact: contact, nameservers: ["ns1.acme.example"], privacy: false)
        try await recording.registerDomain(
            "moving.example", years: 1, contact: contact, nameservers: [], privacy: false, transferCode: "EPP")
        try await recording.renewDomain("ada.example", years: 1, privacy: false)
        try await recording.setNameservers(
            domain: "ada.example", to: ["ns1.x.example", "ns2.x.example"], replacing: [])
        try await recording.setPrivacy(domain: "ada.example", enabled: true)
        _ = try await recording.addStackUser(email: "ada@example.com", name: "Ada Lovelace")
        let samples = [
            "addDomain": "addDomain", "transferDomain": "transferDomain", "renewDomain": "renewDomain",
            "nameservers": "setNameservers", "privacyState": "privacyState", "susers": "addStackUser",
        ]
        var report: [String] = []
        for (endpoint, fixture) in samples {
            let sent = try #require(bodies.withLock { $0[endpoint] }, "nothing sent to \(endpoint)")
            let body = try JSONSerialization.jsonObject(with: sent)
            let sample = try JSONSerialization.jsonObject(
                with: try VendorGoldenTests.fixture("TwentyI/\(fixture).request.json"))
            let extra = Self.undocumented(body, sample)
            if !extra.isEmpty { report.append("\(endpoint): \(extra.sorted().joined(separator: ", "))") }
        }
        // addCloudServer's keys, from the managed cloud hosting guide.
        let cloud = try JSONSerialization.jsonObject(
            with: try JSONEncoder().encode(
                TwentyIClient.cloudServerBody(provider: "20i", size: "small", label: "x", stackUser: "stack-user:1")))
        let extra = Self.undocumented(
            cloud,
            try JSONSerialization.jsonObject(with: try VendorGoldenTests.fixture("TwentyI/addCloudServer.request.json"))
        )
        if !extra.isEmpty { report.append("addCloudServer: \(extra.sorted().joined(separator: ", "))") }
        #expect(report.isEmpty, "\(report.joined(separator: "\n"))")
    }
}
