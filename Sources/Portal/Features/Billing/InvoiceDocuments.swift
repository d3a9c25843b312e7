import Branding
import Foundation
import Tenancy

/// What a PDF invoice needs besides its page: the renderer, the base stylesheet, the brand's theme and logo, and
/// the tenant's own scratch folder (so no file of one tenant's is ever made beside another's).
package struct InvoiceDocuments: Sendable {
    let renderer: PDFRenderer
    let dataDirectory: DataDirectory
    /// The shared stylesheet, `assets/static/base.css`.
    let baseStylesheet: String

    /// The PDF of `html`, styled with the base stylesheet and `brand`'s theme.
    func pdf(_ html: String, brand: Brand, tenant: Tenant) async throws -> Data {
        let scratch = dataDirectory.tenantFolder(tenant.slug).appendingPathComponent("tmp", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let theme = scratch.appendingPathComponent("theme-\(UUID().uuidString).css")
        try Data(ThemeStylesheet(brand: brand).css.utf8).write(to: theme)
        defer { try? FileManager.default.removeItem(at: theme) }
        return try await renderer.render(html, stylesheets: [baseStylesheet, theme.path], scratch: scratch)
    }

    /// The brand's logo inline (`data:`), since the PDF is drawn without fetching anything; nil without a logo.
    func logoDataURI(_ brand: Brand, tenant: Tenant) -> String? {
        guard let file = brand.logoFile,
            let bytes = try? Data(
                contentsOf: dataDirectory.tenantAssetsFolder(tenant.slug).appendingPathComponent(file))
        else { return nil }
        let type =
            switch file.split(separator: ".").last?.lowercased() {
            case "jpg", "jpeg": "image/jpeg"
            case "webp": "image/webp"
            default: "image/png"
            }
        return "data:\(type);base64," + bytes.base64EncodedString()
    }
}
