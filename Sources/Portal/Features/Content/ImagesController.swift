import Branding
import Foundation
import Hummingbird
import Tenancy

/// The brand's page images (owners and admins): upload with the logo's byte checks, within a storage quota shown
/// on the page; images nothing uses are removed 30 days later.
struct ImagesController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let desk: ContentDesk

    func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(ContentPaths.adminImages.route, use: show)
        group.post(ContentPaths.adminImages.route, use: upload)
    }

    struct Page: Sendable {
        struct Row: Sendable {
            let file: String
            let url: String
            let markdown: String
            let size: String
            let dimensions: String
            let uploaded: String
            let unused: String?
        }
        let chrome: StorefrontChrome
        let csrf: String
        let notice: Notice?
        let uploadError: String?
        let rows: [Row]
        let hasRows: Bool
        let used: String
        let quota: String
        let usedBytes: Int
        let quotaBytes: Int
        let percent: Int
    }

    func page(_ context: StaffRequestContext, notice: Notice? = nil, uploadError: String? = nil) async throws -> Page {
        let images = try await databases.withDatabase(for: context.tenant) { try await $0.content.images() }
        let used = images.reduce(0) { $0 + $1.bytes }
        let rows = images.map { image in
            Page.Row(
                file: image.file, url: ContentPaths.media.link(image.file),
                markdown: "![Describe the image](\(ContentPaths.media.link(image.file)))",
                size: FileSize.text(Int64(image.bytes)), dimensions: "\(image.width) × \(image.height)",
                uploaded: PageDates.format(image.uploadedAt),
                unused: image.unusedSince.map {
                    "Not used by any page since \(PageDates.format($0)): removed 30 days after that."
                })
        }
        return Page(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, uploadError: uploadError, rows: rows,
            hasRows: !rows.isEmpty, used: FileSize.text(Int64(used)), quota: FileSize.text(Int64(desk.imageQuota)),
            usedBytes: used, quotaBytes: desk.imageQuota,
            percent: desk.imageQuota > 0 ? min(100, used * 100 / desk.imageQuota) : 100)
    }

    @Sendable func show(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let notice: Notice? =
            request.uri.queryParameters.get("done") == "uploaded"
            ? .success("Uploaded. Put it in a page with the Markdown shown beside it.") : nil
        return try flows.page(try await page(context, notice: notice), "admin/images")
    }

    @Sendable func upload(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        var request = request
        let form: MultipartForm
        do {
            form = try await MultipartForm.parse(&request, limit: MultipartForm.uploadLimit)
        } catch is MultipartForm.ParseError {
            return try flows.page(
                try await page(context, uploadError: "Choose an image file and upload it with the form."),
                "admin/images", status: .badRequest)
        }
        guard let file = form.files["file"], !file.bytes.isEmpty else {
            return try flows.page(
                try await page(context, uploadError: "Choose an image file to upload."), "admin/images",
                status: .unprocessableContent)
        }
        switch try await desk.upload(file.bytes, to: context.tenant) {
        case .refused(let reason):
            return try flows.page(
                try await page(context, uploadError: "That file was not stored: \(reason)."), "admin/images",
                status: .unprocessableContent)
        case .stored(let name):
            try await desk.audit(
                "image.uploaded", name, by: context.staff, in: context.tenant, ip: context.origin.clientAddress ?? "")
            return flows.redirect(to: ContentPaths.adminImages.link() + "?done=uploaded")
        }
    }
}
