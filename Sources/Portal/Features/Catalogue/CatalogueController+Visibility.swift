import Foundation
import Hummingbird
import Tenancy

/// Showing, hiding and retiring a product.
extension CatalogueController {
    @Sendable func setVisibility(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let stored = try await entry(context)
        let form = try await FormData.parse(request)
        guard let visibility = Product.Visibility(rawValue: form["visibility"]) else {
            return try flows.page(
                try await listPage(context, notice: .error("Choose visible, hidden or retired.")), "admin/products",
                status: .unprocessableContent)
        }
        _ = try await databases.withDatabase(for: context.tenant) { database in
            try await database.catalogue.setVisibility(
                stored.product.id ?? 0, visibility, actor: context.staff, via: "web",
                ip: context.origin.clientAddress ?? ""
            )
        }
        storefront.invalidate(context.tenant)
        return flows.redirect(to: AdminPaths.products.link() + "?done=visibility")
    }

    func entry(_ context: StaffRequestContext) async throws -> CatalogueEntry {
        guard let id = context.parameters.get("id").flatMap(Int64.init),
            let entry = try await databases.withDatabase(for: context.tenant, { try await $0.catalogue.entry(id: id) })
        else { throw PortalError.notFound }
        return entry
    }
}
