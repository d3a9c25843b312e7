import Branding
import Foundation
import Tenancy
import TestSupport
import Testing

@testable import Portal

/// The brand studio's rules on the brand's own database, without HTTP: private drafts, guarded publishing, restore.
@Suite("Brand desk")
struct BrandDeskTests {
    static func desk(_ dependencies: PortalDependencies, invalidated: Counter) -> BrandDesk {
        BrandDesk(
            databases: dependencies.databases, images: ImageStore(dataDirectory: dependencies.dataDirectory),
            invalidate: { _ in invalidated.add() })
    }

    static func draft(_ desk: BrandDesk, _ staff: Account, _ tenant: Tenant, _ change: (inout BrandForm) -> Void)
        async throws
    {
        var form = BrandForm(brand: try await desk.working(of: staff, in: tenant).brand, tenantName: tenant.name)
        change(&form)
        try await desk.saveDraft(form, of: staff, in: tenant).get()
    }

    @Test("a draft is private until published; publishing over a newer live brand needs force; contrast is enforced")
    func publishing() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let ann = try await makeAccount(dependencies, kind: .staff, email: "ann@acme.example")
            let bob = try await makeAccount(dependencies, kind: .staff, email: "bob@acme.example", role: .admin)
            let invalidated = Counter()
            let desk = Self.desk(dependencies, invalidated: invalidated)

            #expect(try await desk.publish(by: ann, force: false, in: acme, ip: "") == .noDraft)
            try await Self.draft(desk, ann, acme) { $0.tagline = "Ann's tagline" }
            try await Self.draft(desk, bob, acme) { $0.tagline = "Bob's tagline" }
            #expect(try await desk.working(of: ann, in: acme).brand.tagline == "Ann's tagline")
            #expect(try await desk.working(of: bob, in: acme).published.tagline != "Ann's tagline")

            #expect(try await desk.publish(by: ann, force: false, in: acme, ip: "") == .published)
            #expect(invalidated.value == 1)
            let live = try await desk.working(of: bob, in: acme).published
            #expect(live.tagline == "Ann's tagline")
            #expect(
                try await desk.publish(by: bob, force: false, in: acme, ip: "")
                    == .stale(draftFrom: live.version - 1, live: live.version))
            #expect(try await desk.publish(by: bob, force: true, in: acme, ip: "") == .published)
            #expect(try await desk.working(of: ann, in: acme).brand.tagline == "Bob's tagline")

            try await Self.draft(desk, ann, acme) {
                $0.colors["text_color"] = "#ffffff"
                $0.colors["background_color"] = "#ffffff"
            }
            #expect(try await desk.publish(by: ann, force: false, in: acme, ip: "") == .failsContrast)
            #expect(invalidated.value == 2)
        }
    }

    @Test("a published version is restored; an unknown version is a 404; another brand's studio is untouched")
    func restoreAndIsolation() async throws {
        try await withDependencies { dependencies in
            let acme = try dependencies.registryTenant("acme")
            let globex = try dependencies.registryTenant("globex")
            let ann = try await makeAccount(dependencies, kind: .staff, email: "ann@acme.example")
            let desk = Self.desk(dependencies, invalidated: Counter())
            try await Self.draft(desk, ann, acme) { $0.tagline = "First words" }
            #expect(try await desk.publish(by: ann, force: false, in: acme, ip: "") == .published)
            let first = try await desk.working(of: ann, in: acme).published.version
            try await Self.draft(desk, ann, acme) { $0.tagline = "New words" }
            #expect(try await desk.publish(by: ann, force: false, in: acme, ip: "") == .published)
            try await desk.restore(version: first, by: ann, in: acme, ip: "")
            #expect(try await desk.working(of: ann, in: acme).published.tagline == "First words")
            await #expect(throws: PortalError.notFound) {
                try await desk.restore(version: 999, by: ann, in: acme, ip: "")
            }

            let globexOwner = try await makeAccount(
                dependencies, tenant: "globex", kind: .staff, email: "owner@globex.example")
            let globexBrand = try await desk.working(of: globexOwner, in: globex)
            #expect(!globexBrand.isDraft && globexBrand.published.tagline != "New words")
            #expect(try await desk.versions(in: globex).count <= 1)
        }
    }
}
