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
        group.get("/onboarding", use: start)
        group.post("/onboarding", use: submitBrand)
        group.get("/onboarding/{draft}/{step}", use: show)
        group.post("/onboarding/{draft}/create", use: create)
        group.post("/onboarding/{draft}/{step}", use: submit)
    }

    // MARK: Page

    func page(
        _ step: Step, draftID: String?, draft: OnboardingDrafts.Draft?, context: PlatformUserContext,
        groupTyped: String? = nil
    ) async throws -> Page {
        let plan = draft?.plan ?? OnboardingPlan()
        let reached = draft?.reached ?? .brand
        let steps = Step.allCases.map { candidate in
            Page.StepLink(
                number: candidate.rawValue, label: candidate.label,
                link: candidate <= reached && candidate != step ? link(draftID, candidate) : nil,
                isCurrent: candidate == step
            )
        }
        let typed =
            groupTyped ?? plan.whmcsGroupID.flatMap { id in
                (draft?.groups ?? []).contains { $0.id == id } ? nil : String(id)
            } ?? ""
        return Page(
            chrome: context.chrome, csrf: context.csrfToken,
            action: step == .review
                ? "/onboarding/\(draftID ?? "")/create"
                : (draftID.map { "/onboarding/\($0)/\(step.path)" } ?? "/onboarding"),
            back: step == .brand ? nil : link(draftID, Step(rawValue: step.rawValue - 1) ?? .brand),
            steps: steps, stepNumber: step.rawValue, stepLabel: step.label,
            isBrand: step == .brand, isDomains: step == .domains, isOwner: step == .owner,
            isConnection: step == .connection,
            isMapping: step == .mapping, isReview: step == .review, baseDomain: baseDomain,
            slug: plan.slug, name: plan.name, domainsText: plan.domains.joined(separator: "\n"),
            ownerEmail: plan.ownerEmail,
            modes: [
                .init(
                    value: "sandbox", label: "Sandbox: the simulators on this machine", selected: plan.mode == .sandbox),
                .init(value: "live", label: "Live: the real WHMCS and WHM", selected: plan.mode == .live),
            ],
            sandboxDefaults: hasSandboxDefaults,
            whmcsURL: plan.whmcsURL, whmcsIdentifier: plan.whmcsIdentifier, whmURL: plan.whmURL,
            whmcsSecretStored: !plan.whmcsSecret.isEmpty,
            groups: (draft?.groups ?? []).map {
                .init(
                    value: String($0.id), label: "\($0.name) (#\($0.id))",
                    selected: typed.isEmpty && plan.whmcsGroupID == $0.id)
            },
            hasGroups: !(draft?.groups ?? []).isEmpty, groupTyped: typed,
            resellerExisting: plan.reseller == .existing, resellerNew: plan.reseller == .new,
            resellerUser: plan.resellerUser, resellerDomain: plan.resellerDomain,
            nameserversText: plan.nameservers.joined(separator: "\n"),
            whmTokenStored: !plan.whmToken.isEmpty,
            review: step == .review ? review(plan, groups: draft?.groups ?? []) : []
        )
    }

    func review(_ plan: OnboardingPlan, groups: [WHMCSClientGroup]) -> [Page.Fact] {
        let group =
            plan.whmcsGroupID.map { id in groups.first { $0.id == id }.map { "\($0.name) (#\(id))" } ?? "#\(id)" }
            ?? "–"
        return [
            .init(label: "Slug", value: plan.slug),
            .init(label: "Name", value: plan.name),
            .init(label: "Platform address", value: "\(plan.slug).\(baseDomain)"),
            .init(
                label: "Custom domains",
                value: plan.domains.isEmpty
                    ? "none" : plan.domains.joined(separator: ", ") + " (each waits for its DNS proof)"),
            .init(label: "Owner", value: "\(plan.ownerEmail) (an invitation is sent)"),
            .init(label: "Mode", value: plan.mode == .sandbox ? "Sandbox" : "Live"),
            .init(label: "WHMCS", value: "\(plan.whmcsURL), identifier \(plan.whmcsIdentifier), secret stored"),
            .init(label: "Client group", value: group),
            .init(label: "WHM", value: plan.whmURL),
            .init(
                label: "Reseller",
                value: plan.reseller == .new
                    ? "new: \(plan.resellerUser) on \(plan.resellerDomain), created with root's token"
                    : "existing: \(plan.resellerUser), its own token"
            ),
            .init(
                label: "Nameservers",
                value: plan.nameservers.isEmpty ? "the server's defaults" : plan.nameservers.joined(separator: ", ")),
        ]
    }

    func link(_ draftID: String?, _ step: Step) -> String {
        guard let draftID else { return "/onboarding" }
        return step == .brand ? "/onboarding/\(draftID)/brand" : "/onboarding/\(draftID)/\(step.path)"
    }

    func render(_ page: Page, status: HTTPResponse.Status = .ok) throws -> Response {
        try flows.page(page, "platform/onboarding", status: status)
    }

    func draft(_ context: PlatformUserContext) async throws -> (String, OnboardingDrafts.Draft) {
        guard let id = context.parameters.get("draft"), let draft = await drafts.draft(id, owner: context.account.id)
        else {
            throw PortalError.notFound
        }
        return (id, draft)
    }

    // MARK: Steps

    @Sendable func start(_ request: Request, context: PlatformUserContext) async throws -> Response {
        try render(try await page(.brand, draftID: nil, draft: nil, context: context))
    }

    @Sendable func submitBrand(_ request: Request, context: PlatformUserContext) async throws -> Response {
        var request = request
        let form = try await FormData.parse(&request)
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
        return flows.redirect(to: "/onboarding/\(id)/domains")
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
        var request = request
        let form = try await FormData.parse(&request)
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
            return flows.redirect(to: "/tenants/\(created.tenant.slug)?done=created")
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
        let (link, token) = flows.oneTimeLink(.invite, path: "/admin/accept-invite", realm: realm)
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
