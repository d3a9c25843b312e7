import Cluster
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Portal
import Tenancy
import TestSupport
import Testing

/// Two portal nodes on one shared registry: each serves the tenants assigned to it and answers 421, naming the
/// owner, for the others, without reading their data.
@Suite("Nodes of a cluster")
struct ClusterNodeTests {
    /// Both nodes' configuration: the cluster, one master key file for both (a cluster shares its key), quick hand-off.
    static func node(_ url: String, _ name: String, key: String) -> @Sendable (inout PortalConfiguration) -> Void {
        { configuration in
            configuration.cluster = try? settings(url, node: name)
            configuration.masterKeyFile = key
            configuration.moveHandoff = .milliseconds(200)
        }
    }

    static func settings(_ url: String, node: String) throws -> ClusterSettings {
        var settings = ClusterSettings(
            registry: try RegistryURL(parsing: url), node: node, advertise: "http://127.0.0.1:1")
        settings.heartbeatInterval = .milliseconds(200)
        return settings
    }

    /// Two nodes on a fresh shared registry with one master key, both joined, each advertising where its test server
    /// listens (ports are chosen at start).
    static func withTwoNodes(
        clock: TestClock = TestClock(), configure: @escaping @Sendable (inout PortalConfiguration) -> Void = { _ in },
        _ body:
            @escaping @Sendable (any TestClientProtocol, PortalDependencies, any TestClientProtocol, PortalDependencies)
            async throws -> Void
    ) async throws {
        let url = try await TestPostgres.freshDatabase()
        let first = try TemporaryFolder()
        let second = try TemporaryFolder()
        let key = first.path + "/../" + UUID().uuidString + ".key"
        defer { try? FileManager.default.removeItem(atPath: key) }
        let (first1, second2) = (node(url, "node-1", key: key), node(url, "node-2", key: key))
        try await withExistingPortal(
            dataPath: first.path,
            configure: {
                first1(&$0); configure(&$0)
            }, clock: clock
        ) {
            one, nodeOne in
            try await withExistingPortal(
                dataPath: second.path,
                configure: {
                    second2(&$0); configure(&$0)
                }
            ) {
                two, nodeTwo in
                let (clusterOne, clusterTwo) = (try #require(nodeOne.cluster), try #require(nodeTwo.cluster))
                try await waitUntil { clusterOne.hasJoined && clusterTwo.hasJoined }
                // The test servers listen on ports chosen at start: each node says where it is.
                try await clusterOne.advertise("http://localhost:\(try #require(one.port))")
                try await clusterTwo.advertise("http://localhost:\(try #require(two.port))")
                try await body(one, nodeOne, two, nodeTwo)
            }
        }
    }

    /// Registers a brand through the node's writer (so it is assigned to that node), with a fresh database.
    static func addBrand(
        _ slug: String, name: String, products: [String] = [], on dependencies: PortalDependencies
    ) async throws -> Tenant {
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
            try database.pool.write { db in
                for (index, name) in products.enumerated() {
                    var product = Product(
                        slug: "plan-\(index)", name: name, summary: "\(name) summary", kind: .sharedHosting,
                        position: index)
                    product.whmPackage = "starter"
                    product.diskMB = 10_240
                    let price = ProductPrice(cycle: .monthly, priceMinor: 299, setupMinor: 0, costMinor: 140)
                    try CatalogueStore.insert(db, CatalogueEntry(product: product, prices: [price]))
                }
            }
            try database.close()
        }
    }

