import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

extension CatalogueController {
    // MARK: Sync and settings

    @Sendable func syncAll(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let entries = try await databases.withDatabase(for: context.tenant) {
            try await $0.catalogue.entries([.visible, .hidden])
        }
        var page = try await listPage(context)
        guard !entries.isEmpty else {
            page.notice = .error("There is nothing to sync yet: add a product first.")
            return try flows.page(page, "admin/products")
        }
        let report = await sync.run(
            .upsert, entries, tenant: context.tenant, via: "web:\(context.staff.email)", blockType: "catalogue")
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.audit(
                "catalogue.synced", actor: context.staff,
                detail: "\(report.successCount) synced, \(report.errorCount) failed",
                ip: context.origin.clientAddress ?? ""
            )
        }
        page = try await listPage(context)
        page.syncResults = report.results.map {
            .init(
                title: $0.title, success: $0.success,
                message: $0.skipped
                    ? "Skipped: domains are priced per TLD in WHMCS"
                    : $0.success
                        ? "WHMCS product \($0.whmcsProductId ?? 0)"
                        : ($0.error ?? "failed")
            )
        }
        page.hasSyncResults = true
        page.notice =
            report.success
            ? .success("All \(report.successCount) products are in WHMCS.")
            : .error("\(report.errorCount) of \(report.results.count) products could not be synced; see below.")
        return try flows.page(page, "admin/products")
    }

    @Sendable func saveSettings(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.owner)
        let form = try await FormData.parse(request)
        let group = form.trimmed("product_group")
        let method = form.trimmed("payment_method")
        var problem: String?
        if !group.isEmpty, Int(group).map({ $0 > 0 }) != true {
            problem = "Enter the product group's number from WHMCS, such as 2."
        }
        if method.isEmpty || method.count > 64
            || !method.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        {
            problem = problem ?? "Enter the payment gateway's system name from WHMCS, such as mailin or paypal."
        }
        if let problem {
            var page = try await listPage(context, notice: .error("Nothing was saved: \(problem)"))
            page.productGroup = group
            page.paymentMethod = method
            page.settingsError = problem
            return try flows.page(page, "admin/products", status: .unprocessableContent)
        }
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.setSettings(
                [(ProductSync.productGroupKey, group), (OrderSteps.paymentMethodKey, method)],
                audit: "catalogue.settings_updated",
                actor: context.staff,
                detail: "product group \(group.isEmpty ? "none" : group), payment method \(method)",
                ip: context.origin.clientAddress ?? ""
            )
        }
        return flows.redirect(to: AdminPaths.products.link() + "?done=settings")
    }

    @Sendable func saveCategory(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let form = try await FormData.parse(request)
        let name = form.trimmed("name")
        let slug = form.trimmed("slug").lowercased()
        var category = ProductCategory(
            slug: slug, name: name, description: form.trimmed("description"),
            position: Int(form.trimmed("position")) ?? 0)
        category.id = Int64(form["id"])
        var problem: String?
        if name.isEmpty || name.count > 80 { problem = "Give the category a name of at most 80 characters." }
        if let slugProblem = CatalogueRules.slugProblem(slug) { problem = problem ?? "Address: \(slugProblem)" }
        if problem == nil {
            do {
                _ = try await databases.withDatabase(for: context.tenant) { database in
                    try await database.catalogue.saveCategory(
                        category, actor: context.staff, ip: context.origin.clientAddress ?? "")
                }
                storefront.invalidate(context.tenant)
                return flows.redirect(to: AdminPaths.products.link() + "?done=category")
            } catch CatalogueError.duplicateSlug(let slug) {
                problem = "Another category already uses “\(slug)”."
            }
        }
        var page = try await listPage(context, notice: .error("The category was not saved: \(problem ?? "")"))
        page.categoryError = problem
        page.categoryName = name
        page.categorySlug = slug
        return try flows.page(page, "admin/products", status: .unprocessableContent)
    }

    @Sendable func deleteCategory(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw PortalError.notFound }
        do {
            try await databases.withDatabase(for: context.tenant) { database in
                try await database.catalogue.deleteCategory(
                    id, actor: context.staff, ip: context.origin.clientAddress ?? "")
            }
        } catch CatalogueError.notFound {
            throw PortalError.notFound
        } catch CatalogueError.categoryInUse(let name) {
            return try flows.page(
                try await listPage(
                    context, notice: .error("“\(name)” still holds products: move them to another category first.")),
                "admin/products", status: .conflict
            )
        }
        storefront.invalidate(context.tenant)
        return flows.redirect(to: AdminPaths.products.link() + "?done=category-deleted")
    }
}
