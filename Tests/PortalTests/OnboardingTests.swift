import Foundation
import GRDB
import HummingbirdTesting
import Integrations
import Sandbox
import Synchronization
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// Makes one WHM function (or WHMCS action) answer with an API error while set, as a refusing upstream would.
final class UpstreamRefusal: Sendable {
    let function = Mutex<String?>(nil)
    /// A second function refused at the same time (an undo that fails too).
    let also = Mutex<String?>(nil)

    var transport: UpstreamTransport {
        UpstreamTransport { request, timeout in
            let refused = [self.function.withLock { $0 }, self.also.withLock { $0 }].compactMap { $0 }
            if let name = refused.first(where: { request.url.contains("/json-api/\($0)?") }) {
                let body =
                    #"{"metadata":{"command":"\#(name)","version":1,"result":0,"reason":"Injected refusal of \#(name)"}}"#
                return UpstreamResponse(status: 200, body: Data(body.utf8))
            }
            return try await UpstreamHTTP.transport.send(request, timeout)
        }
    }
}

@Suite("Onboarding wizard")
struct OnboardingTests {
    static func configure(_ sandbox: Sandbox, whmcsURL: String, whmURL: String, refusal: UpstreamRefusal? = nil)
        -> (inout PortalConfiguration) -> Void
    {
        { configuration in
            configuration.allowSandboxUpstreams = true
            configuration.sandboxUpstreams = SandboxUpstreams(
                whmcsURL: whmcsURL, whmcsIdentifier: sandbox.credentials.whmcsIdentifier,
                whmcsSecret: sandbox.credentials.whmcsSecret,
                whmURL: whmURL, whmRootToken: sandbox.credentials.whmRootToken
            )
            if let refusal { configuration.upstreamTransport = refusal.transport }
        }
    }

    /// Walks the wizard to the review page; returns the draft's path.
    static func walk(
        _ console: TestBrowser, slug: String = "initech", domains: String = "portal.initech.example",
        mapping: [String: String]
    ) async throws -> String {
        try await console.get("/onboarding")
        let brand = try await console.post("/onboarding", ["slug": slug, "name": "Initech Hosting"])
        #expect(brand.status == .seeOther, "\(brand.text)")
        let base = try #require(brand.headers[.location]?.replacingOccurrences(of: "/domains", with: ""))
        for (step, fields) in [
            ("domains", ["domains": domains]), ("owner", ["owner_email": "Owner@Initech.example"]),
            ("connection", ["mode": "sandbox"]), ("mapping", mapping),
        ] {
            try await console.get("\(base)/\(step)")
            let response = try await console.post("\(base)/\(step)", fields)
            #expect(response.status == .seeOther, "\(step): \(response.text)")
        }
        return base
    }

