import Foundation
import Integrations
import Tenancy

/// What one onboarding step's form said, before it is checked.
package enum OnboardingStepInput: Sendable {
    case brand(slug: String, name: String)
    case domains([String])
    case owner(email: String)
    /// An empty secret keeps the one entered before while it goes to the same place.
    case connection(
        mode: IntegrationSettings.Mode?, whmcsURL: String, whmcsIdentifier: String, whmURL: String, whmcsSecret: String)
    /// An empty token keeps the one entered before while the reseller stays the same; a typed group number wins
    /// over the one picked from WHMCS's list.
    case mapping(
        reseller: OnboardingPlan.Reseller?, user: String, domain: String, whmToken: String, nameservers: [String],
        groupTyped: String, groupPicked: String, currency: String)
}

/// The console's onboarding wizard: brand → domains → owner → sandbox or live → upstream mapping → review →
/// create. Each step is checked as it is submitted (the upstream ones against WHMCS and WHM); the draft lives in
/// memory, secrets included, until the brand is created by `TenantProvisioner`, which checks everything again and
/// undoes every step done when a later one fails.
package struct OnboardingWizard: Sendable {
    typealias Step = OnboardingDrafts.Step

    let provisioner: TenantProvisioner
    let drafts: OnboardingDrafts
    let registry: TenantRegistry
    let flows: AccountFlows
    /// Where the platform's audit goes.
    let platformRealm: PlatformRealm
    let tenantRealm: @Sendable (Tenant) -> TenantRealm

    /// Applies `input` to the draft's plan and checks it. The draft is saved either way (what was typed is kept),
    /// and reaches the next step only when the step passed: later steps are checked again after any change here.
    package func submit(
        _ input: OnboardingStepInput, at step: OnboardingDrafts.Step, to id: String, draft: inout OnboardingDrafts.Draft
    )
        async -> OnboardingPlan.Problems
    {
        var plan = draft.plan
        var problems: OnboardingPlan.Problems
        switch input {
        case .brand(let slug, let name):
            (plan.slug, plan.name) = (slug, name)
            problems = await provisioner.checkBrand(&plan)
            // A new slug may clash with domains chosen before: check them again.
            if problems.isEmpty, draft.reached > .domains { problems = await provisioner.checkDomains(&plan) }
        case .domains(let domains):
            plan.domains = domains
            problems = await provisioner.checkDomains(&plan)
        case .owner(let email):
            plan.ownerEmail = email
            problems = provisioner.checkOwner(&plan)
        case .connection(let mode, let whmcsURL, let whmcsIdentifier, let whmURL, let secret):
            let previous = plan
            plan.mode = mode ?? plan.mode
            (plan.whmcsURL, plan.whmcsIdentifier, plan.whmURL) = (whmcsURL, whmcsIdentifier, whmURL)
            let moved =
                plan.mode != previous.mode || plan.whmcsURL != previous.whmcsURL
                || plan.whmcsIdentifier != previous.whmcsIdentifier
            plan.whmcsSecret = secret.isEmpty && !moved ? previous.whmcsSecret : secret
            if plan.mode != previous.mode || plan.whmURL != previous.whmURL { plan.whmToken = "" }
            let (found, groups) = await provisioner.checkConnection(&plan)
            problems = found
            if mode == nil { problems["mode"] = "Choose sandbox or live." }
            if problems.isEmpty { draft.groups = groups }
        case .mapping(
            let reseller, let user, let domain, let token, let nameservers, let groupTyped, let groupPicked,
            let currency):
            if !currency.isEmpty { plan.currency = currency.uppercased() }
            let choice = reseller ?? plan.reseller
            // The token belongs to one user: a new reseller choice or name asks for it again.
            plan.whmToken =
                token.isEmpty && choice == plan.reseller && user == plan.resellerUser ? plan.whmToken : token
            (plan.reseller, plan.resellerUser, plan.resellerDomain) = (choice, user, domain)
            plan.nameservers = nameservers
            let picked = groupTyped.isEmpty ? groupPicked : groupTyped
            plan.whmcsGroupID = Int(picked).flatMap { $0 > 0 ? $0 : nil }
            problems = await provisioner.checkMapping(&plan, groups: draft.groups)
            if !picked.isEmpty, plan.whmcsGroupID == nil {
                problems["whmcs_group"] = "A client group number is a whole number, such as 3."
            }
        }
        draft.plan = plan
        draft.reached = problems.isEmpty ? step.next : step
        await drafts.save(id, draft)
        return problems
    }

    package enum Created: Sendable {
        case created(TenantProvisioner.Created)
        /// Another click is creating this brand already.
        case busy
        case failed(OnboardingFailure)
    }

    /// Creates the brand of a reviewed draft, invites its owner, audits the outcome on the platform.
    package func create(_ id: String, draft: OnboardingDrafts.Draft, by user: Account, ip: String) async throws
        -> Created
    {
        guard await drafts.beginCreating(id, owner: user.id) else { return .busy }
        let (registry, flows, tenantRealm, inviter) = (registry, flows, tenantRealm, user.name)
        let outcome: Result<TenantProvisioner.Created, OnboardingFailure>
        do {
            outcome = .success(
                try await provisioner.create(draft.plan) { tenant, email in
                    // The brand's realm reads its primary address from the registry.
                    try await registry.reload()
                    try await Self.invite(email, to: tenant, inviter: inviter, flows: flows, realm: tenantRealm(tenant))
                })
        } catch {
            outcome = .failure(error)
        }
        try await registry.reload()
        switch outcome {
        case .success(let created):
            await drafts.finish(id)
            try await audit(
                "tenant.created", by: user, target: created.tenant.slug.rawValue,
                detail: created.steps.joined(separator: "; "), ip: ip)
            return .created(created)
        case .failure(let failure):
            await drafts.endCreating(id)
            try await audit(
                "tenant.create_failed", by: user, target: draft.plan.slug, detail: failure.description, ip: ip)
            return .failed(failure)
        }
    }

    private func audit(_ action: String, by user: Account, target: String, detail: String, ip: String) async throws {
        try await platformRealm.withAccounts { store in
            try await store.audit(action, actor: user, target: target, detail: detail, ip: ip)
        }
    }

    /// The owner's account with a one-time set-up link, and the invitation email, in the new brand's database.
    static func invite(_ email: String, to tenant: Tenant, inviter: String, flows: AccountFlows, realm: TenantRealm)
        async throws
    {
        let (link, token) = flows.oneTimeLink(.invite, path: SignInPaths.staff.acceptInvite.link(), realm: realm)
        let mail = try await flows.prepareMail(
            realm: realm, to: email, name: "", .staffInvitation,
            variables: ["inviter": inviter, "role": "owner", "link": link], tag: "owner_invite"
        )
        let now = flows.services.now()
        try await realm.withAccounts { store in
            try await flows.commit(store, realm: realm) { db in
                let owner = try AccountStore.insertAccount(
                    db, kind: .staff, email: email, name: email, company: "", passwordHash: nil, role: .owner,
                    emailVerifiedAt: nil, now: now
                )
                try AccountStore.insertToken(db, token(owner.id))
                try AccountStore.insertMail(db, mail, now: now)
                try AccountStore.appendAudit(
                    db, "owner.invited", actor: nil, target: email, detail: "onboarding", ip: "", now: now)
            }
        }
    }
}