    @Test("each node serves its own brands; the other answers 421 naming the owner, and never opens the brand's data")
    func misdirected() async throws {
        try await Self.withTwoNodes() { one, nodeOne, two, nodeTwo in
            let acme = try await Self.addBrand("acme", name: "Acme Hosting", on: nodeOne)
            let globex = try await Self.addBrand("globex", name: "Globex Cloud", on: nodeTwo)
            // The writer returns once its own node's copy shows the brand; the other node learns it by NOTIFY.
            try await waitUntil { nodeTwo.registry.snapshot.tenantsByID[acme.id] != nil }
            try await waitUntil { nodeOne.registry.snapshot.tenantsByID[globex.id] != nil }

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

            // A brand whose folder just arrived here in a move, before this node's registry copy shows the flip:
            // the proxy may already send its requests here, and they are told to retry, not sent back.
            nodeTwo.registry.expectArrival(of: acme.id, within: .seconds(30))
            let arriving = try await two.get("/", host: "acme.localhost")
            #expect(arriving.status == .serviceUnavailable)
            #expect(arriving.headers[.retryAfter] == "1")
            #expect(!arriving.text.contains("Acme Hosting"))
            // The wait is bounded: a move that failed after the folder arrived leaves the brand where it was.
            nodeTwo.registry.expectArrival(of: acme.id, within: .zero)
            #expect(!nodeTwo.registry.isArriving(acme.id))
            #expect(try await two.get("/", host: "acme.localhost").status == .misdirectedRequest)

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
            // The receiving route takes nothing without a running move's token: refused, nothing written.
            var put: HTTPFields = [.authorization: "Bearer " + String(repeating: "a", count: 64)]
            put[HTTPField.Name("Portal-Archive-SHA256")!] = String(repeating: "0", count: 64)
            put[.testHost] = "acme.localhost"
            let forged = try await two.execute(
                uri: "/internal/cluster/receive/acme?move=1", method: .put, headers: put,
                body: ByteBuffer(string: "not an archive"))
            #expect(forged.status == .forbidden)
            #expect(forged.text.contains(#""code":"refused""#))
            let placed = nodeTwo.dataDirectory.tenantFolder(acme.slug).path
            #expect(!FileManager.default.fileExists(atPath: placed))
            // Host-independent paths answer on every node.
            #expect(try await two.get("/health", host: "acme.localhost").status == .ok)
        }
    }
}

extension ClusterNodeTests {
    @Test(
        "a move: the tenant stops at the source (503, Retry-After 1), arrives whole at the target, and the registry flips"
    )
    func move() async throws {
        try await Self.withTwoNodes() { one, nodeOne, two, nodeTwo in
            let clusterOne = try #require(nodeOne.cluster)
            let acme = try await Self.addBrand("acme", name: "Acme Hosting", on: nodeOne)
            _ = try await nodeOne.databases.withDatabase(for: acme) { database in
                try await database.pool.write { db in
                    try db.execute(sql: "UPDATE brand SET tagline = 'Moved with care'")
                }
            }
            try await waitUntil { nodeTwo.registry.snapshot.tenantsByID[acme.id] != nil }
            #expect(try await one.get("/", host: "acme.localhost").text.contains("Moved with care"))

            let requested = try await clusterOne.registry.requestMove(slug: acme.slug, to: "node-2", by: "test")
            var finished: TenantMove?
            for _ in 0..<600 {
                let move = try await clusterOne.registry.move(requested.id)
                if move?.state == .done || move?.state == .failed {
                    finished = move
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let done = try #require(finished)
            #expect(done.state == .done, "\(done.error ?? "")")
            #expect((done.bytes ?? 0) > 0)
            #expect(done.frozenMilliseconds != nil)

            // The target holds it, with its data; the source's copy is set aside.
            try await waitUntil { nodeTwo.registry.holds(acme.id) }
            // The target stops holding the brand's requests back once its copy shows the flip.
            try await waitUntil { !nodeTwo.registry.isArriving(acme.id) }
            let home = try await two.get("/", host: "acme.localhost")
            #expect(home.status == .ok)
            #expect(home.text.contains("Moved with care"))
            // The source sets its folder aside once its own copy shows the new holder (just after the flip).
            let sourceFolder = nodeOne.dataDirectory.tenantFolder(acme.slug).path
            try await waitUntil { !FileManager.default.fileExists(atPath: sourceFolder) }
            // At the source: 503 with Retry-After 1 during the hand-off, then 421 naming the new node.
            let soon = try await one.get("/", host: "acme.localhost")
            #expect(soon.status == .serviceUnavailable || soon.status == .misdirectedRequest)
            if soon.status == .serviceUnavailable { #expect(soon.headers[.retryAfter] == "1") }
            try await waitUntil { !nodeOne.databases.moving.contains(acme.id) }
            let later = try await one.get("/", host: "acme.localhost")
            #expect(later.status == .misdirectedRequest)
            #expect(later.headers[HTTPField.Name("Portal-Node")!] == "node-2")
            await #expect(throws: TenancyError.self) {
                try await nodeOne.databases.withDatabase(for: acme) { _ in }
            }

            // Its background jobs run on node-2 only: node-2 takes the fenced lease node-1 gave up in the flip.
            try await waitUntil { nodeTwo.registry.runsJobs(acme.id) }
            #expect(!nodeOne.registry.runsJobs(acme.id))
            #expect(try await clusterOne.registry.leaseHolder(of: acme.id)?.node == "node-2")

            // Moving it to where it is, or to no such node, is refused with a reason.
            await #expect(throws: ClusterError.alreadyThere("acme", node: "node-2")) {
                _ = try await clusterOne.registry.requestMove(slug: acme.slug, to: "node-2", by: "test")
            }
            await #expect(throws: TenancyError.unknownNode("node-9")) {
                _ = try await clusterOne.registry.requestMove(slug: acme.slug, to: "node-9", by: "test")
            }
        }
    }
}

