import Branding
import Foundation
import Integrations
import Logging
import Tenancy

/// Checks an onboarding plan step by step against the registry and the upstreams (the simulators in sandbox
/// mode), then creates the brand: a new WHM reseller if asked for, the registry rows with folder and database,
/// the sealed upstream settings and the owner's invitation. A failure at any step undoes every step before it.
package struct TenantProvisioner: Sendable {
    let onboarding: TenantOnboarding
    /// Where the brand's registry rows go: this node's registry, or the cluster's.
    let writer: any RegistryWriter
    let upstreams: TenantUpstreams
    let databases: TenantDatabases
    let sandbox: SandboxUpstreams?
    let logger: Logger

    package init(
        onboarding: TenantOnboarding, writer: (any RegistryWriter)? = nil, upstreams: TenantUpstreams,
        databases: TenantDatabases, sandbox: SandboxUpstreams?, logger: Logger
    ) {
        self.onboarding = onboarding
        self.writer = writer ?? LocalRegistryWriter(platform: onboarding.platform)
        self.upstreams = upstreams
        self.databases = databases
        self.sandbox = sandbox
        self.logger = logger
    }

    /// At most this many custom domains at onboarding, as on `/admin/domains`.
    static let maximumDomains = 20

    // MARK: Steps

    /// Step 1: a free, valid slug and a name.
    package func checkBrand(_ plan: inout OnboardingPlan) async -> OnboardingPlan.Problems {
        plan.slug = plan.slug.trimmingCharacters(in: .whitespaces).lowercased()
        plan.name = plan.name.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: OnboardingPlan.Problems = [:]
        do {
            plan.name = try TenantOnboarding.validateName(plan.name)
        } catch {
            problems["name"] =
                plan.name.isEmpty ? "Enter the brand's name, such as Acme Hosting." : Self.sentence(error)
        }
        do {
            try await validate(.init(slug: plan.slug, name: "x"))
        } catch {
            problems["slug"] =
                plan.slug.isEmpty
                ? "Enter a slug, such as acme: it names the brand's folder and address." : Self.sentence(error)
        }
        return problems
    }

    /// Step 2: custom domains, each a real name that no brand has yet (may be none).
    package func checkDomains(_ plan: inout OnboardingPlan) async -> OnboardingPlan.Problems {
        plan.domains = plan.domains.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard plan.domains.count <= Self.maximumDomains else {
            return ["domains": "At most \(Self.maximumDomains) domains; the owner can add more later."]
        }
        var normalised: [String] = []
        for raw in plan.domains {
            do {
                normalised.append(try HostName.validateDomain(raw))
            } catch {
                return ["domains": Self.sentence(error)]
            }
        }
        do {
            try await validate(.init(slug: plan.slug, name: plan.name, customDomains: normalised))
            plan.domains = normalised
        } catch {
            return ["domains": Self.sentence(error)]
        }
        return [:]
    }

    /// The registry's checks off the cooperative pool: a blocking read there could wait on a reader that only an
    /// async read, itself waiting for a cooperative thread, would hand back.
    func validate(_ request: TenantOnboarding.NewTenant) async throws {
        _ = try await BlockingIO.run { [onboarding] in try onboarding.validate(request) }
    }

    /// Step 3: the owner's email address.
    package func checkOwner(_ plan: inout OnboardingPlan) -> OnboardingPlan.Problems {
        guard let email = EmailAddress.normalize(plan.ownerEmail) else {
            return [
                "owner_email": "Enter the owner's email address, such as owner@acme.example: the invitation goes there."
            ]
        }
        plan.ownerEmail = email
        return [:]
    }

    /// Step 4: the mode and the addresses, and WHMCS answering GetClientGroups with these credentials. Returns the
    /// groups to choose from. In sandbox mode, blank fields take the simulators this process runs.
    package func checkConnection(_ plan: inout OnboardingPlan) async -> (
        problems: OnboardingPlan.Problems, groups: [WHMCSClientGroup]
    ) {
        guard plan.connectsUpstreams else { return ([:], []) }
        var problems: OnboardingPlan.Problems = [:]
        if plan.mode == .sandbox, !upstreams.allowSandbox {
            problems["mode"] = "Sandbox mode is not enabled on this server; choose live."
        }
        fillSandboxDefaults(&plan)
        plan.whmcsURL = TenantUpstreams.trimmedURL(plan.whmcsURL, dropping: "/includes/api.php")
        plan.whmURL = TenantUpstreams.trimmedURL(plan.whmURL, dropping: "/json-api")
        plan.whmcsIdentifier = plan.whmcsIdentifier.trimmingCharacters(in: .whitespaces)
        plan.whmcsSecret = plan.whmcsSecret.trimmingCharacters(in: .whitespacesAndNewlines)
        if plan.whmcsURL.isEmpty {
            problems["whmcs_url"] = "Enter the WHMCS address, such as https://billing.example.com."
        } else if let problem = TenantUpstreams.urlProblem(plan.whmcsURL, mode: plan.mode) {
            problems["whmcs_url"] = problem
        }
        if plan.whmcsIdentifier.isEmpty || plan.whmcsIdentifier.count > 128
            || plan.whmcsIdentifier.contains(where: { $0.isWhitespace || !$0.isASCII })
        {
            problems["whmcs_identifier"] =
                "Enter the API identifier (WHMCS › System Settings › API Credentials), without spaces."
        }
        if plan.whmcsSecret.isEmpty || plan.whmcsSecret.count > 256 {
            problems["whmcs_secret"] = "Enter the API secret that goes with the identifier."
        }
        if plan.whmURL.isEmpty {
            problems["whm_url"] = "Enter the WHM address, such as https://server.example.com:2087."
        } else if let problem = TenantUpstreams.urlProblem(plan.whmURL, mode: plan.mode) {
            problems["whm_url"] = problem
        }
        guard problems.isEmpty else { return (problems, []) }
        do {
            let groups = try await whmcsClient(plan).clientGroups()
            return ([:], groups)
        } catch let error as UpstreamError {
            if case .authenticationFailed = error {
                return (["whmcs_secret": "WHMCS refused these credentials: \(Self.detail(error))"], [])
            }
            return (["whmcs_url": "WHMCS did not answer GetClientGroups: \(error)."], [])
        } catch {
            return (["whmcs_url": "WHMCS did not answer GetClientGroups: \(error)."], [])
        }
    }

    /// Step 5: the client group exists in WHMCS; the reseller works (existing) or can be made (new).
    package func checkMapping(_ plan: inout OnboardingPlan, groups: [WHMCSClientGroup]) async -> OnboardingPlan.Problems
    {
        guard plan.connectsUpstreams else { return [:] }
        var problems: OnboardingPlan.Problems = [:]
        if let id = plan.whmcsGroupID {
            if !groups.contains(where: { $0.id == id }) {
                problems["whmcs_group"] =
                    "WHMCS has no client group \(id)"
                    + (groups.isEmpty
                        ? "; create one in WHMCS (Setup › Client Groups) first." : "; pick one of the groups listed.")
            }
        } else {
            problems["whmcs_group"] =
                "Choose the brand's client group, or type its number: every customer is created in it."
        }
        plan.currency = plan.currency.trimmingCharacters(in: .whitespaces).uppercased()
        if !Currency.isWellFormed(plan.currency) {
            problems["currency"] = "Enter the currency's three-letter code, such as GBP, USD or JPY."
        } else {
            do {
                let currencies = try await whmcsClient(plan).currencyRates()
                if currencies.contains(where: { $0.code == plan.currency }) {
                    plan.rates = Dictionary(currencies.map { ($0.code, $0.rate) }) { first, _ in first }
                } else {
                    problems["currency"] =
                        "WHMCS has no \(plan.currency) currency (it has \(currencies.map(\.code).joined(separator: ", "))); "
                        + "add it in WHMCS (Setup › Payments › Currencies) or choose one of those."
                }
            } catch {
                problems["currency"] = "WHMCS did not list its currencies (GetCurrencies): \(error)."
            }
        }
        fillSandboxDefaults(&plan)
        plan.resellerUser = plan.resellerUser.trimmingCharacters(in: .whitespaces).lowercased()
        plan.whmToken = plan.whmToken.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = WHMUsername.problem(plan.resellerUser) {
            problems["reseller_user"] =
                plan.resellerUser.isEmpty ? "Enter the reseller's user name." : "The reseller user name \(problem)."
        } else if plan.resellerUser == "root" {
            problems["reseller_user"] =
                "Choose a reseller, not root, so the brand's accounts stay apart from other brands'."
        }
        if plan.whmToken.isEmpty || plan.whmToken.count > 256
            || !plan.whmToken.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        {
            problems["whm_token"] =
                plan.reseller == .new
                ? "Enter root's API token (WHM › Manage API Tokens): only root can set up a reseller."
                : "Enter the reseller's API token: letters and digits (WHM › Manage API Tokens)."
        }
        plan.nameservers = plan.nameservers.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter {
            !$0.isEmpty
        }
        if plan.nameservers.count > 4 || plan.nameservers.contains(where: { (try? HostName.validateDomain($0)) == nil })
        {
            problems["nameservers"] = "Give up to four nameservers, such as ns1.acme.example, one per line."
        } else if plan.reseller == .new, plan.nameservers.count < 2 {
            problems["nameservers"] =
                "Give the new reseller at least two nameservers, such as ns1.acme.example and ns2.acme.example."
        }
        if plan.reseller == .new {
            plan.resellerDomain = plan.resellerDomain.trimmingCharacters(in: .whitespaces).lowercased()
            if plan.resellerDomain.isEmpty {
                plan.resellerDomain = plan.domains.first ?? "\(plan.slug).\(onboarding.baseDomain)"
            }
            if (try? HostName.validateDomain(plan.resellerDomain)) == nil {
                problems["reseller_domain"] = "Enter the domain of the reseller's own account, such as acme.example."
            }
        }
        guard problems["reseller_user"] == nil, problems["whm_token"] == nil, problems["reseller_domain"] == nil else {
            return problems
        }
        // One brand per client group and per reseller: sharing either would mix two brands' customers.
        let claim = UpstreamClaim(
            whmcs: plan.whmcsGroupID.map { UpstreamClaim.key(plan.whmcsURL, String($0)) },
            whm: UpstreamClaim.key(plan.whmURL, plan.resellerUser)
        )
        let claims: any UpstreamClaimRegistry = upstreams.registry ?? onboarding.platform
        if let holders = try? await claims.claimants(of: claim, except: nil) {
            if let holder = holders.whmcs, problems["whmcs_group"] == nil {
                problems["whmcs_group"] =
                    "The brand \(holder) already uses this client group; each brand needs its own."
            }
            if let holder = holders.whm {
                problems["reseller_user"] = "The brand \(holder) already uses this reseller; each brand needs its own."
            }
            if problems["reseller_user"] != nil { return problems }
        }
        do {
            switch plan.reseller {
            case .existing:
                // A refused token fails here; a reseller's token lists its own packages.
                _ = try await resellerClient(plan).packages()
            case .new:
                let root = rootClient(plan)
                if try await root.accountExists(plan.resellerUser) {
                    problems["reseller_user"] =
                        "WHM already has an account called \(plan.resellerUser); choose another name, or use it as an existing reseller."
                } else if try await root.hosts(plan.resellerDomain) {
                    problems["reseller_domain"] =
                        "WHM already hosts \(plan.resellerDomain); choose another domain for the reseller's account."
                }
            }
        } catch let error as UpstreamError {
            if case .authenticationFailed = error {
                problems["whm_token"] =
                    plan.reseller == .new
                    ? "WHM refused this token for root: \(Self.detail(error))"
                    : "WHM refused this token for \(plan.resellerUser): \(Self.detail(error))"
            } else {
                problems["whm_token"] = "WHM did not answer: \(error)."
            }
        } catch {
            problems["whm_token"] = "WHM did not answer: \(error)."
        }
        return problems
    }

    /// Every step again, as just before creating: the registry or an upstream may have changed meanwhile.
    package func checkAll(_ plan: inout OnboardingPlan) async -> OnboardingPlan.Problems {
        var problems = await checkBrand(&plan)
        if problems.isEmpty { problems.merge(await checkDomains(&plan)) { first, _ in first } }
        problems.merge(checkOwner(&plan)) { first, _ in first }
        guard problems.isEmpty, plan.connectsUpstreams else { return problems }
        let (connection, groups) = await checkConnection(&plan)
        guard connection.isEmpty else { return connection }
        return await checkMapping(&plan, groups: groups)
    }

    // MARK: Wording

    /// An error as a sentence: capitalised, with a full stop.
    static func sentence(_ error: any Error) -> String {
        if let failure = error as? OnboardingFailure { return failure.message }
        var text = "\(error)"
        if let first = text.first {
            text.replaceSubrange(text.startIndex...text.startIndex, with: String(first).uppercased())
        }
        return text.hasSuffix(".") ? text : text + "."
    }

    /// What the upstream said, without the upstream's name.
    static func detail(_ error: UpstreamError) -> String {
        if case .authenticationFailed(_, let message) = error {
            return message.hasSuffix(".") ? message : message + "."
        }
        return "\(error)."
    }
}
