import AsyncHTTPClient
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

@Suite("Product API and WHMCS sync")
struct ProductAPITests {
    /// Creates a key through the owner's page and returns it as shown once.
    static func key(_ owner: TestBrowser, name: String = "CMS") async throws -> String {
        try await owner.get("/admin/api-keys")
        let created = try await owner.post("/admin/api-keys", ["name": name, "expires": "never"])
        #expect(created.status == .created)
        return try #require(created.text.firstMatch(of: /value="(pk_[A-Za-z0-9_-]+)"/).map { String($0.1) })
    }

    static func call(
        _ client: any TestClientProtocol, host: String = "acme.localhost", _ path: String, key: String?, _ body: String
    )
        async throws -> (HTTPResponse.Status, [String: Any])
    {
        var headers: HTTPFields = [.testHost: host, .contentType: "application/json"]
        if let key { headers[HTTPField.Name("X-API-Key")!] = key }
        let response = try await client.execute(
            uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    /// Rows of the sandbox's database as text.
    static func rows(_ sandbox: Sandbox, _ sql: String) async throws -> [[String: String]] {
        try await sandbox.store.read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                var values: [String: String] = [:]
                for (column, value) in row {
                    values[column] = String.fromDatabaseValue(value) ?? Int64.fromDatabaseValue(value).map(String.init)
                }
                return values
            }
        }
    }

    static let cloudPlans = """
        {"blockType": "planWithHDD", "plans": [
          {"slug": "cloud-small", "title": "Cloud Small", "provider": "20i", "size": "small", "features": ["1 vCPU"],
           "pricing": [{"billingCycle": "monthly", "price": "9.99", "setupFee": "0"}, {"billingCycle": "annually", "price": "99.00"}]},
          {"slug": "cloud-large", "title": "Cloud Large", "provider": "20i", "size": "large",
           "pricing": [{"billingCycle": "monthly", "price": "39.99"}]}
        ]}
        """

