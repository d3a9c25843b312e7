import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Integrations
import Sandbox
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// The owner's connection settings page, the stored secrets, and the tenant → upstream mapping.
@Suite("Upstream connections")
struct UpstreamConnectionTests {
    static func validForm(
        _ sandbox: Sandbox, whmcsURL: String, whmURL: String, group: Int, reseller: String, token: String
    )
        -> [String: String]
    {
        [
            "mode": "sandbox", "whmcs_url": whmcsURL + "/includes/api.php",
            "whmcs_identifier": sandbox.credentials.whmcsIdentifier,
            "whmcs_secret": sandbox.credentials.whmcsSecret, "whmcs_accesskey": "", "whmcs_group": String(group),
            "whm_url": whmURL, "whm_user": reseller, "whm_token": token,
        ]
    }

    @Test("bad input is refused field by field and nothing is stored")
    func validation() async throws {
        try await withPortal { client, dependencies in
            let owner = try await staffBrowser(client, dependencies)
            try await owner.get("/admin/integrations")
            let response = try await owner.post(
                "/admin/integrations",
                [
                    "mode": "live", "whmcs_url": "http://billing.acme.example", "whmcs_identifier": "has space",
                    "whmcs_secret": "", "whmcs_group": "three", "whm_url": "https://whm.acme.example:2087",
                    "whm_user": "root",
                    "whm_token": "not a token!", "nameservers": "ns1.acme.example",
                ]
            )
            #expect(response.status == .unprocessableContent)
            for message in [
                "Live mode needs an https:// address.", "An API identifier has no spaces", "Enter the API secret.",
                "Enter the client group&#39;s number", "With root&#39;s token, name the reseller this brand acts for",
                "A WHM API token holds letters and digits only",
            ] {
                #expect(response.text.contains(message), "missing: \(message)")
            }
            #expect(response.text.contains(#"value="http://billing.acme.example""#))
            #expect(response.text.contains(#"aria-invalid="true""#))
            let tenant = try dependencies.registryTenant("acme")
            let stored = try await dependencies.upstreams.settings(of: tenant)
            #expect(
                stored
                    == {
                        var fresh = IntegrationSettings(); fresh.revision = 0; return fresh
                    }())

            let sandboxURL = try await owner.post(
                "/admin/integrations",
                [
                    "mode": "sandbox", "whmcs_url": "https://billing.acme.example", "whmcs_identifier": "abc",
                    "whmcs_secret": "s",
                    "whmcs_group": "1", "whm_url": "", "whm_user": "", "whm_token": "", "nameservers": "",
                ]
            )
            #expect(sandboxURL.status == .unprocessableContent)
            #expect(sandboxURL.text.contains("Sandbox mode talks to the simulators on this machine"))
        }
    }

    @Test("saved secrets are sealed, never shown back, kept when left empty, and the test button reports each upstream")
    func saveAndTest() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let setup = try await sandbox.provisionTenant(slug: "acme", name: "Acme Hosting")
            try await withPortal { client, dependencies in
                let owner = try await staffBrowser(client, dependencies)
                try await owner.get("/admin/integrations")
                let form = Self.validForm(
                    sandbox, whmcsURL: whmcsURL, whmURL: whmURL, group: setup.clientGroupID, reseller: setup.reseller,
                    token: setup.resellerToken
                )
                let saved = try await owner.post("/admin/integrations", form)
                #expect(saved.status == .seeOther)
                let page = try await owner.get("/admin/integrations?done=saved")
                #expect(page.text.contains("Settings saved."))
                #expect(page.text.contains(#"value="\#(whmcsURL)""#), "the /includes/api.php suffix is trimmed")
                #expect(!page.text.contains(sandbox.credentials.whmcsSecret))
                #expect(!page.text.contains(setup.resellerToken))
                // A badge beside each secret that is stored (the intro's "Secrets are stored encrypted" is no badge).
                #expect(
                    page.text.contains(
                        #"<label for="whmcs-secret">API secret <span class="badge">stored</span></label>"#))
                #expect(
                    page.text.contains(#"<label for="whm-token">API token <span class="badge">stored</span></label>"#))
                #expect(
                    page.text.contains(#"<label for="whmcs-accesskey">Access key (optional) </label>"#),
                    "no access key was given")
                #expect(page.text.components(separatedBy: #"<span class="badge">stored</span>"#).count - 1 == 2)

                // At rest: sealed blobs only.
                let tenant = try dependencies.registryTenant("acme")
                let secretBlob = try await dependencies.databases.withDatabase(for: tenant) { database in
                    try await database.pool.read { db in
                        try Data.fetchOne(db, sql: "SELECT whmcs_secret FROM integration_settings")!
                    }
                }
                #expect(!String(decoding: secretBlob, as: UTF8.self).contains(sandbox.credentials.whmcsSecret))
                #expect(try await dependencies.upstreams.whm(for: tenant).credentials.token == setup.resellerToken)
                #expect(
                    try await dependencies.accounts("acme") {
                        try await $0.auditEntries(action: "integrations.updated")
                    }.count == 1)

                // Saving again with empty secret fields keeps the stored secrets.
                var again = form
                again["whmcs_secret"] = ""
                again["whm_token"] = ""
                #expect(try await owner.post("/admin/integrations", again).status == .seeOther)
                let tested = try await owner.post("/admin/integrations/test", [:])
                #expect(tested.status == .ok)
                #expect(tested.text.contains("Every configured connection works."))
                #expect(tested.text.contains("<strong>WHMCS</strong>: Connected"))
                #expect(tested.text.contains("<strong>WHM</strong>: Connected"))

                // A wrong token shows WHM's refusal beside WHM, and WHMCS still passes.
                again["whm_token"] = "WRONGTOKEN"
                #expect(try await owner.post("/admin/integrations", again).status == .seeOther)
                let failing = try await owner.post("/admin/integrations/test", [:])
                #expect(failing.text.contains("A connection failed"))
                #expect(failing.text.contains("WHM refused the credentials: Access denied"))
                #expect(failing.text.contains("<strong>WHMCS</strong>: Connected"))
            }
        }
    }

    @Test(
        "20i and TheSSLStore: optional, complete or refused field by field, sealed, re-asked when moved, and tested with the rest"
    )
    func twentyIAndSSLStore() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let setup = try await sandbox.provisionTenant(slug: "acme", name: "Acme Hosting")
            let twentyIURL = try #require(sandbox.twentyI.address.baseURL)
            let sslStoreURL = try #require(sandbox.sslStore.address.baseURL)
            try await withPortal { client, dependencies in
                let owner = try await staffBrowser(client, dependencies)
                try await owner.get("/admin/integrations")
                var form = Self.validForm(
                    sandbox, whmcsURL: whmcsURL, whmURL: whmURL, group: setup.clientGroupID, reseller: setup.reseller,
                    token: setup.resellerToken
                )
                // Half a connection is refused beside each field, and nothing is stored.
                form["twentyi_url"] = twentyIURL
                form["twentyi_key"] = "not a key!"
                form["sslstore_url"] = "https://api.thesslstore.com/rest"
                form["sslstore_partner"] = ""
                let refused = try await owner.post("/admin/integrations", form)
                #expect(refused.status == .unprocessableContent)
                for id in ["twentyi-key-error", "sslstore-url-error", "sslstore-partner-error", "sslstore-token-error"]
                {
                    #expect(refused.text.contains(id), "\(id)")
                }
                let tenant = try dependencies.registryTenant("acme")
                #expect(try await dependencies.upstreams.settings(of: tenant).twentyIURL.isEmpty)

                form["twentyi_key"] = sandbox.credentials.twentyIKey
                form["sslstore_url"] = sslStoreURL
                form["sslstore_partner"] = sandbox.credentials.sslStorePartnerCode
                form["sslstore_token"] = sandbox.credentials.sslStoreAuthToken
                #expect(try await owner.post("/admin/integrations", form).status == .seeOther)
                let page = try await owner.get("/admin/integrations?done=saved")
                #expect(
                    !page.text.contains(sandbox.credentials.twentyIKey)
                        && !page.text.contains(sandbox.credentials.sslStoreAuthToken))
                let tested = try await owner.post("/admin/integrations/test", [:])
                #expect(
                    tested.text.contains("<strong>20i</strong>: Connected")
                        && tested.text.contains("<strong>TheSSLStore</strong>: Connected"))
                #expect(
                    try await dependencies.upstreams.twentyI(for: tenant).credentials.generalKey
                        == sandbox.credentials.twentyIKey)

                // Another address needs the key again; the stored one is never sent elsewhere.
                var moved = form
                moved["whmcs_secret"] = ""
                moved["whm_token"] = ""
                moved["twentyi_key"] = ""
                moved["sslstore_token"] = ""
                moved["twentyi_url"] = "http://127.0.0.1:1"
                let again = try await owner.post("/admin/integrations", moved)
                #expect(again.status == .unprocessableContent && again.text.contains("Enter the API key again"))
                #expect(try await dependencies.upstreams.settings(of: tenant).twentyIURL == twentyIURL)
                // Another brand has none of it.
                let globex = try dependencies.registryTenant("globex")
                await #expect(throws: UpstreamError.notConfigured(.twentyI)) {
                    _ = try await dependencies.upstreams.twentyI(for: globex)
                }
            }
        }
    }

    @Test(
        "live readiness names each gap with its fix: API role, client group, currency, reseller privileges, packages, 20i services; other brands unaffected"
    )
    func liveReadiness() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal { client, dependencies in
                let setup = try await Commerce.connect(
                    "acme", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL, cloudAndCertificates: true)
                _ = try await Commerce.connect("globex", dependencies, sandbox, whmcsURL: whmcsURL, whmURL: whmURL)
                try await ProvisioningTests.addProducts(dependencies)
                let acme = try dependencies.registryTenant("acme")
                let globex = try dependencies.registryTenant("globex")
                let ready = await dependencies.upstreams.testConnections(acme)
                #expect(ready.allSatisfy(\.succeeded) && ready.count == 4, "\(ready)")

                // A narrower API role, a reseller without some privileges, and a package the catalogue names but
                // WHM lacks.
                let allowed = WHMCSClient.actionsUsed.filter { !["AddOrder", "UpdateClientProduct"].contains($0) }
                try await sandbox.whmcs.addCredential(
                    identifier: sandbox.credentials.whmcsIdentifier, secret: sandbox.credentials.whmcsSecret,
                    allowedActions: allowed)
                try await sandbox.whm.revokePrivileges(["create-acct", "kill-acct"], from: setup.reseller)
                try await dependencies.databases.withDatabase(for: acme) { database in
                    var entry = try #require(try await database.catalogue.entry(slug: "plan-0"))
                    entry.product.whmPackage = "gold"
                    _ = try await database.catalogue.save(entry, actor: nil, via: "test", ip: "")
                }
                // The 20i account without the managed cloud the catalogue sells.
                sandbox.twentyI.withhold("/managed_vps")
                let checks = await dependencies.upstreams.testConnections(acme)
                let twentyI = try #require(checks.first { $0.upstream == .twentyI }?.failure)
                #expect(
                    twentyI.contains("cannot reach managed cloud servers") && !twentyI.contains("domains"), "\(twentyI)"
                )
                let whmcs = try #require(checks.first { $0.upstream == .whmcs }?.failure)
                #expect(whmcs.contains("does not allow AddOrder, UpdateClientProduct (System Settings › API Roles)"))
                let whm = try #require(checks.first { $0.upstream == .whm }?.failure)
                #expect(whm.contains("lacks the privileges create-acct, kill-acct"))
                // And WHM refuses what the missing privilege guards.
                let reseller = try await dependencies.upstreams.whm(for: acme)
                do {
                    _ = try await reseller.createAccount(
                        WHMNewAccount(
                            username: "denied1", domain: "denied.example", plan: "\(setup.reseller)_starter",
                            contactEmail: ""))
                    Issue.record("an account was created without the create-acct privilege")
                } catch UpstreamError.apiError(_, _, let message) {
                    #expect(message.contains("Permission denied"), "\(message)")
                }
                #expect(whm.contains("WHM has no package \(setup.reseller)_gold"))
                // Globex shares the WHMCS credential, so its role gap shows; its own reseller and packages are fine.
                let other = await dependencies.upstreams.testConnections(globex)
                #expect(other.first { $0.upstream == .whm }?.succeeded == true)
                // The refusals met on purpose leave no circuit open.
                #expect(try await dependencies.upstreams.whmcs(for: acme).0.clientGroups().isEmpty == false)
            }
        }
    }

    @Test("a secret sealed for one tenant cannot be used by another, even if its row is copied")
    func sealedSecretsAreBoundToTheirTenant() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal { client, dependencies in
                let acme = try dependencies.registryTenant("acme")
                let globex = try dependencies.registryTenant("globex")
                let setup = try await sandbox.provisionTenant(slug: "acme", name: "Acme")
                var input = IntegrationSettingsInput()
                input.mode = "sandbox"
                input.whmURL = whmURL
                input.whmUser = setup.reseller
                input.whmToken = setup.resellerToken
                #expect(try await dependencies.upstreams.update(acme, with: input, actor: nil).isEmpty)
                let stolen = try await dependencies.upstreams.settings(of: acme)
                _ = try await dependencies.databases.withDatabase(for: globex) { try await $0.upstreams.save(stolen) }
                let checks = await dependencies.upstreams.testConnections(globex)
                #expect(checks.first { $0.upstream == .whm }?.failure?.contains("cannot be decrypted") == true)
                #expect(
                    await dependencies.upstreams.testConnections(acme).first { $0.upstream == .whm }?.succeeded == true)
                _ = whmcsURL
            }
        }
    }

    @Test("each tenant's customers land in that tenant's WHMCS group and WHM reseller, whatever they type")
    func tenantMapping() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal { client, dependencies in
                var tenants: [String: (Tenant, SandboxTenant)] = [:]
                for slug in ["acme", "globex"] {
                    let tenant = try dependencies.registryTenant(slug)
                    let setup = try await sandbox.provisionTenant(slug: slug, name: tenant.name)
                    var input = IntegrationSettingsInput()
                    input.mode = "sandbox"
                    input.whmcsURL = whmcsURL
                    input.whmcsIdentifier = sandbox.credentials.whmcsIdentifier
                    input.whmcsSecret = sandbox.credentials.whmcsSecret
                    input.whmcsGroup = String(setup.clientGroupID)
                    input.whmURL = whmURL
                    input.whmUser = setup.reseller
                    input.whmToken = setup.resellerToken
                    #expect(try await dependencies.upstreams.update(tenant, with: input, actor: nil).isEmpty)
                    try await dependencies.databases.withDatabase(for: tenant) { database in
                        _ = try database.updateBrandNow {
                            $0.nameservers = ["ns1.\(slug).example", "ns2.\(slug).example"]
                        }
                    }
                    tenants[slug] = (tenant, setup)
                }
                let (acme, acmeSetup) = try #require(tenants["acme"])
                let (globex, globexSetup) = try #require(tenants["globex"])
                #expect(acmeSetup.clientGroupID != globexSetup.clientGroupID)

                // A crafted company name and state try to smuggle another group into the form body.
                var profile = BillingProfile(
                    firstName: "Eve", lastName: "Mallory", address1: "1 Road", city: "Town",
                    state: "x&groupid=\(globexSetup.clientGroupID)", postcode: "AB1 2CD", country: "GB",
                    phoneNumber: "+44.1"
                )
                profile.companyName = "Evil&groupid[]=\(globexSetup.clientGroupID)"
                let eve = try await makeAccount(dependencies, tenant: "acme", email: "eve@example.com")
                let link = try await dependencies.upstreams.billingClient(for: eve, profile: profile, in: acme)
                #expect(link.groupID == acmeSetup.clientGroupID)
                let whmcs = try await dependencies.upstreams.whmcs(for: acme).client
                let details = try #require(try await whmcs.clientDetails(id: link.clientID))
                #expect(details.groupID == acmeSetup.clientGroupID)
                #expect(details.state == "x&groupid=\(globexSetup.clientGroupID)")
                // Created once: asking again returns the stored link without a second client.
                #expect(try await dependencies.upstreams.billingClient(for: eve, profile: profile, in: acme) == link)
                #expect(try await whmcs.clients(search: "eve@").total == 1)

                // The same address signing up with the other brand is never linked to Acme's client.
                let eveAtGlobex = try await makeAccount(dependencies, tenant: "globex", email: "eve@example.com")
                await #expect(throws: UpstreamMappingError.emailUnavailable) {
                    _ = try await dependencies.upstreams.billingClient(for: eveAtGlobex, profile: profile, in: globex)
                }
                #expect(
                    try await dependencies.databases.withDatabase(for: globex) {
                        try await $0.upstreams.billingClient(of: eveAtGlobex.id)
                    } == nil)

                // Only confirmed addresses get a billing account, and a WHMCS client the portal did not make for this
                // very account is never handed over, even inside the brand's own group.
                let unverified = try await dependencies.accounts("acme") {
                    try await $0.createAccount(
                        kind: .customer, email: "new@example.com", name: "New", passwordHash: nil, role: nil)
                }
                await #expect(throws: UpstreamMappingError.emailNotVerified) {
                    _ = try await dependencies.upstreams.billingClient(for: unverified, profile: profile, in: acme)
                }
                var victim = WHMCSNewClient(
                    firstName: "Vic", lastName: "Tim", email: "victim@example.com", address1: "1", city: "C",
                    state: "S",
                    postcode: "P", country: "GB", phoneNumber: "1", groupID: acmeSetup.clientGroupID
                )
                victim.password = "whatever password"
                _ = try await whmcs.addClient(victim)
                let impostor = try await makeAccount(dependencies, tenant: "acme", email: "victim@example.com")
                await #expect(throws: UpstreamMappingError.emailUnavailable) {
                    _ = try await dependencies.upstreams.billingClient(for: impostor, profile: profile, in: acme)
                }

                // Hosting: created under the tenant's own reseller with the tenant's nameservers.
                let hosting = try await dependencies.upstreams.createHostingAccount(
                    for: eve, domain: "Eve.Example.", plan: "\(acmeSetup.reseller)_starter", in: acme
                )
                #expect(hosting.reseller == acmeSetup.reseller)
                #expect(hosting.nameservers == ["ns1.acme.example", "ns2.acme.example"])
                #expect(hosting.domain == "eve.example")
                let globexWHM = try await dependencies.upstreams.whm(for: globex)
                #expect(try await globexWHM.accounts().isEmpty)
                #expect(try await dependencies.upstreams.whm(for: acme).accounts().map(\.user) == [hosting.username])
                // Another brand's package name is refused before anything is created.
                await #expect(throws: UpstreamMappingError.invalidPlan("\(globexSetup.reseller)_starter")) {
                    _ = try await dependencies.upstreams.createHostingAccount(
                        for: eve, domain: "other.example", plan: "\(globexSetup.reseller)_starter", in: acme
                    )
                }
                await #expect(throws: UpstreamMappingError.invalidDomain("not a domain")) {
                    _ = try await dependencies.upstreams.createHostingAccount(
                        for: eve, domain: "not a domain", plan: "\(acmeSetup.reseller)_starter", in: acme
                    )
                }
                #expect(
                    try await dependencies.databases.withDatabase(for: acme) {
                        try await $0.upstreams.hostingAccounts(of: eve.id)
                    }.map(\.username) == [hosting.username])

                // A crash after createacct was sent: the pending row's name is reused and the account adopted.
                let pending = try await dependencies.databases.withDatabase(for: acme) {
                    try await $0.upstreams.pendingHostingAccount(
                        account: eve.id, domain: "crash.example", plan: "\(acmeSetup.reseller)_starter",
                        reseller: acmeSetup.reseller, username: { "crashuser1" }
                    )
                }
                let acmeWHM = try await dependencies.upstreams.whm(for: acme)
                _ = try await acmeWHM.createAccount(
                    WHMNewAccount(
                        username: pending.username, domain: "crash.example", plan: "\(acmeSetup.reseller)_starter",
                        contactEmail: "")
                )
                let resumed = try await dependencies.upstreams.createHostingAccount(
                    for: eve, domain: "crash.example", plan: "\(acmeSetup.reseller)_starter", in: acme
                )
                #expect(resumed.username == "crashuser1")
                #expect(!resumed.isPending)
                #expect(try await acmeWHM.accounts().filter { $0.domain == "crash.example" }.count == 1)
                _ = client
            }
        }
    }

    @Test("a stored secret is only kept while its address, identifier, group, reseller and mode stay the same")
    func secretsFollowTheirConnection() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let setup = try await sandbox.provisionTenant(slug: "acme", name: "Acme Hosting")
            try await withPortal { client, dependencies in
                let owner = try await staffBrowser(client, dependencies)
                try await owner.get("/admin/integrations")
                var form = Self.validForm(
                    sandbox, whmcsURL: whmcsURL, whmURL: whmURL, group: setup.clientGroupID, reseller: setup.reseller,
                    token: setup.resellerToken
                )
                #expect(try await owner.post("/admin/integrations", form).status == .seeOther)
                form["whmcs_secret"] = ""
                form["whm_token"] = ""
                let tenant = try dependencies.registryTenant("acme")
                let before = try await dependencies.upstreams.settings(of: tenant)

                for (field, value, error) in [
                    ("whmcs_url", "http://127.0.0.1:1", "Enter the API secret again"),
                    ("whmcs_group", "999", "Enter the API secret again"),
                    ("whmcs_identifier", "someone-else", "Enter the API secret again"),
                    ("whm_url", "http://127.0.0.1:2", "Enter the API token again"),
                    ("whm_user", "rglobex", "Enter the API token again"),
                ] {
                    var changed = form
                    changed[field] = value
                    let refused = try await owner.post("/admin/integrations", changed)
                    #expect(refused.status == .unprocessableContent, "\(field)")
                    #expect(refused.text.contains(error), "\(field)")
                }
                #expect(try await dependencies.upstreams.settings(of: tenant) == before)
                // Unchanged connection: the stored secrets stay and still work.
                #expect(try await owner.post("/admin/integrations", form).status == .seeOther)
                #expect(await dependencies.upstreams.testConnections(tenant).allSatisfy(\.succeeded))
            }
        }
    }

    @Test("sandbox mode is refused unless the server enables it; live mode refuses this machine and private networks")
    func addressRules() async throws {
        try await withPortal(configure: { $0.allowSandboxUpstreams = false }) { client, dependencies in
            let owner = try await staffBrowser(client, dependencies)
            try await owner.get("/admin/integrations")
            let sandboxMode = try await owner.post(
                "/admin/integrations",
                [
                    "mode": "sandbox", "whmcs_url": "http://127.0.0.1:9001", "whmcs_identifier": "abc",
                    "whmcs_secret": "s",
                    "whmcs_group": "1", "whm_url": "", "whm_user": "", "whm_token": "", "nameservers": "",
                ]
            )
            #expect(sandboxMode.status == .unprocessableContent)
            #expect(sandboxMode.text.contains("Sandbox mode is not enabled on this server"))
            for address in [
                "https://127.0.0.1", "https://10.1.2.3", "https://169.254.169.254", "https://[::1]:2087",
                "https://192.168.0.10", "https://2130706433", "https://localhost", "https://intranet",
                // Spellings a text check rated public: glibc reads each as loopback.
                "https://0x7f.1", "https://[0::1]", "https://[0:0:0:0:0:0:0:1]", "https://[::ffff:7f00:1]",
                "https://017700000001", "https://127.1", "https://[64:ff9b::a00:1]", "https://localhost.",
            ] {
                let refused = try await owner.post(
                    "/admin/integrations",
                    [
                        "mode": "live", "whmcs_url": "", "whmcs_identifier": "", "whmcs_secret": "", "whmcs_group": "",
                        "whm_url": address, "whm_user": "acmeres", "whm_token": "TOKEN", "nameservers": "",
                    ]
                )
                #expect(refused.text.contains("not this machine or a private network"), "\(address)")
            }
            let accepted = try await owner.post(
                "/admin/integrations",
                [
                    "mode": "live", "whmcs_url": "", "whmcs_identifier": "", "whmcs_secret": "", "whmcs_group": "",
                    "whm_url": "https://server.acme.example:2087", "whm_user": "acmeres", "whm_token": "TOKEN123",
                    "nameservers": "",
                ]
            )
            #expect(accepted.status == .seeOther)
            // A brand left in sandbox mode on a server without it is refused at call time too.
            let tenant = try dependencies.registryTenant("globex")
            var stale = IntegrationSettings()
            stale.whmURL = "http://127.0.0.1:9"
            stale.whmUser = "rglobex"
            stale.whmToken = Data([1])
            _ = try await dependencies.databases.withDatabase(for: tenant) { try await $0.upstreams.save(stale) }
            let checks = await dependencies.upstreams.testConnections(tenant)
            #expect(
                checks.first { $0.upstream == .whm }?.failure
                    == "sandbox mode is not enabled on this server; switch the brand to live")
        }
    }

    @Test("host kinds: loopback, private and public, by the bytes of every literal spelling")
    func hostKinds() {
        #expect(HostKind("127.0.0.1") == .loopback)
        #expect(HostKind("127.9.9.9") == .loopback)
        #expect(HostKind("127.evil.com") == .publicName)
        #expect(HostKind("sandbox.localhost") == .loopback)
        #expect(HostKind("[::1]") == .loopback)
        #expect(HostKind("::ffff:10.0.0.1") == .privateAddress)
        #expect(HostKind("172.20.1.1") == .privateAddress)
        #expect(HostKind("172.32.1.1") == .publicAddress)
        #expect(HostKind("100.100.1.1") == .privateAddress)
        #expect(HostKind("0.0.0.0") == .privateAddress)
        #expect(HostKind("127.1") == .loopback)
        #expect(HostKind("0x7f.1") == .loopback)
        #expect(HostKind("[0:0:0:0:0:0:0:1]") == .loopback)
        #expect(HostKind("[::ffff:7f00:1]") == .privateAddress)
        #expect(HostKind("fd00::1") == .privateAddress)
        #expect(HostKind("fe80::1%eth0") == .privateAddress)
        #expect(HostKind("2001:db8::1") == .privateAddress)
        #expect(HostKind("2606:4700:4700::1111") == .publicAddress)
        #expect(HostKind("8.8.8.8") == .publicAddress)
        #expect(HostKind("billing.acme.example") == .publicName)
    }

    @Test("a live brand's name that resolves to this machine is never connected to; the owner reads only the name")
    func rebindingNameRefused() async throws {
        let logs = LogCapture()
        let resolver = HostResolver { name in
            name == "billing.rebind.example" ? [NetworkAddress(literal: "127.0.0.1")!] : []
        }
        try await withPortal(
            configure: {
                $0.allowSandboxUpstreams = true
                $0.upstreamTransport = .live(
                    PinnedHTTPClients(configuration: UpstreamHTTP.configuration), egress: Egress(resolver: resolver))
            }, logger: logs.logger
        ) { client, dependencies in
            let owner = try await staffBrowser(client, dependencies)
            try await owner.get("/admin/integrations")
            let saved = try await owner.post(
                "/admin/integrations",
                [
                    "mode": "live", "whmcs_url": "https://billing.rebind.example:9443", "whmcs_identifier": "abc",
                    "whmcs_secret": "s", "whmcs_group": "1", "whm_url": "", "whm_user": "", "whm_token": "",
                    "nameservers": "",
                ])
            #expect(saved.status == .seeOther)
            let tested = try await owner.post("/admin/integrations/test", [:])
            #expect(tested.text.contains("could not connect to billing.rebind.example"))
            for leak in ["127.0.0.1", "loopback", "refused"] { #expect(!tested.text.contains(leak), "\(leak)") }
            // Refused before any connection (not retried), and the reason is in the log for the operator.
            let line = try #require(logs.captured.first { $0.metadata["outcome"] == "address_refused" })
            #expect(line.metadata["detail"]?.contains("127.0.0.1 (loopback)") == true)
            #expect(line.metadata["attempts"] == "1")
        }
    }

    @Test(
        "portal tenant set-integration and test-integration: files for secrets, exit 1 with a reason per failing upstream"
    )
    func commandLine() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let folder = try TemporaryFolder()
            try await createTenants([.acme], in: folder.path)
            let cli = CLI(dataPath: folder.path)
            let setup = try await sandbox.provisionTenant(slug: "acme", name: "Acme")
            let secretFile = folder.path + "/whmcs.secret"
            let tokenFile = folder.path + "/whm.token"
            try sandbox.credentials.whmcsSecret.write(toFile: secretFile, atomically: true, encoding: .utf8)
            try (setup.resellerToken + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)

            let untested = await cli.run(["tenant", "test-integration", "--slug", "acme"])
            #expect(untested.exitCode == 1)
            #expect(untested.errorMessage?.contains("no upstream configured") == true)

            let refused = await cli.run([
                "tenant", "set-integration", "--slug", "acme", "--mode", "live", "--whm-url", whmURL,
                "--whm-user", setup.reseller, "--whm-token-file", tokenFile,
            ])
            #expect(refused.exitCode == 1)
            #expect(refused.output.contains("--whm-url: Live mode needs an https:// address."))

            let saved = await cli.run([
                "tenant", "set-integration", "--slug", "acme", "--mode", "sandbox", "--whmcs-url", whmcsURL,
                "--whmcs-identifier", sandbox.credentials.whmcsIdentifier, "--whmcs-secret-file", secretFile,
                "--whmcs-group", String(setup.clientGroupID), "--whm-url", whmURL, "--whm-user", setup.reseller,
                "--whm-token-file", tokenFile,
            ])
            #expect(saved.exitCode == 0, "\(saved.output) \(saved.errorMessage ?? "")")
            #expect(saved.output.contains("secret stored"))
            #expect(!saved.output.contains(sandbox.credentials.whmcsSecret))
            #expect(!saved.output.contains(setup.resellerToken))

            let passing = await cli.run(["tenant", "test-integration", "--slug", "acme"])
            #expect(passing.exitCode == 0)
            #expect(passing.output == "WHMCS: ok\nWHM: ok")

            sandbox.whmFaults.set(.http500)
            let failing = await cli.run(["tenant", "test-integration", "--slug", "acme"])
            sandbox.whmFaults.clear()
            #expect(failing.exitCode == 1)
            #expect(failing.output.contains("WHMCS: ok"))
            #expect(failing.output.contains("WHM: WHM answered myprivs with HTTP 500"))

            let missingFile = await cli.run([
                "tenant", "set-integration", "--slug", "acme", "--whm-token-file", "/nonexistent",
            ])
            #expect(missingFile.exitCode == 1)
            #expect(missingFile.errorMessage?.contains("cannot read /nonexistent") == true)
        }
    }
}
