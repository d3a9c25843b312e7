import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

/// The console's onboarding wizard: brand → domains → owner → sandbox or live → upstream mapping → review →
/// create. Each step is checked as it is submitted (the upstream ones against WHMCS and WHM); the draft lives in
/// memory, secrets included, until the brand is created. Creating checks everything again and undoes every step
/// done when a later one fails.
package struct OnboardingController: Sendable {
    typealias Step = OnboardingDrafts.Step

    let flows: AccountFlows
    let realm: PlatformRealm
    let registry: TenantRegistry
    let provisioner: TenantProvisioner
    let drafts: OnboardingDrafts
    let tenantRealm: @Sendable (Tenant) -> TenantRealm
    let baseDomain: String
    let hasSandboxDefaults: Bool

    package func addRoutes(to group: RouterGroup<PlatformUserContext>) {
        group.get(ConsolePaths.onboarding.route, use: start)
        group.post(ConsolePaths.onboarding.route, use: submitBrand)
        group.get(ConsolePaths.onboardingStep.route, use: show)
        group.post(ConsolePaths.onboardingCreate.route, use: create)
        group.post(ConsolePaths.onboardingStep.route, use: submit)
    }

    // MARK: Steps

    @Sendable func start(_ request: Request, context: PlatformUserContext) async throws -> Response {
        try render(try await page(.brand, draftID: nil, draft: nil, context: context))
    }

    @Sendable func submitBrand(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let form = try await FormData.parse(request)
        var plan = OnboardingPlan()
        plan.slug = form["slug"]
        plan.name = form["name"]
        let problems = await provisioner.checkBrand(&plan)
        guard problems.isEmpty else {
            var page = try await page(
                .brand, draftID: nil, draft: .init(owner: context.account.id, plan: plan, touched: Date()),
                context: context)
            page.show(problems)
            return try render(page, status: .unprocessableContent)
        }
        let id = await drafts.start(owner: context.account.id, plan: plan)
        return flows.redirect(to: ConsolePaths.onboardingStep.link(id, "domains"))
    }

    @Sendable func show(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let (id, draft) = try await draft(context)
        guard let step = Step(path: context.parameters.get("step") ?? "") else { throw PortalError.notFound }
        // A step is open once the ones before it passed.
        guard step <= draft.reached else { return flows.redirect(to: link(id, draft.reached)) }
        return try render(try await page(step, draftID: id, draft: draft, context: context))
    }

    @Sendable func submit(_ request: Request, context: PlatformUserContext) async throws -> Response {
        var (id, draft) = try await draft(context)
        guard let step = Step(path: context.parameters.get("step") ?? ""), step != .review, step <= draft.reached else {
            throw PortalError.notFound
        }
        let form = try await FormData.parse(request)
        var plan = draft.plan
        var problems: OnboardingPlan.Problems
        var groupTyped: String?
        switch step {
        case .brand:
            plan.slug = form["slug"]
            plan.name = form["name"]
            problems = await provisioner.checkBrand(&plan)
            // A new slug may clash with domains chosen before: check them again.
            if problems.isEmpty, draft.reached > .domains { problems = await provisioner.checkDomains(&plan) }
        case .domains:
            plan.domains = Self.lines(form["domains"])
            problems = await provisioner.checkDomains(&plan)
        case .owner:
            plan.ownerEmail = form["owner_email"]
            problems = provisioner.checkOwner(&plan)
        case .connection:
            let mode = IntegrationSettings.Mode(rawValue: form["mode"])
            let previous = plan
            plan.mode = mode ?? plan.mode
            plan.whmcsURL = form.trimmed("whmcs_url")
            plan.whmcsIdentifier = form.trimmed("whmcs_identifier")
            plan.whmURL = form.trimmed("whm_url")
            let secret = form["whmcs_secret"].trimmingCharacters(in: .whitespacesAndNewlines)
            // A stored secret is kept only while it goes to the same place, as on the integrations page.
            let moved =
                plan.mode != previous.mode || plan.whmcsURL != previous.whmcsURL
                || plan.whmcsIdentifier != previous.whmcsIdentifier
            plan.whmcsSecret = secret.isEmpty && !moved ? previous.whmcsSecret : secret
            if plan.mode != previous.mode || plan.whmURL != previous.whmURL { plan.whmToken = "" }
            let (found, groups) = await provisioner.checkConnection(&plan)
            problems = found
            if mode == nil { problems["mode"] = "Choose sandbox or live." }
            if problems.isEmpty { draft.groups = groups }
        case .mapping:
            let choice = OnboardingPlan.Reseller(rawValue: form["reseller"]) ?? plan.reseller
            let user = form.trimmed("reseller_user").lowercased()
            let token = form["whm_token"].trimmingCharacters(in: .whitespacesAndNewlines)
            // The token belongs to one user: a new reseller choice or name asks for it again.
            plan.whmToken =
                token.isEmpty && choice == plan.reseller && user == plan.resellerUser ? plan.whmToken : token
            plan.reseller = choice
            plan.resellerUser = user
            plan.resellerDomain = form.trimmed("reseller_domain")
            plan.nameservers = Self.lines(form["nameservers"])
            groupTyped = form.trimmed("whmcs_group_id")
            let picked = groupTyped?.isEmpty == false ? groupTyped ?? "" : form.trimmed("whmcs_group")
            plan.whmcsGroupID = Int(picked).flatMap { $0 > 0 ? $0 : nil }
            problems = await provisioner.checkMapping(&plan, groups: draft.groups)
            if !picked.isEmpty, plan.whmcsGroupID == nil {
                problems["whmcs_group"] = "A client group number is a whole number, such as 3."
            }
        case .review:
            throw PortalError.notFound
        }
        draft.plan = plan
        guard problems.isEmpty else {
            // What was typed is kept (secrets only in memory), but the step stays where it failed.
            draft.reached = step
            await drafts.save(id, draft)
            var page = try await page(step, draftID: id, draft: draft, context: context, groupTyped: groupTyped)
            page.show(problems)
            page.notice = .error("Check the fields marked below.")
            return try render(page, status: .unprocessableContent)
        }
        // Later steps are checked again after any change here: they may depend on it (a slug, a mode, an address).
        draft.reached = step.next
        await drafts.save(id, draft)
        return flows.redirect(to: link(id, step.next))
    }

    @Sendable func create(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let (id, draft) = try await draft(context)
        guard draft.reached == .review else { return flows.redirect(to: link(id, draft.reached)) }
        guard await drafts.beginCreating(id, owner: context.account.id) else {
            var page = try await page(.review, draftID: id, draft: draft, context: context)
            page.notice = .error("This brand is being created already; wait for that to finish.")
            return try render(page, status: .conflict)
        }
        let inviter = context.account.name
        let (registry, flows, tenantRealm) = (self.registry, self.flows, self.tenantRealm)
        let outcome: Result<TenantProvisioner.Created, OnboardingFailure>
        do {
            outcome = .success(
                try await provisioner.create(draft.plan) { tenant, email in
                    // The brand's realm reads its primary address from the registry.
                    try await registry.reload()
                    try await Self.invite(email, to: tenant, inviter: inviter, flows: flows, realm: tenantRealm(tenant))
                }
            )
        } catch {
            outcome = .failure(error)
        }
        try await registry.reload()
        switch outcome {
        case .success(let created):
            await drafts.finish(id)
            try await audit(
                context, "tenant.created", target: created.tenant.slug.rawValue,
                detail: created.steps.joined(separator: "; "))
            return flows.redirect(to: ConsolePaths.tenant.link(created.tenant.slug) + "?done=created")
        case .failure(let failure):
            await drafts.endCreating(id)
            try await audit(context, "tenant.create_failed", target: draft.plan.slug, detail: failure.description)
            var page = try await page(.review, draftID: id, draft: draft, context: context)
            page.notice = .error(
                "\(failure.step) failed: \(failure.message)"
                    + (failure.leftBehind.isEmpty ? " Nothing was created; fix the cause and try again." : ""))
            page.show(failure.problems)
            page.failureSteps = failure.problems.sorted(by: { $0.key < $1.key }).map(\.value)
            page.hasFailureSteps = !page.failureSteps.isEmpty
            page.leftBehind = failure.leftBehind
            page.hasLeftBehind = !failure.leftBehind.isEmpty
            return try render(page, status: failure.problems.isEmpty ? .badGateway : .unprocessableContent)
        }
    }

    func audit(_ context: PlatformUserContext, _ action: String, target: String, detail: String) async throws {
        try await realm.withAccounts { store in
            try await store.audit(
                action, actor: context.account, target: target, detail: detail, ip: context.origin.clientAddress ?? "")
        }
    }

    /// The owner's account with a one-time set-up link, and the invitation email, in the new brand's database.
    static func invite(_ email: String, to tenant: Tenant, inviter: String, flows: AccountFlows, realm: TenantRealm)
        async throws
    {
        let (link, token) = flows.oneTimeLink(.invite, path: SignInPaths.staff.acceptInvite.link(), realm: realm)
        let mail = try await flows.prepareMail(
            realm: realm, to: email, name: "", .staffInvitation,
            variables: ["inviter": inviter, "role": "owner", "link": link],
            tag: "owner_invite"
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

    /// Names typed one per line (or separated by commas or spaces). Browsers send `\r\n`, one Character in Swift.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: { $0.isNewline || $0 == "," || $0.isWhitespace }).map(String.init)
    }
}