extension ClusterNodeTests {
    @Test(
        "an order started before a move is finished by the new node, exactly once: one WHMCS order, one hosting account"
    )
    func pipelineAcrossMove() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            // Retried every 0.2 s at most and never given up on while the test runs: the order is still under way
            // when the move starts.
            let configure: @Sendable (inout PortalConfiguration) -> Void = {
                OrderPipelineTests.fast(&$0)
                $0.pipelineRetry.maximumAttempts = 100_000
            }
            try await Self.withTwoNodes(configure: configure) { one, nodeOne, two, nodeTwo in
                let clusterOne = try #require(nodeOne.cluster)
                let acme = try await Self.addBrand(
                    "acme", name: "Acme Hosting", products: ["Acme Starter"], on: nodeOne)
                try await waitUntil { nodeTwo.registry.snapshot.tenantsByID[acme.id] != nil }
                try await Commerce.connect("acme", nodeOne, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                // WHM refuses every call: node 1's pipeline gets as far as the WHMCS order and keeps retrying there.
                sandbox.whmFaults.set(.http500)
                let (browser, _) = try await Commerce.customer(one, nodeOne, email: "moving@example.com")
                let id = try await Commerce.order(browser, domain: "moving.example")
                try await waitUntil {
                    try await Commerce.upstream(sandbox, email: "moving@example.com", domain: "moving.example").orders
                        == 1
                }

                let requested = try await clusterOne.registry.requestMove(slug: acme.slug, to: "node-2", by: "test")
                try await waitUntil {
                    let state = try await clusterOne.registry.move(requested.id)?.state
                    return state == .done || state == .failed
                }
                #expect(try await clusterOne.registry.move(requested.id)?.state == .done)
                try await waitUntil { nodeOne.registry.snapshot.assignments[acme.id] == "node-2" }
                // Node 1 no longer opens the brand, so its pipeline cannot touch the order again.
                try await waitUntil { !nodeOne.registry.holds(acme.id) && nodeTwo.registry.holds(acme.id) }
                await #expect(throws: TenancyError.self) {
                    try await nodeOne.databases.withDatabase(for: acme) { _ in }
                }

                sandbox.whmFaults.clear()
                let order = try await Commerce.wait(for: id, nodeTwo, until: .active)
                #expect(order.status == .active)
                let upstream = try await Commerce.upstream(
                    sandbox, email: "moving@example.com", domain: "moving.example")
                #expect(upstream.orders == 1, "one WHMCS order, not one per node")
                #expect(upstream.accounts == 1, "one hosting account, not one per node")
                // The customer sees it active on the brand's new node.
                let page = try await browser.get("/account/orders/\(id)")
                #expect(page.status == .misdirectedRequest)
                let there = TestBrowser(two, host: "acme.localhost")
                for (name, value) in browser.cookies { there.setCookie(name, value) }
                #expect(try await there.get("/account/orders/\(id)").status == .ok)
            }
        }
    }

    @Test(
        "the console on one node shows and acts on a brand held by the other: its page, backup and export come from its node; health and backups of every brand are listed"
    )
    func consoleAcrossNodes() async throws {
        let clock = TestClock()
        try await Self.withTwoNodes(clock: clock) { one, nodeOne, two, nodeTwo in
            let globex = try await Self.addBrand("globex", name: "Globex Cloud", on: nodeTwo)
            let acme = try await Self.addBrand("acme", name: "Acme Hosting", on: nodeOne)
            try await waitUntil { nodeOne.registry.snapshot.tenantsByID[globex.id] != nil }
            let console = try await consoleBrowser(one, nodeOne, clock: clock)

            // The brand's page is rendered by its own node, through the console's node.
            let page = try await console.get("/tenants/globex")
            #expect(page.status == .ok)
            #expect(page.text.contains("Globex Cloud"))
            #expect(page.text.contains("<dt>Node</dt><dd>node-2"))
            // Backing it up and exporting it happen on node 2, where its data is; the export downloads through node 1.
            let backedUp = try await console.post("/tenants/globex/backup", [:])
            #expect(backedUp.status == .seeOther, "\(backedUp.text.prefix(300))")
            let backups = try nodeTwo.backups.list(globex.slug)
            #expect(backups.count == 1)
            try await nodeTwo.backups.push(try #require(backups.first))
            #expect(try nodeOne.backups.list(globex.slug).isEmpty)
            #expect(try await console.post("/tenants/globex/export", [:]).status == .seeOther)
            let withExport = try await console.get("/tenants/globex")
            let link = try #require(
                withExport.text.firstMatch(of: /href="(\/tenants\/globex\/exports\/[^"]+)"/).map { String($0.1) })
            let download = try await console.get(link)
            #expect(download.status == .ok)
            #expect(download.headers[.contentType] == "application/gzip")
            #expect(download.bytes.count > 1000)
            // Audited on node 2, and seen in node 1's audit log.
            try await waitUntil {
                let entries = try await nodeOne.platform.accounts.auditEntries(action: "tenant.backed_up")
                return entries.contains { $0.target == "globex" }
            }

            // Every brand's health and backups, each measured by its own node, in the console's list and operations.
            await nodeOne.healthCollector.collectAll()
            await nodeTwo.healthCollector.collectAll()
            try await #require(nodeOne.cluster).publishReports()
            try await #require(nodeTwo.cluster).publishReports()
            let reports = try await nodeOne.tenantReports.all()
            #expect(reports[globex.id]?.health != nil && reports[acme.id]?.health != nil)
            #expect(reports[globex.id]?.backups == 1 && reports[globex.id]?.backup?.lastGoodAt != nil)
            let operations = try await console.get("/operations")
            #expect(operations.text.contains("1 of 2 databases have a good backup"), "\(operations.text)")
        }
    }

    @Test("a brand removed from another node leaves its holder too: the folder is set aside, then deleted")
    func removedElsewhere() async throws {
        try await Self.withTwoNodes { one, nodeOne, _, nodeTwo in
            let acme = try await Self.addBrand("acme", name: "Acme Hosting", on: nodeOne)
            try await waitUntil { nodeTwo.registry.snapshot.tenantsByID[acme.id] != nil }
            let folder = nodeOne.dataDirectory.tenantFolder(acme.slug).path
            #expect(FileManager.default.fileExists(atPath: folder))

            let onboarding = TenantOnboarding(
                platform: nodeTwo.platform, dataDirectory: nodeTwo.dataDirectory, baseDomain: "localhost")
            _ = try await onboarding.removeTenant(slug: "acme", writer: nodeTwo.registryWriter)
            try await waitUntil { !FileManager.default.fileExists(atPath: folder) }
            #expect(try await one.get("/", host: "acme.localhost").status == .notFound)
            let aside = nodeOne.dataDirectory.root.appendingPathComponent(".removed").path
            let kept = try FileManager.default.contentsOfDirectory(atPath: aside)
            #expect(kept.count == 1 && kept[0].hasPrefix("acme-\(acme.id.rawValue)-"), "\(kept)")
            // Kept for the grace period (10 minutes by default), then deleted, even across a restart.
            let mover = try #require(nodeOne.mover)
            #expect(mover.sweepSetAside() == 0)
            #expect(mover.sweepSetAside(now: Date().addingTimeInterval(601)) == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: aside).isEmpty)
        }
    }

    @Test("the console's Nodes page: nodes and their brands, a refused move that changes nothing, a move, audited")
    func console() async throws {
        let clock = TestClock()
        try await Self.withTwoNodes(clock: clock) { one, nodeOne, two, nodeTwo in
            let clusterOne = try #require(nodeOne.cluster)
            let acme = try await Self.addBrand("acme", name: "Acme Hosting", on: nodeOne)
            try await waitUntil { nodeTwo.registry.snapshot.tenantsByID[acme.id] != nil }
            let console = try await consoleBrowser(one, nodeOne, clock: clock)

            let page = try await console.get("/nodes")
            #expect(page.status == .ok)
            #expect(page.text.contains("node-1") && page.text.contains("node-2"))
            #expect(page.text.contains("answering"))

            let refused = try await console.post("/nodes/move", ["slug": "nosuch", "to": "node-2"])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("No brand has this slug."))
            let wrongNode = try await console.post("/nodes/move", ["slug": "acme", "to": "node-9"])
            #expect(wrongNode.status == .unprocessableContent)
            #expect(wrongNode.text.contains("Choose a node of the cluster."))
            #expect(try await clusterOne.registry.recentMoves().isEmpty)

            let moved = try await console.post("/nodes/move", ["slug": "acme", "to": "node-2"])
            #expect(moved.status == .seeOther)
            try await waitUntil { nodeOne.registry.snapshot.assignments[acme.id] == "node-2" }
            let after = try await console.get("/nodes")
            #expect(after.text.contains("done"))
            let audit = try await nodeOne.platformRealm.withAccounts { try await $0.auditEntries(limit: 20) }
            #expect(audit.contains { $0.action == "tenant.move_requested" && $0.target == "acme" })

            // Platform users, their sessions and the platform audit are the registry's: when the proxy sends the
            // console to node 2, the same signed-in browser carries on there and sees node 1's entries.
            try await waitUntil {
                let entries = try await nodeTwo.platform.accounts.auditEntries(action: "tenant.move_requested")
                return entries.contains { $0.target == "acme" }
            }
            let elsewhere = TestBrowser(two, host: "platform.localhost")
            for (name, value) in console.cookies { elsewhere.setCookie(name, value) }
            let nodes = try await elsewhere.get("/nodes")
            #expect(nodes.status == .ok)
            #expect(nodes.text.contains("node-2"))
            let trail = try await elsewhere.get("/audit?action=tenant.move_requested")
            #expect(trail.status == .ok)
            #expect(trail.text.contains("acme"))
            // A browser never signed in is still sent to sign in on node 2.
            let stranger = try await TestBrowser(two, host: "platform.localhost").get("/nodes")
            #expect(stranger.status == .seeOther)
        }
    }

    @Test("on a single node the Nodes page says how to grow, and its forms are not there")
    func singleNodeConsole() async throws {
        let clock = TestClock()
        try await withPortal(clock: clock) { client, dependencies in
            let console = try await consoleBrowser(client, dependencies, clock: clock)
            let page = try await console.get("/nodes")
            #expect(page.status == .ok)
            #expect(page.text.contains("This platform runs on one node"))
            #expect(!page.text.contains("action=\"/nodes/move\""))
            #expect(try await console.post("/nodes/move", ["slug": "acme", "to": "x"]).status == .notFound)
        }
    }
}