    @Test(
        "the wizard creates a brand with a new reseller set up through root, a group from GetClientGroups and an invited owner"
    )
    func createsWithNewReseller() async throws {
        let clock = TestClock()
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let group = try await sandbox.whmcs.ensureClientGroup(slug: "initech", name: "Initech customers")
            try await withPortal(configure: Self.configure(sandbox, whmcsURL: whmcsURL, whmURL: whmURL), clock: clock) {
                client, dependencies in
                let console = try await consoleBrowser(client, dependencies, clock: clock)
                #expect(try await console.get("/").text.contains(#"href="/onboarding""#))
                try await console.get("/onboarding")
                let brand = try await console.post("/onboarding", ["slug": "initech", "name": "Initech Hosting"])
                let base = try #require(brand.headers[.location]?.replacingOccurrences(of: "/domains", with: ""))
                // Later steps are not open yet.
                #expect(try await console.get("\(base)/review").headers[.location] == "\(base)/domains")
                try await console.get("\(base)/domains")
                #expect(
                    try await console.post("\(base)/domains", ["domains": "portal.initech.example"]).status == .seeOther
                )
                try await console.get("\(base)/owner")
                #expect(
                    try await console.post("\(base)/owner", ["owner_email": "owner@initech.example"]).status
                        == .seeOther)
                try await console.get("\(base)/connection")
                #expect(try await console.post("\(base)/connection", ["mode": "sandbox"]).status == .seeOther)
                let mapping = try await console.get("\(base)/mapping")
                #expect(mapping.text.contains("Initech customers (#\(group))"), "GetClientGroups' groups are offered")
                // The currency must be one WHMCS has.
                let noSuchCurrency = try await console.post(
                    "\(base)/mapping",
                    [
                        "whmcs_group": String(group), "reseller": "new", "reseller_user": "rinitech",
                        "nameservers": "ns1.initech.example\r\nns2.initech.example", "currency": "xyz",
                    ]
                )
                #expect(noSuchCurrency.status == .unprocessableContent)
                #expect(noSuchCurrency.text.contains("WHMCS has no XYZ currency"))
                let mapped = try await console.post(
                    "\(base)/mapping",
                    [
                        "whmcs_group": String(group), "reseller": "new", "reseller_user": "rinitech",
                        "nameservers": "ns1.initech.example\r\nns2.initech.example", "currency": "jpy",
                    ]
                )
                #expect(mapped.status == .seeOther, "\(mapped.text)")
                let review = try await console.get("\(base)/review")
                #expect(review.text.contains("new: rinitech on portal.initech.example"))
                #expect(review.text.contains("JPY"))
                #expect(!review.text.contains(sandbox.credentials.whmRootToken), "secrets never reach a page")
                #expect(!review.text.contains(sandbox.credentials.whmcsSecret))

