import Foundation
import Tenancy
import Testing

@testable import Portal

/// The onboarding wizard's step rules without HTTP: a step that fails keeps what was typed and holds the draft
/// there; a step that passes opens the next; a changed slug checks the domains again.
@Suite("Onboarding wizard")
struct OnboardingWizardTests {
    static func wizard(_ dependencies: PortalDependencies) -> OnboardingWizard {
        OnboardingWizard(
            provisioner: OnboardingTests.provisioner(dependencies), drafts: OnboardingDrafts(),
            registry: dependencies.registry, flows: dependencies.accountFlows,
            platformRealm: dependencies.platformRealm, tenantRealm: { dependencies.tenantRealm($0) })
    }

    @Test("steps open in order; a failing step keeps its input and holds the draft; a taken slug is refused")
    func steps() async throws {
        try await withDependencies { dependencies in
            let user = try await dependencies.platformRealm.withAccounts { store in
                try await store.createAccount(
                    kind: .platform, email: "ops@platform.example", name: "Ops", passwordHash: nil, role: nil,
                    emailVerified: true)
            }
            let wizard = Self.wizard(dependencies)
            var plan = OnboardingPlan()
            (plan.slug, plan.name) = ("initech", "Initech Hosting")
            let id = await wizard.drafts.start(owner: user.id, plan: plan)
            var draft = try #require(await wizard.drafts.draft(id, owner: user.id))
            #expect(draft.reached == .domains)

            let bad = await wizard.submit(.domains(["not a domain!"]), at: .domains, to: id, draft: &draft)
            #expect(bad["domains"] != nil && draft.reached == .domains && draft.plan.domains == ["not a domain!"])
            #expect(
                await wizard.submit(.domains(["Shop.Initech.Example"]), at: .domains, to: id, draft: &draft).isEmpty)
            #expect(draft.reached == .owner && draft.plan.domains == ["shop.initech.example"])

            let owner = await wizard.submit(.owner(email: "nobody"), at: .owner, to: id, draft: &draft)
            #expect(owner["owner_email"] != nil && draft.reached == .owner)
            #expect(
                await wizard.submit(.owner(email: "Boss@Initech.Example"), at: .owner, to: id, draft: &draft).isEmpty)
            #expect(draft.reached == .connection)

            // Going back to the brand step with a slug another brand holds fails there, and holds the draft there.
            let taken = await wizard.submit(.brand(slug: "acme", name: "Acme"), at: .brand, to: id, draft: &draft)
            #expect(taken["slug"] != nil && draft.reached == .brand)
            let stored = try #require(await wizard.drafts.draft(id, owner: user.id))
            #expect(stored.reached == .brand && stored.plan.slug == "acme")
            // Another platform user cannot read the draft.
            #expect(await wizard.drafts.draft(id, owner: Account.ID(user.id.rawValue + 1)) == nil)
        }
    }
}
