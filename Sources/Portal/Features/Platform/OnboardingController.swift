import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

/// The console's onboarding wizard, one page per step; `OnboardingWizard` checks the steps and creates the brand.
package struct OnboardingController: Sendable {
    typealias Step = OnboardingDrafts.Step

    let flows: AccountFlows
    let wizard: OnboardingWizard
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
        let problems = await wizard.provisioner.checkBrand(&plan)
        guard problems.isEmpty else {
            var page = try await page(
                .brand, draftID: nil, draft: .init(owner: context.account.id, plan: plan, touched: Date()),
                context: context)
            page.show(problems)
            return try render(page, status: .unprocessableContent)
        }
        let id = await wizard.drafts.start(owner: context.account.id, plan: plan)
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
        let input = Self.input(step, try await FormData.parse(request))
        let problems = await wizard.submit(input, at: step, to: id, draft: &draft)
        guard problems.isEmpty else {
            var groupTyped: String?
            if case .mapping(_, _, _, _, _, let typed, _, _) = input { groupTyped = typed }
            var page = try await page(step, draftID: id, draft: draft, context: context, groupTyped: groupTyped)
            page.show(problems)
            page.notice = .error("Check the fields marked below.")
            return try render(page, status: .unprocessableContent)
        }
        return flows.redirect(to: link(id, step.next))
    }

    /// The step's form as typed; `.review` has no form and is refused before this.
    static func input(_ step: Step, _ form: FormData) -> OnboardingStepInput {
        switch step {
        case .brand, .review:
            .brand(slug: form["slug"], name: form["name"])
        case .domains:
            .domains(lines(form["domains"]))
        case .owner:
            .owner(email: form["owner_email"])
        case .connection:
            .connection(
                mode: IntegrationSettings.Mode(rawValue: form["mode"]), whmcsURL: form.trimmed("whmcs_url"),
                whmcsIdentifier: form.trimmed("whmcs_identifier"), whmURL: form.trimmed("whm_url"),
                whmcsSecret: form["whmcs_secret"].trimmingCharacters(in: .whitespacesAndNewlines))
        case .mapping:
            .mapping(
                reseller: OnboardingPlan.Reseller(rawValue: form["reseller"]),
                user: form.trimmed("reseller_user").lowercased(), domain: form.trimmed("reseller_domain"),
                whmToken: form["whm_token"].trimmingCharacters(in: .whitespacesAndNewlines),
                nameservers: lines(form["nameservers"]), groupTyped: form.trimmed("whmcs_group_id"),
                groupPicked: form.trimmed("whmcs_group"), currency: form.trimmed("currency"))
        }
    }

    @Sendable func create(_ request: Request, context: PlatformUserContext) async throws -> Response {
        let (id, draft) = try await draft(context)
        guard draft.reached == .review else { return flows.redirect(to: link(id, draft.reached)) }
        switch try await wizard.create(id, draft: draft, by: context.account, ip: context.origin.clientAddress ?? "") {
        case .created(let created):
            return flows.redirect(to: ConsolePaths.tenant.link(created.tenant.slug) + "?done=created")
        case .busy:
            var page = try await page(.review, draftID: id, draft: draft, context: context)
            page.notice = .error("This brand is being created already; wait for that to finish.")
            return try render(page, status: .conflict)
        case .failed(let failure):
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

    /// Names typed one per line (or separated by commas or spaces). Browsers send `\r\n`, one Character in Swift.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: { $0.isNewline || $0 == "," || $0.isWhitespace }).map(String.init)
    }
}
