import Branding
import Foundation
import Hummingbird
import NIOCore
import Tenancy

/// The brand studio's images and its private preview.
extension BrandStudioController {
    // MARK: Images

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
        guard let image = BrandDesk.Image(rawValue: form["kind"]) else {
            return try await page(context, uploadError: "Choose which image this is.", status: .unprocessableContent)
        }
        guard let file = form.files["file"], !file.bytes.isEmpty else {
            return try await page(
                context, uploadError: "Choose an image file to upload.", status: .unprocessableContent)
        }
        if case .failure(let error) = try await desk.setImage(
            image, to: file.bytes, of: context.staff, in: context.tenant)
        {
            return try await page(
                context, uploadError: "That file was not used: \(error.description).", status: .unprocessableContent)
        }
        return flows.redirect(to: AdminPaths.brand.link() + "?done=uploaded")
    }

    @Sendable func removeImage(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        guard let image = BrandDesk.Image(rawValue: try await FormData.parse(request)["kind"]) else {
            throw PortalError.notFound
        }
        try await desk.removeImage(image, of: context.staff, in: context.tenant)
        return flows.redirect(to: AdminPaths.brand.link() + "?done=removed")
    }

    // MARK: Preview (this staff member's draft only, never cached)

    @Sendable func preview(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let brand = try await desk.working(of: context.staff, in: context.tenant).brand
        let (html, _) = try await storefront.preview(tenant: context.tenant, brand: brand)
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    @Sendable func previewTheme(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let brand = try await desk.working(of: context.staff, in: context.tenant).brand
        return Response(
            status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: ThemeStylesheet(brand: brand).css))
        )
    }
}
