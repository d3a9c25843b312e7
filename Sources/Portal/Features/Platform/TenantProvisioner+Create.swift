import Branding
import Foundation
import Integrations
import Logging
import Tenancy

extension TenantProvisioner {
    // MARK: Create

    /// What a successful creation made.
    package struct Created: Sendable {
        package var tenant: Tenant
        /// One line per step done, for the audit log and the CLI.
        package var steps: [String]
    }

    /// Checks the plan once more, then creates the brand. `inviteOwner` queues (or prints) the owner's invitation
    /// inside the new brand; any failure, its own included, undoes everything, newest first.
    package func create(
        _ input: OnboardingPlan, inviteOwner: @escaping @Sendable (Tenant, String) async throws -> Void
    ) async throws(OnboardingFailure) -> Created {
        var plan = input
        let problems = await checkAll(&plan)
        guard problems.isEmpty else {
            throw OnboardingFailure(
                step: "Checks", message: "Something changed since the step was checked; nothing was created.",
                problems: problems)
        }
        var undo: [(String, @Sendable () async throws -> Void)] = []
        var steps: [String] = []
        func fail(_ step: String, _ error: any Error) async -> OnboardingFailure {
            var leftBehind: [String] = []
            for (what, action) in undo.reversed() {
                do { try await action() } catch {
                    leftBehind.append("\(what) (\(error))")
                    logger.error(
                        "onboarding rollback failed",
                        metadata: ["tenant": "\(plan.slug)", "undo": "\(what)", "error": "\(error)"])
                }
            }
            logger.warning(
                "onboarding failed", metadata: ["tenant": "\(plan.slug)", "step": "\(step)", "error": "\(error)"])
            return OnboardingFailure(step: step, message: Self.sentence(error), leftBehind: leftBehind)
        }

        // 1. A new reseller on WHM, through root.
        if plan.connectsUpstreams, plan.reseller == .new {
            let root = rootClient(plan)
            let (user, domain) = (plan.resellerUser, plan.resellerDomain)
            // Registered before the call: an answer lost after WHM made the account still gets it removed.
            undo.append(("the WHM account \(user)", { try await root.removeIfMade(username: user, domain: domain) }))
            do {
                try await root.createResellerAccount(username: user, domain: domain, contactEmail: plan.ownerEmail)
            } catch { throw await fail("Creating the reseller account \(user) on WHM", error) }
            steps.append("WHM account \(user) on \(domain)")
            do {
                try await root.setupReseller(user: user, makeOwner: true)
            } catch { throw await fail("Making \(user) a reseller (setupreseller)", error) }
            steps.append("reseller rights for \(user)")
            do {
                try await root.setNameservers(plan.nameservers, of: user)
            } catch { throw await fail("Setting the reseller's nameservers (setresellernameservers)", error) }
            steps.append("nameservers \(plan.nameservers.joined(separator: ", "))")
        }

        // 2. Registry rows, folder and database, with the brand's name and nameservers.
        let tenant: Tenant
        do {
            var request = TenantOnboarding.NewTenant(
                slug: plan.slug, name: plan.name, customDomains: plan.activateDomains ? plan.domains : [])
            if !plan.activateDomains {
                request.pendingDomains = Dictionary(
                    uniqueKeysWithValues: plan.domains.map { ($0, SecureToken.generate()) })
            }
            let (name, nameservers, platformHostIsPrimary) = (plan.name, plan.nameservers, !plan.activateDomains)
            let (currency, rates) = (plan.currency, plan.rates)
            tenant = try await onboarding.register(
                request, writer: writer, platformHostIsPrimary: platformHostIsPrimary
            ) { [onboarding, request] staging in
                let database = try TenantDatabase.create(
                    path: staging.appendingPathComponent("tenant.sqlite").path,
                    slug: try TenantSlug(validating: request.slug),
                    templates: onboarding.dataDirectory.templatesFolder)
                defer { try? database.close() }
                try database.updateBrandNow { brand in
                    brand.companyName = name
                    if !nameservers.isEmpty { brand.nameservers = nameservers }
                    if Currency.isWellFormed(currency) { brand.currency = currency }
                }
                if !rates.isEmpty {
                    try database.pool.write { db in
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                            arguments: [ExchangeRates.settingKey, ExchangeRates.encode(rates)])
                    }
                }
            }
        } catch { throw await fail("Registering the brand", error) }
        let slug = tenant.slug.rawValue
        undo.append(
            (
                "the brand \(slug) and its folder",
                { [onboarding, databases, writer] in
                    databases.forget(tenant.id)
                    _ = try await onboarding.removeTenant(slug: slug, writer: writer)
                }
            ))
        steps.append(
            "brand \(slug) with \(plan.domains.count) custom domain\(plan.domains.count == 1 ? "" : "s")"
                + (plan.activateDomains || plan.domains.isEmpty ? "" : " waiting for DNS"))