@Suite("Moving a platform to a shared registry")
struct RegistryMigrationTests {
    @Test(
        "migrate-to-postgres copies every tenant with its id, domains and node, with progress; then the node serves them"
    )
    func migrateThenServe() async throws {
        let url = try await TestPostgres.freshDatabase()
        let folder = try TemporaryFolder()
        try await createTenants([.acme, .globex], in: folder.path)
        let cli = CLI(dataPath: folder.path)
        let before = try cli.registry().tenants
        let flags = ["--registry", url, "--node", "node-1", "--advertise", "http://127.0.0.1:8081"]
        // A platform user (with its audit entry) and a brand's claim on a WHMCS group, made on the single node.
        #expect(await cli.run(["platform", "add-user", "--email", "ops@example.com"]).exitCode == 0)
        let single = try PlatformDatabase(dataDirectory: DataDirectory(path: folder.path))
        let acmeID = try #require(before.first { $0.slug.rawValue == "acme" }).id
        let claim = UpstreamClaim(whmcs: "billing.example.com#7", whm: "whm.example.com:2087#racme")
        #expect(try await single.reserve(claim, for: acmeID) == (nil, nil))
        try single.close()

        let moved = await cli.run(["registry", "migrate-to-postgres"] + flags)
        #expect(moved.exitCode == 0, "\(moved.errorMessage ?? "")")
        #expect(moved.output.contains("Moving 2 tenant(s)"))
        #expect(moved.output.contains("2/2 tenants copied"))
        #expect(moved.output.contains("Copying 1 platform user(s), 1 audit entries and 1 upstream claim(s)"))
        #expect(try await TestPostgres.psql(url, "SELECT email FROM platform_accounts") == "ops@example.com")
        #expect(
            try await TestPostgres.psql(url, "SELECT action || ':' || target FROM platform_audit")
                == "owner.invited:ops@example.com")
        #expect(
            try await TestPostgres.psql(url, "SELECT tenant_id || ':' || whmcs_key FROM upstream_claims")
                == "\(acmeID):billing.example.com#7")
        let rows = try await TestPostgres.psql(url, "SELECT id || ':' || slug || ':' || node FROM tenants ORDER BY id")
        #expect(
            rows.split(separator: "\n").map(String.init)
                == before.sorted { $0.id.rawValue < $1.id.rawValue }.map { "\($0.id):\($0.slug):node-1" })
        let platform = try PlatformDatabase(dataDirectory: DataDirectory(path: folder.path))
        let localDomains = try platform.allDomains().map(\.hostname).sorted()
        try platform.close()
        #expect(
            try await TestPostgres.psql(url, "SELECT string_agg(hostname, ',' ORDER BY hostname) FROM domains")
                == localDomains.joined(separator: ","))

        // Into a registry that has tenants already: refused, nothing added.
        let again = await cli.run(["registry", "migrate-to-postgres"] + flags)
        #expect(again.exitCode != 0)
        #expect(again.errorMessage?.contains("already has 2 tenant(s)") == true)
        #expect(try await TestPostgres.psql(url, "SELECT count(*) FROM tenants") == "2")

        // Half a node's settings, or a bad URL: a message that says what is missing.
        let halfway = await cli.run(["registry", "migrate-to-postgres", "--registry", url])
        #expect(halfway.errorMessage?.contains("needs --node NAME and --advertise") == true)
        let badURL = await cli.run([
            "registry", "migrate-to-postgres", "--registry", "mysql://x@y/z", "--node", "a", "--advertise",
            "http://127.0.0.1:1",
        ])
        #expect(badURL.errorMessage?.contains("must start with postgres://") == true)

        // The node now follows the shared registry and serves the same tenants from the same folder.
        try await withExistingPortal(
            dataPath: folder.path, configure: { $0.cluster = try? ClusterNodeTests.settings(url, node: "node-1") }
        ) {
            client, dependencies in
            try await waitUntil { dependencies.registry.heldTenants.count == 2 }
            #expect(try await client.get("/", host: "acme.localhost").status == .ok)
            #expect(try await client.get("/", host: "globex.localhost").status == .ok)
            // The claim is checked in the shared registry now: another brand is refused the group.
            let cluster = try #require(dependencies.cluster)
            let globex = try #require(before.first { $0.slug.rawValue == "globex" })
            #expect(try await cluster.registry.reserve(claim, for: globex.id).whmcs == "acme")
            // The node's own audit entry is not copied back to it, nor sent again.
            try await cluster.publisher.publish()
            try await cluster.follower.sync()
            let audit = try await dependencies.platform.accounts.auditEntries(action: "owner.invited")
            #expect(audit.count == 1)
            #expect(try await TestPostgres.psql(url, "SELECT count(*) FROM platform_audit") == "1")
        }

        // Platform users of a node are made in the shared registry; on the folder alone the command is refused.
        let localUser = await cli.run(["platform", "add-user", "--email", "second@example.com"])
        #expect(localUser.errorMessage?.contains("node node-1 of a cluster") == true)
        let sharedUser = await cli.run(["platform", "add-user", "--email", "second@example.com", "--registry", url])
        #expect(sharedUser.exitCode == 0, "\(sharedUser.errorMessage ?? "")")
        #expect(sharedUser.output.contains("/accept-invite"), "\(sharedUser.output)")
        #expect(try await TestPostgres.psql(url, "SELECT count(*) FROM platform_accounts") == "2")
        let taken = await cli.run(["platform", "add-user", "--email", "OPS@example.com", "--registry", url])
        #expect(taken.errorMessage?.contains("already a platform user") == true)

        // The folder is now a node's: a change to its copy alone is refused; through the registry it is made.
        let local = await cli.run(["tenant", "suspend", "--slug", "acme"])
        #expect(local.errorMessage?.contains("node node-1 of a cluster") == true)
        #expect(try await TestPostgres.psql(url, "SELECT status FROM tenants WHERE slug = 'acme'") == "active")
        let shared = await cli.run(["tenant", "suspend", "--slug", "acme", "--registry", url])
        #expect(shared.exitCode == 0, "\(shared.errorMessage ?? "")")
        #expect(try await TestPostgres.psql(url, "SELECT status FROM tenants WHERE slug = 'acme'") == "suspended")
        let removeLocally = await cli.run(["tenant", "remove", "--slug", "globex", "--yes"])
        #expect(removeLocally.errorMessage?.contains("pass --registry") == true)
    }

    @Test("a node refuses to follow a registry that lacks its tenants, rather than drop them")
    func refusesToDrop() async throws {
        let url = try await TestPostgres.freshDatabase()
        let folder = try TemporaryFolder()
        try await createTenants([.acme], in: folder.path)
        let dependencies = try await makeDependencies(dataPath: folder.path) {
            $0.cluster = try? ClusterNodeTests.settings(url, node: "node-1")
        }
        defer { try? dependencies.platform.close() }
        let membership = try #require(dependencies.cluster)
        await #expect(throws: ClusterError.wouldDropTenants(["acme"])) { try await membership.run() }
        #expect(dependencies.registry.snapshot.tenantCount == 1)
    }
}
