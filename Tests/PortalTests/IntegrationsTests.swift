import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Integrations
import Sandbox
import Tenancy
import Testing

@testable import Portal

/// The owner's connection settings page, the stored secrets, and the tenant → upstream mapping.
@Suite("Upstream connections")
struct UpstreamConnectionTests {
    static func ownerBrowser(_ client: any TestClientProtocol, _ dependencies: PortalDependencies, tenant: String = "acme")
        async throws -> TestBrowser
    {
        try await makeAccount(dependencies, tenant: tenant, kind: .staff, email: "owner@\(tenant).example", role: .owner)
        try await dependencies.accounts(tenant) { try await $0.setSetting(StaffTwoFactorPolicy.key, to: "off") }
        let browser = TestBrowser(client, host: "\(tenant).localhost")
        try await signIn(browser, email: "owner@\(tenant).example", staff: true)
        return browser
    }

    static func validForm(_ sandbox: Sandbox, whmcsURL: String, whmURL: String, group: Int, reseller: String, token: String)
        -> [String: String]
    {
        [
            "mode": "sandbox", "whmcs_url": whmcsURL + "/includes/api.php", "whmcs_identifier": sandbox.credentials.whmcsIdentifier,
            "whmcs_secret": sandbox.credentials.whmcsSecret, "whmcs_accesskey": "", "whmcs_group": String(group),
            "whm_url": whmURL, "whm_user": reseller, "whm_token": token, "nameservers": "ns1.acme.example\nns2.acme.example",
        ]
    }

    @Test("bad input is refused field by field and nothing is stored")
    func validation() async throws {
        try await withPortal { client, dependencies in
            let owner = try await Self.ownerBrowser(client, dependencies)
            try await owner.get("/admin/integrations")
            let response = try await owner.post(
                "/admin/integrations",
                [
                    "mode": "live", "whmcs_url": "http://billing.acme.example", "whmcs_identifier": "has space",
                    "whmcs_secret": "", "whmcs_group": "three", "whm_url": "https://whm.acme.example:2087", "whm_user": "root",
                    "whm_token": "not a token!", "nameservers": "ns1.acme.example",
                ]
            )
            #expect(response.status == .unprocessableContent)
            for message in [
                "Live mode needs an https:// address.", "An API identifier has no spaces", "Enter the API secret.",
                "Enter the client group&#39;s number", "Use this brand&#39;s reseller account, not root",
                "A WHM API token holds letters and digits only", "Give 2 to 4 nameservers",
            ] {
                #expect(response.text.contains(message), "missing: \(message)")
            }
            #expect(response.text.contains(#"value="http://billing.acme.example""#))
            #expect(response.text.contains(#"aria-invalid="true""#))
            let tenant = try dependencies.registryTenant("acme")
            let stored = try await dependencies.upstreams.settings(of: tenant)
            #expect(stored == { var fresh = IntegrationSettings(); fresh.revision = 0; return fresh }())

            let sandboxURL = try await owner.post(
                "/admin/integrations",
                ["mode": "sandbox", "whmcs_url": "https://billing.acme.example", "whmcs_identifier": "abc", "whmcs_secret": "s",
                 "whmcs_group": "1", "whm_url": "", "whm_user": "", "whm_token": "", "nameservers": ""]
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
                let owner = try await Self.ownerBrowser(client, dependencies)
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
                #expect(page.text.contains("stored"))

                // At rest: sealed blobs only.
                let tenant = try dependencies.registryTenant("acme")
                let secretBlob = try await dependencies.databases.withDatabase(for: tenant) { database in
                    try await database.pool.read { db in
                        try Data.fetchOne(db, sql: "SELECT whmcs_secret FROM integration_settings")!
                    }
                }
                #expect(!String(decoding: secretBlob, as: UTF8.self).contains(sandbox.credentials.whmcsSecret))
                #expect(try await dependencies.upstreams.whm(for: tenant).credentials.token == setup.resellerToken)
                #expect(try await dependencies.accounts("acme") { try await $0.auditEntries(action: "integrations.updated") }.count == 1)

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
                #expect(await dependencies.upstreams.testConnections(acme).first { $0.upstream == .whm }?.succeeded == true)
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
                    input.nameservers = ["ns1.\(slug).example", "ns2.\(slug).example"]
                    #expect(try await dependencies.upstreams.update(tenant, with: input, actor: nil).isEmpty)
                    tenants[slug] = (tenant, setup)
                }
                let (acme, acmeSetup) = try #require(tenants["acme"])
                let (globex, globexSetup) = try #require(tenants["globex"])
                #expect(acmeSetup.clientGroupID != globexSetup.clientGroupID)

                // A crafted company name and state try to smuggle another group into the form body.
                var profile = BillingProfile(
                    firstName: "Eve", lastName: "Mallory", address1: "1 Road", city: "Town",
                    state: "x&groupid=\(globexSetup.clientGroupID)", postcode: "AB1 2CD", country: "GB", phoneNumber: "+44.1"
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
                await #expect(throws: UpstreamMappingError.emailInUseElsewhere) {
                    _ = try await dependencies.upstreams.billingClient(for: eveAtGlobex, profile: profile, in: globex)
                }
                #expect(try await dependencies.databases.withDatabase(for: globex) {
                    try await $0.upstreams.billingClient(of: eveAtGlobex.id)
                } == nil)

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
                #expect(try await dependencies.databases.withDatabase(for: acme) {
                    try await $0.upstreams.hostingAccounts(of: eve.id)
                }.map(\.username) == [hosting.username])
                _ = client
            }
        }
    }

    @Test("portal tenant set-integration and test-integration: files for secrets, exit 1 with a reason per failing upstream")
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

            let refused = await cli.run(["tenant", "set-integration", "--slug", "acme", "--mode", "live", "--whm-url", whmURL,
                                          "--whm-user", setup.reseller, "--whm-token-file", tokenFile])
            #expect(refused.exitCode == 1)
            #expect(refused.output.contains("--whm-url: Live mode needs an https:// address."))

            let saved = await cli.run([
                "tenant", "set-integration", "--slug", "acme", "--mode", "sandbox", "--whmcs-url", whmcsURL,
                "--whmcs-identifier", sandbox.credentials.whmcsIdentifier, "--whmcs-secret-file", secretFile,
                "--whmcs-group", String(setup.clientGroupID), "--whm-url", whmURL, "--whm-user", setup.reseller,
                "--whm-token-file", tokenFile, "--nameserver", "ns1.acme.example", "--nameserver", "ns2.acme.example",
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
            #expect(failing.output.contains("WHM: WHM answered listpkgs with HTTP 500"))

            let missingFile = await cli.run(["tenant", "set-integration", "--slug", "acme", "--whm-token-file", "/nonexistent"])
            #expect(missingFile.exitCode == 1)
            #expect(missingFile.errorMessage?.contains("cannot read /nonexistent") == true)
        }
    }
}
