import Branding
import Foundation
import Hummingbird
import NIOCore
import Tenancy

/// `/admin/brand` (owner and admin): identity, colours, type, images and nameservers, edited as a private draft,
/// previewed, published atomically, and restorable from the last 20 published versions.
package struct BrandStudioController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let storefront: StorefrontService
    let images: ImageStore
    let scriptURL: String

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.brand.route, use: show)
        group.post(AdminPaths.brand.route, use: saveDraft)
        group.post(AdminPaths.brandPublish.route, use: publish)
        group.post(AdminPaths.brandDiscard.route, use: discard)
        group.post(AdminPaths.brandImages.route, use: upload)
        group.post(AdminPaths.brandImagesRemove.route, use: removeImage)
        group.get(AdminPaths.brandPreview.route, use: preview)
        group.get(AdminPaths.brandPreviewTheme.route, use: previewTheme)
        group.post(AdminPaths.brandVersionRestore.route, use: restore)
    }

    /// The staff member's draft, or the published brand when they have none.
    private func working(_ context: StaffRequestContext) async throws -> (brand: Brand, isDraft: Bool, published: Brand)
    {
        try await databases.withDatabase(for: context.tenant) { database in
            let studio = database.brandStudio
            let published = try await studio.published()
            if let draft = try await studio.draft(of: context.staff.id) { return (draft, true, published) }
            return (published, false, published)
        }
    }

    private func page(
        _ context: StaffRequestContext, form: BrandForm? = nil, errors: [String: String] = [:], notice: Notice? = nil,
        uploadError: String? = nil, status: HTTPResponse.Status = .ok, staleDraft: Bool = false
    ) async throws -> Response {
        let (brand, isDraft, published) = try await working(context)
        let versions = try await databases.withDatabase(for: context.tenant) { try await $0.brandStudio.versions() }
        var page = BrandStudioPage(
            chrome: context.chrome, csrf: context.csrfToken, scriptURL: scriptURL,
            form: form ?? BrandForm(brand: brand, tenantName: context.tenant.name), errors: errors, images: brand,
            hasDraft: isDraft, liveVersion: published.version, versions: versions
        )
        page.notice = notice
        page.uploadError = uploadError
        page.staleDraft = staleDraft
        return try flows.page(page, "admin/brand", status: status)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let notice: Notice? =
            switch request.uri.queryParameters.get("done") {
            case "saved": .success("Draft saved. Preview it, or publish it to make it live.")
            case "published": .success("Published: your storefront shows the new brand now.")
            case "restored": .success("Restored: that version is live again.")
            case "discarded": .success("Draft discarded; you are editing the live brand.")
            case "uploaded": .success("Image added to your draft.")
            case "removed": .success("Image removed from your draft.")
            default: nil
            }
        return try await page(context, notice: notice)
    }

    @Sendable func saveDraft(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        var request = request
        let form = BrandForm(form: try await FormData.parse(&request))
        let (base, _, _) = try await working(context)
        switch form.apply(to: base) {
        case .failure(let errors):
            return try await page(
                context, form: form, errors: errors.messages,
                notice: .error("Nothing was saved: correct the fields marked below."), status: .unprocessableContent
            )
        case .success(let brand):
            try await databases.withDatabase(for: context.tenant) {
                try await $0.brandStudio.saveDraft(brand, of: context.staff.id)
            }
            return flows.redirect(to: AdminPaths.brand.link() + "?done=saved")
        }
    }

    @Sendable func publish(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        var request = request
        let force = (try? await FormData.parse(&request))?["force"] == "1"
        let (brand, isDraft, published) = try await working(context)
        if isDraft, brand.version != published.version, !force {
            return try await page(
                context,
                notice: .error(
                    "The live brand changed (version \(published.version)) since you started this draft from version \(brand.version). "
                        + "Publishing would replace those changes with your draft. Check the live site, then use “Publish anyway” or discard your draft."
                ),
                status: .conflict, staleDraft: true
            )
        }
        guard isDraft else {
            return try await page(
                context, notice: .error("There is no draft to publish: change something and save it first."),
                status: .conflict)
        }
        guard ContrastReport(brand).passes else {
            return try await page(
                context,
                notice: .error(
                    "This palette cannot be published: each contrast check must reach 4.5:1. Try the suggested colours."
                ),
                status: .unprocessableContent
            )
        }
        _ = try await databases.withDatabase(for: context.tenant) { database in
            try await database.brandStudio.publish(brand, by: context.staff, ip: context.origin.clientAddress ?? "")
        }
        storefront.invalidate(context.tenant.id)
        return flows.redirect(to: AdminPaths.brand.link() + "?done=published")
    }

    @Sendable func discard(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        try await databases.withDatabase(for: context.tenant) {
            try await $0.brandStudio.discardDraft(of: context.staff.id)
        }
        return flows.redirect(to: AdminPaths.brand.link() + "?done=discarded")
    }

    @Sendable func restore(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        guard let raw = context.parameters.get("version"), let version = Int(raw) else { throw PortalError.notFound }
        let restored = try await databases.withDatabase(for: context.tenant) { database in
            try await database.brandStudio.restore(
                version: version, by: context.staff, ip: context.origin.clientAddress ?? "")
        }
        guard restored != nil else { throw PortalError.notFound }
        storefront.invalidate(context.tenant.id)
        return flows.redirect(to: AdminPaths.brand.link() + "?done=restored")
    }

    // MARK: Images

    static let imageKinds = ["logo", "logo_dark", "favicon"]

    @Sendable func upload(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        var request = request
        let form: MultipartForm
        do {
            form = try await MultipartForm.parse(&request, limit: MultipartForm.uploadLimit)
        } catch is MultipartForm.ParseError {
            return try await page(
                context, uploadError: "Choose an image file and upload it with the form.", status: .badRequest)
        }
        guard let kind = Self.imageKinds.first(where: { $0 == form["kind"] }) else {
            return try await page(context, uploadError: "Choose which image this is.", status: .unprocessableContent)
        }
        guard let file = form.files["file"], !file.bytes.isEmpty else {
            return try await page(
                context, uploadError: "Choose an image file to upload.", status: .unprocessableContent)
        }
        let slug = context.tenant.slug
        let stored: String
        do {
            stored = try await BlockingIO.run { try images.store(file.bytes, for: slug).name }
        } catch let error as BrandError {
            return try await page(
                context, uploadError: "That file was not used: \(error.description).", status: .unprocessableContent
            )
        }
        try await updateDraft(context) { brand in
            switch kind {
            case "logo": brand.logoFile = stored
            case "logo_dark": brand.logoDarkFile = stored
            default: brand.faviconFile = stored
            }
        }
        return flows.redirect(to: AdminPaths.brand.link() + "?done=uploaded")
    }

    @Sendable func removeImage(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let kind = try await FormData.parse(request)["kind"]
        guard Self.imageKinds.contains(kind) else { throw PortalError.notFound }
        try await updateDraft(context) { brand in
            switch kind {
            case "logo": brand.logoFile = nil
            case "logo_dark": brand.logoDarkFile = nil
            default: brand.faviconFile = nil
            }
        }
        return flows.redirect(to: AdminPaths.brand.link() + "?done=removed")
    }

    private func updateDraft(_ context: StaffRequestContext, _ change: @Sendable (inout Brand) -> Void) async throws {
        var (brand, _, _) = try await working(context)
        change(&brand)
        let updated = brand
        try await databases.withDatabase(for: context.tenant) {
            try await $0.brandStudio.saveDraft(updated, of: context.staff.id)
        }
    }

    // MARK: Preview (this staff member's draft only, never cached)

    @Sendable func preview(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let (brand, _, _) = try await working(context)
        let (html, _) = try await storefront.preview(tenant: context.tenant, brand: brand)
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    @Sendable func previewTheme(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let (brand, _, _) = try await working(context)
        return Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: ThemeStylesheet(brand: brand).css))
        )
    }
}