        // 3. The upstream settings, sealed for this brand.
        if plan.connectsUpstreams {
            var settings = IntegrationSettingsInput()
            settings.mode = plan.mode.rawValue
            settings.whmcsURL = plan.whmcsURL
            settings.whmcsIdentifier = plan.whmcsIdentifier
            settings.whmcsSecret = plan.whmcsSecret
            settings.whmcsGroup = plan.whmcsGroupID.map(String.init)
            settings.whmURL = plan.whmURL
            settings.whmUser = plan.reseller == .new ? "root" : plan.resellerUser
            settings.whmReseller = plan.reseller == .new ? plan.resellerUser : ""
            settings.whmToken = plan.whmToken
            do {
                let errors = try await upstreams.update(tenant, with: settings, actor: nil, ip: "onboarding")
                guard errors.isEmpty else {
                    throw OnboardingFailure(
                        step: "", message: errors.sorted(by: { $0.key < $1.key }).map(\.value).joined(separator: " "))
                }
            } catch { throw await fail("Saving the upstream settings", error) }
            steps.append(
                "\(plan.mode.rawValue) upstreams: WHMCS group \(plan.whmcsGroupID ?? 0), reseller \(plan.resellerUser)"
                    + (plan.reseller == .new ? " through root" : ""))
        }

        // 4. The owner's invitation.
        do {
            try await inviteOwner(tenant, plan.ownerEmail)
        } catch { throw await fail("Inviting the owner", error) }
        steps.append("owner invitation to \(plan.ownerEmail)")
        logger.info("tenant onboarded", metadata: ["tenant": "\(slug)", "mode": "\(plan.mode.rawValue)"])
        return Created(tenant: tenant, steps: steps)
    }

    // MARK: Clients

    func fillSandboxDefaults(_ plan: inout OnboardingPlan) {
        guard plan.mode == .sandbox, let sandbox else { return }
        if plan.whmcsURL.isEmpty { plan.whmcsURL = sandbox.whmcsURL }
        if plan.whmcsIdentifier.isEmpty, plan.whmcsSecret.isEmpty {
            plan.whmcsIdentifier = sandbox.whmcsIdentifier
            plan.whmcsSecret = sandbox.whmcsSecret
        }
        if plan.whmURL.isEmpty { plan.whmURL = sandbox.whmURL }
        if plan.reseller == .new, plan.whmToken.isEmpty { plan.whmToken = sandbox.whmRootToken }
    }

    func caller(_ plan: OnboardingPlan, _ upstream: Upstream, identifier: String) -> UpstreamCaller {
        var caller = UpstreamCaller(
            tenant: "onboarding:\(plan.slug)", upstream: upstream, credentialIdentifier: identifier,
            transport: upstreams.transport,
            breakers: CircuitBreakers(), timeouts: upstreams.timeouts, logger: logger
        )
        caller.egress = upstreams.egress(plan.mode)
        return caller
    }

    func whmcsClient(_ plan: OnboardingPlan) -> WHMCSClient {
        WHMCSClient(
            credentials: WHMCSCredentials(
                baseURL: plan.whmcsURL, identifier: plan.whmcsIdentifier, secret: plan.whmcsSecret),
            caller: caller(plan, .whmcs, identifier: plan.whmcsIdentifier)
        )
    }

    func resellerClient(_ plan: OnboardingPlan) -> WHMClient {
        WHMClient(
            credentials: WHMCredentials(baseURL: plan.whmURL, username: plan.resellerUser, token: plan.whmToken),
            caller: caller(plan, .whm, identifier: plan.resellerUser)
        )
    }

    func rootClient(_ plan: OnboardingPlan) -> WHMRootClient {
        WHMRootClient(baseURL: plan.whmURL, token: plan.whmToken, caller: caller(plan, .whm, identifier: "root"))
    }
}
