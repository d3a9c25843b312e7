import Branding
import Foundation
import Hummingbird
import NIOCore
import Tenancy

/// `/admin/brand` (owner and admin): identity, colours, type, images and nameservers, edited as a private draft,
/// previewed, published atomically, and restorable from the last 20 published versions.
package struct BrandStudioController: Sendable {
    let flows: AccountFlows
    let desk: BrandDesk
    /// Renders a draft's storefront for the preview.
    let storefront: StorefrontService
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

    func page(
        _ context: StaffRequestContext, form: BrandForm? = nil, errors: [String: String] = [:], notice: Notice? = nil,
        uploadError: String? = nil, status: HTTPResponse.Status = .ok, staleDraft: Bool = false
    ) async throws -> Response {
        let working = try await desk.working(of: context.staff, in: context.tenant)
        var page = BrandStudioPage(
            chrome: context.chrome, csrf: context.csrfToken, scriptURL: scriptURL,
            form: form ?? BrandForm(brand: working.brand, tenantName: context.tenant.name), errors: errors,
            images: working.brand, hasDraft: working.isDraft, liveVersion: working.published.version,
            versions: try await desk.versions(in: context.tenant)
        )
        let shown = form ?? BrandForm(brand: working.brand, tenantName: context.tenant.name)
        let catalogs = flows.pages.languages
        page.languages = catalogs.codes.map { code in
            BrandStudioPage.LanguageOption(
                code: code, name: catalogs.catalogs[code]?.name ?? code,
                direction: catalogs.catalogs[code]?.direction.rawValue ?? "ltr",
                enabled: shown.languages.contains(code) || shown.defaultLanguage == code,
                isDefault: shown.defaultLanguage == code, tagline: shown.taglines[code] ?? "",
                taglineError: errors["tagline_\(code)"])
        }
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
        let form = BrandForm(form: try await FormData.parse(request), shipped: flows.pages.languages.codes)
        switch try await desk.saveDraft(form, of: context.staff, in: context.tenant) {
        case .failure(let errors):
            return try await page(
                context, form: form, errors: errors.messages,
                notice: .error("Nothing was saved: correct the fields marked below."), status: .unprocessableContent
            )
        case .success:
            return flows.redirect(to: AdminPaths.brand.link() + "?done=saved")
        }
    }

    @Sendable func publish(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let force = (try? await FormData.parse(request))?["force"] == "1"
        switch try await desk.publish(
            by: context.staff, force: force, in: context.tenant, ip: context.origin.clientAddress ?? "")
        {
        case .published:
            return flows.redirect(to: AdminPaths.brand.link() + "?done=published")
        case .stale(let draftFrom, let live):
            return try await page(
                context,
                notice: .error(
                    "The live brand changed (version \(live)) since you started this draft from version \(draftFrom). "
                        + "Publishing would replace those changes with your draft. Check the live site, then use “Publish anyway” or discard your draft."
                ),
                status: .conflict, staleDraft: true
            )
        case .noDraft:
            return try await page(
                context, notice: .error("There is no draft to publish: change something and save it first."),
                status: .conflict)
        case .failsContrast:
            return try await page(
                context,
                notice: .error(
                    "This palette cannot be published: each contrast check must reach 4.5:1. Try the suggested colours."
                ),
                status: .unprocessableContent
            )
        }
    }

    @Sendable func discard(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        try await desk.discardDraft(of: context.staff, in: context.tenant)
        return flows.redirect(to: AdminPaths.brand.link() + "?done=discarded")
    }

    @Sendable func restore(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        guard let raw = context.parameters.get("version"), let version = Int(raw) else { throw PortalError.notFound }
        try await desk.restore(
            version: version, by: context.staff, in: context.tenant, ip: context.origin.clientAddress ?? "")
        return flows.redirect(to: AdminPaths.brand.link() + "?done=restored")
    }
}