                let created = try await console.post("\(base)/create", [:])
                #expect(created.status == .seeOther, "\(created.text)")
                #expect(created.headers[.location] == "/tenants/initech?done=created")
                #expect(
                    try await console.get("/tenants/initech?done=created").text.contains(
                        "The owner has been sent an invitation"))
                // The draft is gone once used.
                #expect(try await console.get("\(base)/review").status == .notFound)

                // Registry: the platform address serves; the custom domain waits for its DNS proof.
                let tenant = try dependencies.registryTenant("initech")
                // The brand sells in the currency chosen, with WHMCS's rates kept for its cost floor.
                let (currency, rates) = try await dependencies.databases.withDatabase(for: tenant) { database in
                    (
                        try await database.storefront().brand.currency,
                        try await database.accounts.setting(ExchangeRates.settingKey)
                    )
                }
                #expect(currency == "JPY" && rates?.contains("JPY=190.5") == true)
                let domains = try dependencies.platform.domains(of: tenant.id)
                #expect(domains.first(where: \.isPrimary)?.hostname == "initech.localhost")
                #expect(domains.first { $0.hostname == "portal.initech.example" }?.status == .pending)
                #expect(try await client.get("/", host: "initech.localhost").status == .ok)

                // WHM: the reseller owns itself and carries the brand's nameservers.
                let reseller = try #require(try await sandbox.whmReseller("rinitech"))
                #expect(reseller.owner == "rinitech")
                #expect(reseller.nameservers == "ns1.initech.example,ns2.initech.example")

                // The brand's connection: root acting for its reseller, sealed; every upstream answers.
                let settings = try await dependencies.upstreams.settings(of: tenant)
                #expect(settings.mode == .sandbox && settings.whmUser == "root" && settings.whmReseller == "rinitech")
                #expect(settings.whmcsGroupID == group)
                #expect(await dependencies.upstreams.testConnections(tenant).allSatisfy(\.succeeded))
                let brandRow = try await dependencies.databases.withDatabase(for: tenant) {
                    try await $0.storefront().brand
                }
                #expect(
                    brandRow.companyName == "Initech Hosting"
                        && brandRow.nameservers == ["ns1.initech.example", "ns2.initech.example"])

                // The owner's invitation, branded, with a working set-up link.
                let mail = try #require(try await dependencies.outbox("initech").first)
                #expect(mail.toAddress == "owner@initech.example")
                let link = try #require(firstLink(in: mail).flatMap { URLComponents(string: $0) })
                #expect(link.host == "initech.localhost" && link.path == "/admin/accept-invite")
                let owner = TestBrowser(client, host: "initech.localhost")
                #expect(try await owner.get("\(link.path)?\(link.query ?? "")").status == .ok)

                let audit = try await dependencies.platform.accounts.auditEntries()
                #expect(
                    audit.contains {
                        $0.action == "tenant.created" && $0.target == "initech"
                            && $0.detail.contains("WHM account rinitech")
                    })
            }
        }
    }

    @Test("through root the brand creates accounts for its reseller only and cannot touch another reseller's account")
    func rootActsForOneReseller() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let group = try await sandbox.whmcs.ensureClientGroup(slug: "initech", name: "Initech customers")
            try await withPortal(configure: Self.configure(sandbox, whmcsURL: whmcsURL, whmURL: whmURL)) {
                _, dependencies in
                var plan = Self.plan(group: group)
                plan.reseller = .new
                plan.resellerUser = "rinitech"
                plan.nameservers = ["ns1.initech.example", "ns2.initech.example"]
                let created = try await Self.provisioner(dependencies).create(plan) { _, _ in }
                try await dependencies.registry.reload()
                let whm = try await dependencies.upstreams.whm(for: created.tenant)
                #expect(whm.reseller == "rinitech")
                let package = try await whm.addPackage(
                    WHMPackageSpec(name: "starter", diskMB: 1024, bandwidthMB: 10240))
                #expect(package == "rinitech_starter")
                #expect(try await whm.packages().map(\.name) == ["rinitech_starter"], "only the reseller's packages")

                let customer = try await makeAccount(dependencies, tenant: "initech", email: "ada@example.com")
                let hosting = try await dependencies.upstreams.createHostingAccount(
                    for: customer, domain: "ada.example", plan: "rinitech_starter", in: created.tenant
                )
                let account = try #require(try await sandbox.whmReseller(hosting.username))
                #expect(account.owner == "rinitech")
                #expect(account.nameservers == "ns1.initech.example,ns2.initech.example")

                // Another reseller's account (the sandbox's default reseller) is out of reach.
                _ = try await Self.defaultReseller(sandbox, whmURL).createAccount(
                    WHMNewAccount(
                        username: "otheruser", domain: "other.example", plan: "default", contactEmail: "o@example.com",
                        password: nil))
                // Neither is the reseller's own account: it is never one of the brand's customers'.
                for user in ["otheruser", "rinitech"] {
                    for attempt in [
                        { try await whm.suspend(username: user, reason: "x") },
                        { try await whm.remove(username: user) },
                        { try await whm.changePackage(username: user, package: "rinitech_starter") },
                        { _ = try await whm.createUserSession(username: user) },
                    ] as [@Sendable () async throws -> Void] {
                        do {
                            try await attempt()
                            Issue.record("\(user) was reachable through root")
                        } catch let error as UpstreamError {
                            guard case .apiError(_, "ownership", _) = error else { Issue.record("\(error)"); continue }
                        }
                    }
                    #expect(try await sandbox.whmAccountSuspended(user) == false)
                }
                #expect(
                    try await whm.accounts().map(\.user) == [hosting.username], "only the brand's customers' accounts")
            }
        }
    }

    @Test("each step refuses bad input beside the field, checks the upstreams and keeps what was typed")
    func stepValidation() async throws {
        let clock = TestClock()
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let group = try await sandbox.whmcs.ensureClientGroup(slug: "initech", name: "Initech customers")
            try await withPortal(configure: Self.configure(sandbox, whmcsURL: whmcsURL, whmURL: whmURL), clock: clock) {
                client, dependencies in
                let console = try await consoleBrowser(client, dependencies, clock: clock)
                try await console.get("/onboarding")
                for (fields, message) in [
                    (["slug": "Bad Slug", "name": "X"], "Invalid slug"),
                    (["slug": "acme", "name": "X"], "already exists"),
                    (["slug": "platform", "name": "X"], "reserved"),
                    (["slug": "initech", "name": " "], "Enter the brand"),
                ] {
                    let refused = try await console.post("/onboarding", fields)
                    #expect(refused.status == .unprocessableContent)
                    #expect(refused.text.contains(message), "\(fields): \(message)")
                    #expect(refused.text.contains(#"aria-invalid="true""#))
                }
                let brand = try await console.post("/onboarding", ["slug": "initech", "name": "Initech Hosting"])
                let base = try #require(brand.headers[.location]?.replacingOccurrences(of: "/domains", with: ""))

                try await console.get("\(base)/domains")
                for (domains, message) in [
                    ("portal.acme.example", "already belongs to a tenant"), ("x.localhost", "base domain"),
                    ("bad_domain!.example", "Invalid domain"),
                    ("a.initech.example\na.initech.example", "already belongs"),
                ] {
                    let refused = try await console.post("\(base)/domains", ["domains": domains])
                    #expect(refused.status == .unprocessableContent)
                    #expect(refused.text.contains(message), "\(domains): \(refused.text.prefix(0))\(message)")
                    #expect(refused.text.contains(domains.components(separatedBy: "\n")[0]), "what was typed stays")
                }
                #expect(try await console.post("\(base)/domains", ["domains": ""]).status == .seeOther)
                try await console.get("\(base)/owner")
                #expect(
                    try await console.post("\(base)/owner", ["owner_email": "not-an-address"]).text.contains(
                        "owner-error"))
                #expect(
                    try await console.post("\(base)/owner", ["owner_email": "owner@initech.example"]).status
                        == .seeOther)

                try await console.get("\(base)/connection")
                let live = try await console.post(
                    "\(base)/connection",
                    ["mode": "live", "whmcs_url": "http://billing.example.com", "whm_url": "https://127.0.0.1:2087"])
                #expect(live.status == .unprocessableContent)
                #expect(
                    live.text.contains("Live mode needs an https:// address"),
                    "\(live.text.matches(of: /field__error[^<]*/).map(\.0))")
                #expect(live.text.contains("public address"))
                let refused = try await console.post(
                    "\(base)/connection",
                    [
                        "mode": "sandbox", "whmcs_url": whmcsURL, "whmcs_identifier": "wrong", "whmcs_secret": "wrong",
                        "whm_url": whmURL,
                    ]
                )
                #expect(refused.status == .unprocessableContent)
                #expect(refused.text.contains("WHMCS refused these credentials"))
                #expect(try await console.post("\(base)/connection", ["mode": "sandbox"]).status == .seeOther)

                try await console.get("\(base)/mapping")
                _ = try await Self.defaultReseller(sandbox, whmURL).createAccount(
                    WHMNewAccount(
                        username: "takenuser", domain: "taken.example", plan: "default", contactEmail: "t@example.com",
                        password: nil)
                )
                for (fields, field, message) in [
                    (
                        [
                            "whmcs_group_id": "999", "reseller": "existing",
                            "reseller_user": sandbox.credentials.whmUser, "whm_token": sandbox.credentials.whmToken,
                        ],
                        "whmcs-group-error", "WHMCS has no client group 999"
                    ),
                    (
                        [
                            "whmcs_group": String(group), "reseller": "existing",
                            "reseller_user": sandbox.credentials.whmUser, "whm_token": "WRONGTOKEN",
                        ],
                        "whm-token-error", "WHM refused this token for \(sandbox.credentials.whmUser)"
                    ),
                    (
                        [
                            "whmcs_group": String(group), "reseller": "new", "reseller_user": "takenuser",
                            "nameservers": "ns1.a.example\nns2.a.example",
                        ],
                        "reseller-user-error", "WHM already has an account called"
                    ),
                    (
                        [
                            "whmcs_group": String(group), "reseller": "new", "reseller_user": "rinitech",
                            "nameservers": "ns1.a.example",
                        ],
                        "nameservers-error", "at least two nameservers"
                    ),
                    (
                        [
                            "whmcs_group": String(group), "reseller": "existing", "reseller_user": "root",
                            "whm_token": "ABC",
                        ],
                        "reseller-user-error", "not root"
                    ),
                ] {
                    let response = try await console.post("\(base)/mapping", fields)
                    #expect(response.status == .unprocessableContent, "\(message)")
                    #expect(
                        response.text.contains(field) && response.text.contains(message),
                        "\(message): \(response.text.matches(of: /field__error[^<]*/).map(\.0))")
                }
                // A typed group number is checked against WHMCS too, and then accepted.
                let typed = try await console.post(
                    "\(base)/mapping",
                    [
                        "whmcs_group_id": String(group), "reseller": "existing",
                        "reseller_user": sandbox.credentials.whmUser, "whm_token": sandbox.credentials.whmToken,
                    ]
                )
                #expect(typed.status == .seeOther, "\(typed.text)")

                #expect(
                    try dependencies.platform.allTenants().map(\.slug.rawValue).sorted() == ["acme", "globex"],
                    "nothing created by the steps")
                #expect(try await sandbox.whmReseller("rinitech") == nil)
            }
        }
    }

    @Test(
        "a failure at any step of creating undoes every step before it",
        arguments: [
            "createacct", "setupreseller", "setresellernameservers", "register", "settings", "invite",
        ])
    func rollback(at step: String) async throws {
        let refusal = UpstreamRefusal()
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let group = try await sandbox.whmcs.ensureClientGroup(slug: "initech", name: "Initech customers")
            try await withPortal(
                configure: Self.configure(sandbox, whmcsURL: whmcsURL, whmURL: whmURL, refusal: refusal)
            ) { _, dependencies in
                var plan = Self.plan(group: group)
                plan.reseller = .new
                plan.resellerUser = "rinitech"
                plan.nameservers = ["ns1.initech.example", "ns2.initech.example"]
                plan.domains = ["portal.initech.example"]
                let provisioner = Self.provisioner(dependencies)
                switch step {
                case "createacct", "setupreseller", "setresellernameservers": refusal.function.withLock { $0 = step }
                case "settings":
                    // The new brand's database cannot be opened for its settings: every id it could get is in maintenance.
                    dependencies.databases.setMaintenance(Set((3...40).map { Tenant.ID($0) }))
                case "register":
                    // Something else took the folder after the checks: registering fails after the reseller exists.
                    try FileManager.default.createDirectory(
                        at: dependencies.dataDirectory.tenantFolder(try TenantSlug(validating: "initech")),
                        withIntermediateDirectories: true)
                default: break
                }
                let failure = await #expect(throws: OnboardingFailure.self) {
                    try await provisioner.create(plan) { _, _ in
                        if step == "invite" {
                            throw UpstreamError.apiError(.whmcs, action: "SendEmail", message: "injected")
                        }
                    }
                }
                let expectedStep =
                    [
                        "createacct": "Creating the reseller account", "setupreseller": "Making rinitech a reseller",
                        "setresellernameservers": "Setting the reseller's nameservers",
                        "register": "Registering the brand",
                        "settings": "Saving the upstream settings", "invite": "Inviting the owner",
                    ][step] ?? "?"
                #expect(failure?.step.hasPrefix(expectedStep) == true, "\(String(describing: failure))")
                #expect(failure?.leftBehind == [], "\(String(describing: failure))")
                refusal.function.withLock { $0 = nil }
                #expect(try await sandbox.whmReseller("rinitech") == nil, "the WHM account is removed again")
                #expect(try dependencies.platform.allTenants().map(\.slug.rawValue).sorted() == ["acme", "globex"])
                #expect(try dependencies.platform.allDomains().allSatisfy { !$0.hostname.contains("initech") })
                let leftovers = try FileManager.default.contentsOfDirectory(
                    atPath: dependencies.dataDirectory.root.path
                ).filter { $0.hasPrefix(".staging") }
                #expect(leftovers.isEmpty)
                // With the cause gone, the same plan goes through.
                if step == "register" {
                    try FileManager.default.removeItem(
                        at: dependencies.dataDirectory.tenantFolder(try TenantSlug(validating: "initech")))
                }
                if step == "settings" { dependencies.databases.setMaintenance([]) }
                let created = try await provisioner.create(plan) { _, _ in }
                #expect(created.tenant.slug.rawValue == "initech")
            }
        }
    }

    @Test("a refused create shows why on the review page, says nothing was created, and keeps the draft to retry")
    func wizardFailureKeepsDraft() async throws {
        let clock = TestClock()
        let refusal = UpstreamRefusal()
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let group = try await sandbox.whmcs.ensureClientGroup(slug: "initech", name: "Initech customers")
            try await withPortal(
                configure: Self.configure(sandbox, whmcsURL: whmcsURL, whmURL: whmURL, refusal: refusal), clock: clock
            ) { client, dependencies in
                let console = try await consoleBrowser(client, dependencies, clock: clock)
                let base = try await Self.walk(
                    console,
                    mapping: [
                        "whmcs_group": String(group), "reseller": "new", "reseller_user": "rinitech",
                        "nameservers": "ns1.i.example\nns2.i.example",
                    ]
                )
                try await console.get("\(base)/review")
                refusal.function.withLock { $0 = "setupreseller" }
                let failed = try await console.post("\(base)/create", [:])
                #expect(failed.status == .badGateway)
                #expect(failed.text.contains("Making rinitech a reseller (setupreseller) failed"))
                #expect(failed.text.contains("Injected refusal of setupreseller"))
                #expect(failed.text.contains("Nothing was created"))
                #expect(try await sandbox.whmReseller("rinitech") == nil)
                #expect(throws: TenancyError.self) { try dependencies.registryTenant("initech") }
                let audit = try await dependencies.platform.accounts.auditEntries()
                #expect(audit.contains { $0.action == "tenant.create_failed" && $0.target == "initech" })

                // When an undo fails too, the page lists what is left to remove by hand.
                refusal.also.withLock { $0 = "removeacct" }
                try await console.get("\(base)/review")
                let stuck = try await console.post("\(base)/create", [:])
                #expect(stuck.status == .badGateway)
                #expect(stuck.text.contains("Left behind"))
                #expect(
                    stuck.text.contains(
                        "the WHM account rinitech (WHM removeacct failed: Injected refusal of removeacct)"),
                    "\(stuck.text)")
                #expect(!stuck.text.contains("Nothing was created"))
                refusal.also.withLock { $0 = nil }
                _ = try await WHMRootClient(
                    baseURL: whmURL, token: sandbox.credentials.whmRootToken,
                    caller: .loopback(tenant: "test", upstream: .whm, credentialIdentifier: "root")
                ).removeIfMade(username: "rinitech", domain: "portal.initech.example")

                refusal.function.withLock { $0 = nil }
                try await console.get("\(base)/review")
                #expect(try await console.post("\(base)/create", [:]).status == .seeOther)
                #expect(try dependencies.registryTenant("initech").name == "Initech Hosting")
            }
        }
    }

    @Test(
        "portal tenant add maps a tenant with the same checks: an existing reseller, a checked group, rollback on refusal"
    )
    func cliFlags() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let group = try await sandbox.whmcs.ensureClientGroup(slug: "initech", name: "Initech customers")
            let folder = try TemporaryFolder()
            let cli = CLI(dataPath: folder.path)
            let secret = folder.path + "/whmcs.secret", token = folder.path + "/whm.token"
            try sandbox.credentials.whmcsSecret.write(toFile: secret, atomically: true, encoding: .utf8)
            try sandbox.credentials.whmToken.write(toFile: token, atomically: true, encoding: .utf8)
            let common = [
                "tenant", "add", "--slug", "initech", "--name", "Initech Hosting", "--owner-email",
                "owner@initech.example",
                "--mode", "sandbox", "--whmcs-url", whmcsURL, "--whmcs-identifier", sandbox.credentials.whmcsIdentifier,
                "--whmcs-secret-file", secret, "--whm-url", whmURL, "--reseller", sandbox.credentials.whmUser,
                "--whm-token-file", token,
            ]
            let wrongGroup = await cli.run(common + ["--whmcs-group", "999"])
            #expect(wrongGroup.exitCode != 0)
            #expect(
                wrongGroup.errorMessage?.contains("WHMCS has no client group 999") == true,
                "\(wrongGroup.errorMessage ?? "")")
            #expect(try cli.registry().tenants.isEmpty)

            let orphan = await cli.run(["tenant", "add", "--slug", "x1", "--name", "X", "--whm-url", whmURL])
            #expect(orphan.errorMessage?.contains("give --mode") == true)

            let made = await cli.run(common + ["--whmcs-group", String(group), "--domain", "portal.initech.example"])
            #expect(made.exitCode == 0, "\(made.errorMessage ?? "")")
            #expect(made.output.contains("Created tenant initech"))
            #expect(made.output.contains("/admin/accept-invite?token="))
            #expect(made.output.contains("primary  portal.initech.example"))
            #expect(!made.output.contains(sandbox.credentials.whmToken))
            let platform = try PlatformDatabase(dataDirectory: DataDirectory(path: folder.path))
            defer { try? platform.close() }
            let tenant = try #require(try platform.tenant(slug: TenantSlug(validating: "initech")))
            let database = try TenantDatabase.open(
                path: DataDirectory(path: folder.path).tenantFolder(tenant.slug).appendingPathComponent("tenant.sqlite")
                    .path, tenantID: tenant.id)
            defer { try? database.close() }
            let settings = try await database.upstreams.settings()
            #expect(
                settings.whmcsGroupID == group && settings.whmUser == sandbox.credentials.whmUser
                    && settings.whmReseller.isEmpty)
            #expect(settings.whmToken != nil && settings.whmToken != Data(sandbox.credentials.whmToken.utf8), "sealed")
        }
    }

    @Test(
        "one brand per client group and reseller: the wizard names the brand that has it, the settings page says only that another has"
    )
    func claimsKeepBrandsApart() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            let group = try await sandbox.whmcs.ensureClientGroup(slug: "initech", name: "Initech customers")
            try await withPortal(configure: Self.configure(sandbox, whmcsURL: whmcsURL, whmURL: whmURL)) {
                _, dependencies in
                var plan = Self.plan(group: group)
                plan.resellerUser = sandbox.credentials.whmUser
                plan.whmToken = sandbox.credentials.whmToken
                _ = try await Self.provisioner(dependencies).create(plan) { _, _ in }
                try await dependencies.registry.reload()

                // A second brand on the same group or reseller is refused at the mapping step.
                var second = plan
                second.slug = "hooli"
                var problems = await Self.provisioner(dependencies).checkAll(&second)
                #expect(
                    problems["whmcs_group"]
                        == "The brand initech already uses this client group; each brand needs its own.")
                #expect(
                    problems["reseller_user"]
                        == "The brand initech already uses this reseller; each brand needs its own.")
                second.whmcsURL = whmcsURL + "/"
                problems = await Self.provisioner(dependencies).checkAll(&second)
                #expect(problems["whmcs_group"] != nil, "the same server written another way is the same server")

                // An existing brand cannot point its settings at them either, and is not told whose they are.
                let acme = try dependencies.registryTenant("acme")
                var input = IntegrationSettingsInput()
                input.mode = "sandbox"
                input.whmcsURL = whmcsURL
                input.whmcsIdentifier = sandbox.credentials.whmcsIdentifier
                input.whmcsSecret = sandbox.credentials.whmcsSecret
                input.whmcsGroup = String(group)
                input.whmURL = whmURL
                input.whmUser = sandbox.credentials.whmUser
                input.whmToken = sandbox.credentials.whmToken
                let errors = try await dependencies.upstreams.update(acme, with: input, actor: nil)
                #expect(errors["whmcs_group"]?.contains("another brand") == true)
                #expect(errors["whm_user"]?.contains("another brand") == true)
                #expect(!errors.values.joined().contains("initech"))
                #expect(try await dependencies.upstreams.settings(of: acme).whmcsGroupID == nil, "nothing stored")

                // Removing the brand frees both.
                _ = try Self.provisioner(dependencies).onboarding.removeTenant(slug: "initech")
                #expect(try await dependencies.upstreams.update(acme, with: input, actor: nil).isEmpty)
            }
        }
    }

    @Test("the health round records brands configured before the registry kept claims")
    func claimsBackfill() async throws {
        try await withSandbox { sandbox, whmcsURL, whmURL in
            try await withPortal(configure: Self.configure(sandbox, whmcsURL: whmcsURL, whmURL: whmURL)) {
                _, dependencies in
                let acme = try dependencies.registryTenant("acme")
                try await dependencies.databases.withDatabase(for: acme) { database in
                    var settings = IntegrationSettings()
                    settings.whmcsURL = whmcsURL
                    settings.whmcsGroupID = 7
                    settings.whmURL = whmURL
                    settings.whmUser = "racme"
                    _ = try await database.upstreams.save(settings)
                }
                let claim = UpstreamClaim(
                    whmcs: UpstreamClaim.key(whmcsURL, "7"), whm: UpstreamClaim.key(whmURL, "racme"))
                #expect(try await dependencies.platform.claimants(of: claim, except: nil) == (nil, nil))
                await dependencies.healthCollector.collectAll()
                let holders = try await dependencies.platform.claimants(of: claim, except: nil)
                #expect(holders.whmcs == "acme" && holders.whm == "acme")
                #expect(try await dependencies.platform.claimants(of: claim, except: acme.id) == (nil, nil))
            }
        }
    }

    @Test("a draft belongs to the platform user who started it and lapses after an hour")
    func draftsAreOwnedAndExpire() async throws {
        let clock = TestClock()
        let drafts = OnboardingDrafts(now: { clock.now() })
        let id = await drafts.start(owner: Account.ID(1), plan: OnboardingPlan())
        #expect(await drafts.draft(id, owner: Account.ID(1)) != nil)
        #expect(await drafts.draft(id, owner: Account.ID(2)) == nil)
        // One creation at a time: a second click waits for the first to fail or finish.
        #expect(await drafts.beginCreating(id, owner: Account.ID(2)) == false)
        #expect(await drafts.beginCreating(id, owner: Account.ID(1)))
        #expect(await drafts.beginCreating(id, owner: Account.ID(1)) == false)
        await drafts.endCreating(id)
        #expect(await drafts.beginCreating(id, owner: Account.ID(1)))
        clock.advance(by: 3601)
        #expect(await drafts.draft(id, owner: Account.ID(1)) == nil)
    }

    /// The sandbox's own reseller, with its token: another brand's accounts as far as a test is concerned.
    static func defaultReseller(_ sandbox: Sandbox, _ whmURL: String) -> WHMClient {
        WHMClient(
            credentials: WHMCredentials(
                baseURL: whmURL, username: sandbox.credentials.whmUser, token: sandbox.credentials.whmToken),
            caller: .loopback(tenant: "test", upstream: .whm, credentialIdentifier: "test")
        )
    }

    static func plan(group: Int) -> OnboardingPlan {
        var plan = OnboardingPlan()
        plan.slug = "initech"
        plan.name = "Initech Hosting"
        plan.ownerEmail = "owner@initech.example"
        plan.mode = .sandbox
        plan.whmcsGroupID = group
        return plan
    }

    static func provisioner(_ dependencies: PortalDependencies) -> TenantProvisioner {
        TenantProvisioner(
            onboarding: TenantOnboarding(
                platform: dependencies.platform, dataDirectory: dependencies.dataDirectory, baseDomain: "localhost"),
            upstreams: dependencies.upstreams, databases: dependencies.databases,
            sandbox: dependencies.configuration.sandboxUpstreams,
            logger: .init(label: "test")
        )
    }
}

extension Sandbox {
    /// A WHM account with its owner and, for a reseller, its nameservers (else the account's own).
    func whmReseller(_ user: String) async throws -> (owner: String, nameservers: String)? {
        try await store.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT owner, nameservers FROM whm_accounts WHERE user = ?", arguments: [user])
            else { return nil }
            let reseller = try String.fetchOne(
                db, sql: "SELECT nameservers FROM whm_resellers WHERE user = ?", arguments: [user])
            return (row["owner"], reseller ?? row["nameservers"])
        }
    }
}
