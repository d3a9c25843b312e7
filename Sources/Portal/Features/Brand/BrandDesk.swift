import Branding
import Foundation
import Tenancy

/// The brand studio's rules: each staff member edits a private draft of the brand, publishes it atomically (never
/// over a newer live brand unless asked, never with a palette that fails contrast), and can restore any of the last
/// 20 published versions. Publishing and restoring drop the brand's cached storefront.
package struct BrandDesk: Sendable {
    /// What the staff member is editing: their draft, or the published brand when they have none.
    package struct Working: Sendable {
        package var brand: Brand
        package var isDraft: Bool
        package var published: Brand
    }

    package enum Published: Sendable, Equatable {
        case published
        /// The live brand changed since the draft was started; publishing would replace those changes.
        case stale(draftFrom: Int, live: Int)
        case noDraft
        /// A contrast check is under 4.5:1.
        case failsContrast
    }

    /// The images a brand has, by the form's name for them.
    package enum Image: String, Sendable, CaseIterable {
        case logo
        case logoDark = "logo_dark"
        case favicon
    }

    let databases: TenantDatabases
    let images: ImageStore
    /// Drops the brand's cached storefront after it changed.
    let invalidate: @Sendable (Tenant) -> Void

    package func working(of staff: Account, in tenant: Tenant) async throws -> Working {
        try await databases.withDatabase(for: tenant) { database in
            let studio = database.brandStudio
            let published = try await studio.published()
            if let draft = try await studio.draft(of: staff.id) {
                return Working(brand: draft, isDraft: true, published: published)
            }
            return Working(brand: published, isDraft: false, published: published)
        }
    }

    package func versions(in tenant: Tenant) async throws -> [BrandVersion] {
        try await databases.withDatabase(for: tenant) { try await $0.brandStudio.versions() }
    }

    /// Applies the form to the staff member's draft (or to the live brand when they start one).
    package func saveDraft(_ form: BrandForm, of staff: Account, in tenant: Tenant) async throws
        -> Result<Void, BrandForm.Errors>
    {
        switch form.apply(to: try await working(of: staff, in: tenant).brand) {
        case .failure(let errors): return .failure(errors)
        case .success(let brand):
            try await databases.withDatabase(for: tenant) { try await $0.brandStudio.saveDraft(brand, of: staff.id) }
            return .success(())
        }
    }

    package func publish(by staff: Account, force: Bool, in tenant: Tenant, ip: String) async throws -> Published {
        let working = try await working(of: staff, in: tenant)
        if working.isDraft, working.brand.version != working.published.version, !force {
            return .stale(draftFrom: working.brand.version, live: working.published.version)
        }
        guard working.isDraft else { return .noDraft }
        guard ContrastReport(working.brand).passes else { return .failsContrast }
        _ = try await databases.withDatabase(for: tenant) { database in
            try await database.brandStudio.publish(working.brand, by: staff, ip: ip)
        }
        invalidate(tenant)
        return .published
    }

    package func discardDraft(of staff: Account, in tenant: Tenant) async throws {
        try await databases.withDatabase(for: tenant) { try await $0.brandStudio.discardDraft(of: staff.id) }
    }

    /// Makes published `version` live again; 404 when there is no such version.
    package func restore(version: Int, by staff: Account, in tenant: Tenant, ip: String) async throws {
        let restored = try await databases.withDatabase(for: tenant) { database in
            try await database.brandStudio.restore(version: version, by: staff, ip: ip)
        }
        guard restored != nil else { throw PortalError.notFound }
        invalidate(tenant)
    }

    /// Stores an uploaded image (checked and re-encoded by the image store) and puts it in the draft.
    package func setImage(_ image: Image, to bytes: [UInt8], of staff: Account, in tenant: Tenant) async throws
        -> Result<Void, BrandError>
    {
        let slug = tenant.slug
        let stored: String
        do {
            stored = try await BlockingIO.run { [images] in try images.store(bytes, for: slug).name }
        } catch let error as BrandError {
            return .failure(error)
        }
        try await updateDraft(of: staff, in: tenant) { $0[image] = stored }
        return .success(())
    }

    package func removeImage(_ image: Image, of staff: Account, in tenant: Tenant) async throws {
        try await updateDraft(of: staff, in: tenant) { $0[image] = nil }
    }

    private func updateDraft(of staff: Account, in tenant: Tenant, _ change: @Sendable (inout Brand) -> Void)
        async throws
    {
        var brand = try await working(of: staff, in: tenant).brand
        change(&brand)
        let updated = brand
        try await databases.withDatabase(for: tenant) { try await $0.brandStudio.saveDraft(updated, of: staff.id) }
    }
}

extension Brand {
    /// The stored file name of one of the brand's images.
    subscript(image: BrandDesk.Image) -> String? {
        get {
            switch image {
            case .logo: logoFile
            case .logoDark: logoDarkFile
            case .favicon: faviconFile
            }
        }
        set {
            switch image {
            case .logo: logoFile = newValue
            case .logoDark: logoDarkFile = newValue
            case .favicon: faviconFile = newValue
            }
        }
    }
}