    @Test(
        "a key works only while its maker is an owner or admin and it has not expired; refusals are logged a few times a minute"
    )
    func keyLifetime() async throws {
        let clock = TestClock()
        let capture = LogCapture()
        try await withPortal(logger: capture.logger, clock: clock) { client, dependencies in
            let owner = try await staffBrowser(client, dependencies)
            let second = try await staffBrowser(client, dependencies, email: "second@acme.example")
            // A key must say how long it works.
            try await second.get("/admin/api-keys")
            let noExpiry = try await second.post("/admin/api-keys", ["name": "CMS"])
            #expect(noExpiry.status == .unprocessableContent && noExpiry.text.contains("Choose how long the key works"))
            let created = try await second.post("/admin/api-keys", ["name": "CMS", "expires": "30"])
            #expect(created.status == .created)
            let key = try #require(created.text.firstMatch(of: /value="(pk_[A-Za-z0-9_-]+)"/).map { String($0.1) })
            func works() async throws -> Bool {
                try await Self.call(client, "/api/products/add", key: key, Self.cloudPlans).0 != .unauthorized
            }
            #expect(try await works())
            let page = try await owner.get("/admin/api-keys")
            #expect(page.text.contains("second@acme.example (owner)"))

            let member = try #require(
                try await dependencies.accounts("acme") {
                    try await $0.account(kind: .staff, email: "second@acme.example")
                })
            _ = try await dependencies.accounts("acme") { try await $0.setRole(.support, for: member.id) }
            #expect(try await !works(), "demoted below admin: the key stops")
            #expect(try await owner.get("/admin/api-keys").text.contains("now support: it no longer works"))
            _ = try await dependencies.accounts("acme") { try await $0.setRole(.admin, for: member.id) }
            #expect(try await works(), "an admin's key works")
            clock.advance(by: 31 * 86_400)
            #expect(try await !works(), "expired after 30 days")
            clock.advance(by: -31 * 86_400)
            _ = try await dependencies.accounts("acme") { try await $0.removeStaff(member.id) }
            #expect(try await !works(), "its maker left the team: the key stops")

            // Twelve wrong keys from one address: five log lines, the last saying the rest are held back.
            for attempt in 0..<12 {
                _ = try await Self.call(client, "/api/products/add", key: "pk_wrong\(attempt)", Self.cloudPlans)
            }
            let refusals = capture.captured.filter { $0.message.hasPrefix("product API refused a key") }
            #expect(refusals.count <= 6, "\(refusals.count) lines")
            #expect(refusals.contains { $0.message.contains("further refusals from this address are not logged") })
        }
    }

    @Test("keys are created and revoked by the owner, stored hashed; a bad, revoked or other brand's key gets 401")
    func keys() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(client, dependencies)
            let key = try await Self.key(owner)
            let stored = try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                database in
                try await database.pool.read { db in try String.fetchOne(db, sql: "SELECT key_hash FROM api_keys") }
            }
            #expect(stored == SecureToken.hash(key))
            #expect(!(try await owner.get("/admin/api-keys")).text.contains(key), "shown once only")

            let globexOwner = try await staffBrowser(client, dependencies, tenant: "globex")
            let globexKey = try await Self.key(globexOwner)
            for presented in [nil, "pk_wrong", globexKey] {
                let (status, json) = try await Self.call(client, "/api/products/add", key: presented, Self.cloudPlans)
                #expect(status == .unauthorized)
                #expect((json["error"] as? [String: Any])?["code"] as? String == "invalid_api_key")
            }
            let id = try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                database in
                try await database.apiKeys.keys().first!.id
            }
            try await owner.get("/admin/api-keys")
            #expect(try await owner.post("/admin/api-keys/\(id)/revoke", [:]).status == .seeOther)
            #expect(
                try await Self.call(client, "/api/packages/add", key: key, #"{"packages":[{"name":"x"}]}"#).0
                    == .unauthorized)
            let audit = try await dependencies.accounts("acme") { try await $0.auditEntries() }.map(\.action)
            #expect(audit.contains("api_key.created") && audit.contains("api_key.revoked"))
        }
    }

    @Test("products/add maps each type to AddProduct with its module and config options, and answers per plan")
    func addUpdateDelete() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let capture = LogCapture()
            try await withPortal(logger: capture.logger) { client, dependencies in
                let setup = try await Commerce.connect(
                    "acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let owner = try await staffBrowser(client, dependencies)
                let key = try await Self.key(owner)

                let (status, json) = try await Self.call(client, "/api/products/add", key: key, Self.cloudPlans)
                #expect(status == .ok, "\(json)")
                #expect(
                    json["success"] as? Bool == true && json["successCount"] as? Int == 2
                        && json["errorCount"] as? Int == 0)
                let results = try #require(json["results"] as? [[String: Any]])
                #expect(results.map { $0["slug"] as? String } == ["cloud-small", "cloud-large"])
                let rows = try await Self.rows(
                    sandbox, "SELECT * FROM whmcs_products WHERE gid = \(setup.productGroupID) ORDER BY id")
                #expect(rows.map { $0["module"] } == ["provision20i", "provision20i"])
                #expect(rows.first?["configoptions"] == #"["admin","1","20i-cloud-server","20i","small"]"#)
                #expect(rows.first?["type"] == "server")
                #expect(rows.first?["pricing"]?.contains(#""monthly":999"#) == true)

                let ssl = """
                    {"blockType": "sslPlan", "plans": [{"slug": "dv", "title": "DV SSL", "certificateType": "single", "productCode": "positivessl",
                      "pricing": [{"billingCycle": "annually", "price": "19.99"}]}]}
                    """
                #expect(try await Self.call(client, "/api/products/add", key: key, ssl).0 == .ok)
                let sslRow = try await Self.rows(sandbox, "SELECT * FROM whmcs_products WHERE slug LIKE 'dv-%'").first
                #expect(sslRow?["module"] == "thesslstorefullv2" && sslRow?["configoptions"] == #"["positivessl"]"#)
                // Every version is hidden in WHMCS, and a cycle not offered is sent as not offered (-1), never free.
                #expect(rows.allSatisfy { $0["hidden"] == "1" })
                #expect(rows.first?["pricing"]?.contains(#""quarterly":-100"#) == true)

                // WHMCS cannot change a product, so an update adds the next version of it and links the catalogue
                // to that one; the first stays for services already on it. Sending the same plans again adds nothing.
                let linked = { (slug: String) in
                    try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                        try await $0.catalogue.entry(slug: slug)?.product.whmcsProductID
                    }
                }
                let first = try #require(try await linked("cloud-small"))
                let update = Self.cloudPlans.replacingOccurrences(of: "\"9.99\"", with: "\"11.99\"")
                #expect(try await Self.call(client, "/api/products/update", key: key, update).0 == .ok)
                #expect(try await Self.call(client, "/api/products/update", key: key, update).0 == .ok)
                let second = try #require(try await linked("cloud-small"))
                #expect(second != first)
                let pricing = try await sandbox.store.read { db in
                    try String.fetchOne(db, sql: "SELECT pricing FROM whmcs_products WHERE id = ?", arguments: [second])
                }
                #expect(pricing?.contains(#""monthly":1199"#) == true)
                #expect(try await client.get("/products/cloud-small", host: "acme.localhost").text.contains("£11.99"))
                #expect(
                    try await sandbox.store.read { db in
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM whmcs_products")
                    } == 4)

                // Delete retires it here and unlinks it; WHMCS keeps its hidden versions, having no DeleteProduct.
                let delete = #"{"blockType":"planWithHDD","plans":[{"slug":"cloud-large"}]}"#
                #expect(try await Self.call(client, "/api/products/delete", key: key, delete).0 == .ok)
                #expect(try await linked("cloud-large") == nil)
                #expect(try await client.get("/products/cloud-large", host: "acme.localhost").status == .notFound)

                // One structured line per call, with the key masked.
                let line = try #require(
                    capture.captured.first { $0.message == "product sync" && $0.metadata["operation"] == "upsert" })
                #expect(line.metadata["api_key"] == "***\(key.suffix(4))")
                #expect(line.metadata["plans"] == "2" && line.metadata["titles"] == "Cloud Small, Cloud Large")
                #expect(
                    line.metadata["block_type"] == "planWithHDD"
                        && line.metadata["group_id"] == String(setup.productGroupID))
                #expect(
                    line.metadata["success_count"] == "2" && line.metadata["error_count"] == "0"
                        && line.metadata["duration_ms"] != nil)
                #expect(!capture.captured.contains { "\($0.metadata)".contains(key) })
            }
        }
    }

    @Test(
        "a missing field, a price below cost or a bad body is refused per plan and stores nothing; a WHMCS error is reported"
    )
    func badInputAndUpstreamErrors() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal { client, dependencies in
                try await Commerce.connect("acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let owner = try await staffBrowser(client, dependencies)
                let key = try await Self.key(owner)
                let missing =
                    #"{"blockType":"planWithHDD","plans":[{"slug":"no-title","pricing":[{"billingCycle":"monthly","price":"9.99"}]}]}"#
                let (status, json) = try await Self.call(client, "/api/products/add", key: key, missing)
                #expect(status == .unprocessableContent)
                #expect(json["success"] as? Bool == false && json["errorCount"] as? Int == 1)
                #expect(
                    ((json["results"] as? [[String: Any]])?.first?["error"] as? String) == #"missing field "title""#)

                let cheap = Self.cloudPlans.replacingOccurrences(of: "\"9.99\"", with: "\"1.00\"")
                let (cheapStatus, cheapJSON) = try await Self.call(client, "/api/products/add", key: key, cheap)
                #expect(cheapStatus == .unprocessableContent && cheapJSON["successCount"] as? Int == 1)
                #expect("\(cheapJSON["results"] ?? "")".contains("cost of £5.00 for monthly (margin -£4.00)"))

                let badJSON = try await Self.call(client, "/api/products/add", key: key, #"{"plans": [{"slug": 3}]}"#)
                #expect(
                    badJSON.0 == .badRequest
                        && (badJSON.1["error"] as? [String: Any])?["code"] as? String == "invalid_json")
                #expect(try await Self.call(client, "/api/products/add", key: key, #"{"plans": []}"#).0 == .badRequest)
                let floatPrice =
                    #"{"blockType":"vps","plans":[{"slug":"f","title":"F","provider":"20i","size":"small","pricing":[{"billingCycle":"monthly","price":9.99}]}]}"#
                #expect(try await Self.call(client, "/api/products/add", key: key, floatPrice).0 == .badRequest)
                let wrongGroup = #"{"blockType":"vps","whmcsGid":999,"plans":[]}"#
                #expect(
                    try await Self.call(
                        client, "/api/products/add", key: key,
                        wrongGroup.replacingOccurrences(of: "[]", with: "[{\"slug\":\"x\"}]")
                    ).0 == .unprocessableContent)

                let slugs = try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme"))
                {
                    try await $0.catalogue.entries().map(\.product.slug)
                }
                #expect(Set(slugs) == ["plan-0", "plan-1", "cloud-large"], "only the valid plan was stored")

                // WHMCS refuses (the product group was deleted there): the answer says so and the product records why.
                _ = try await sandbox.store.read { _ in 0 }
                try await dependencies.databases.withDatabase(for: try dependencies.registryTenant("acme")) {
                    database in
                    try await database.accounts.setSettings(
                        [(ProductSync.productGroupKey, "987")], audit: "x", actor: nil, detail: "", ip: "")
                }
                let refused = Self.cloudPlans.replacingOccurrences(of: "cloud-large", with: "cloud-xl")
                    .replacingOccurrences(of: "cloud-small", with: "cloud-s2")
                let (upstreamStatus, upstreamJSON) = try await Self.call(client, "/api/products/add", key: key, refused)
                #expect(upstreamStatus == .badGateway)
                #expect("\(upstreamJSON["results"] ?? "")".contains("You must supply a valid Product Group ID"))
                let list = try await owner.get("/admin/products")
                // UpstreamError.apiError's description: "<upstream> <action> failed: <message>", on each refused product's row.
                let failed =
                    #"<td data-label="WHMCS"><span class="field__error">Failed: WHMCS AddProduct failed: You must supply a valid Product Group ID</span></td>"#
                #expect(list.text.components(separatedBy: failed).count - 1 == 2, "cloud-xl and cloud-s2: \(list.text)")
            }
        }
    }

    @Test("packages/add and /update create and change WHM packages under the brand's reseller only")
    func packages() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal { client, dependencies in
                let setup = try await Commerce.connect(
                    "acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let owner = try await staffBrowser(client, dependencies)
                let key = try await Self.key(owner)
                let (status, json) = try await Self.call(
                    client, "/api/packages/add", key: key,
                    #"{"packages":[{"name":"gold","diskMB":20480,"bandwidthMB":204800},{"name":"bad name!"}]}"#
                )
                #expect(status == .unprocessableContent && json["successCount"] as? Int == 1)
                #expect("\(json["results"] ?? "")".contains("\(setup.reseller)_gold"))
                #expect(
                    try await Self.call(
                        client, "/api/packages/update", key: key, #"{"packages":[{"name":"gold","diskMB":40960}]}"#
                    ).0 == .ok)
                let row = try await Self.rows(
                    sandbox, "SELECT * FROM whm_packages WHERE name = '\(setup.reseller)_gold'"
                ).first
                #expect(row?["owner"] == setup.reseller && row?["quota"] == "40960")
                #expect(
                    try await Self.call(client, "/api/packages/add", key: key, #"{"packages":[{"name":"gold"}]}"#).0
                        == .badGateway, "already exists")
            }
        }
    }

    @Test("the catalogue page's Sync to WHMCS button pushes every product and shows each outcome")
    func syncButton() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal { client, dependencies in
                let setup = try await Commerce.connect(
                    "acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                let owner = try await staffBrowser(client, dependencies)
                try await owner.get("/admin/products")
                let synced = try await owner.post("/admin/products/sync", [:])
                #expect(synced.text.contains("All 2 products are in WHMCS."))
                #expect(
                    try await sandbox.store.read { db in
                        try Int.fetchOne(
                            db, sql: "SELECT count(*) FROM whmcs_products WHERE gid = ? AND module = 'cpanel'",
                            arguments: [setup.productGroupID])
                    } == 2)
                // Again: updated in place, never added twice.
                #expect(try await owner.post("/admin/products/sync", [:]).text.contains("All 2 products are in WHMCS."))
                #expect(
                    try await sandbox.store.read { db in
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM whmcs_products")
                    } == 2)
            }
        }
    }
}
