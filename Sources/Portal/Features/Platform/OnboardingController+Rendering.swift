import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension OnboardingController {
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
                ? ConsolePaths.onboardingCreate.link(draftID ?? "")
                : (draftID.map { ConsolePaths.onboardingStep.link($0, step.path) } ?? ConsolePaths.onboarding.link()),
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
            whmTokenStored: !plan.whmToken.isEmpty, currency: plan.currency,
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
            .init(label: "Currency", value: plan.currency),
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
        guard let draftID else { return ConsolePaths.onboarding.link() }
        return step == .brand
            ? ConsolePaths.onboardingStep.link(draftID, "brand") : ConsolePaths.onboardingStep.link(draftID, step.path)
    }

    func render(_ page: Page, status: HTTPResponse.Status = .ok) throws -> Response {
        try flows.page(page, "platform/onboarding", status: status)
    }

    func draft(_ context: PlatformUserContext) async throws -> (String, OnboardingDrafts.Draft) {
        guard let id = context.parameters.get("draft"),
            let draft = await wizard.drafts.draft(id, owner: context.account.id)
        else {
            throw PortalError.notFound
        }
        return (id, draft)
    }
}
