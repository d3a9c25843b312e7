import Foundation
import Hummingbird
import Integrations
import Logging
import Tenancy

/// `/admin/products`: products, prices, categories and the sync to WHMCS. Owners and admins edit; support reads.
package struct CatalogueController: Sendable {
    let flows: AccountFlows
    let databases: TenantDatabases
    let storefront: StorefrontService
    let rules: CatalogueRules
    let sync: ProductSync

    package func addRoutes(to group: RouterGroup<StaffRequestContext>) {
        group.get(AdminPaths.products.route, use: list)
        group.get(AdminPaths.newProduct.route, use: newForm)
        group.post(AdminPaths.products.route, use: create)
        group.get(AdminPaths.product.route, use: edit)
        group.post(AdminPaths.product.route, use: update)
        group.post(AdminPaths.productVisibility.route, use: setVisibility)
        group.post(AdminPaths.productsSync.route, use: syncAll)
        group.post(AdminPaths.productsSettings.route, use: saveSettings)
        group.post(AdminPaths.productsCategories.route, use: saveCategory)
        group.post(AdminPaths.productCategoryDelete.route, use: deleteCategory)
    }

    // MARK: List

    func listPage(_ context: StaffRequestContext, notice: Notice? = nil) async throws -> CatalogueListPage {
        let (entries, categories, settings, currency) = try await databases.withDatabase(for: context.tenant) {
            database in
            (
                try await database.catalogue.entries(), try await database.catalogue.categories(),
                try await database.accounts.settings([ProductSync.productGroupKey, OrderSteps.paymentMethodKey]),
                try await database.storefront().brand.currency
            )
        }
        return CatalogueListPage(
            entries, categories: categories, settings: settings, currency: currency, notice: notice, context: context)
    }

    @Sendable func list(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let done = request.uri.queryParameters.get("done")
        let notice: Notice? =
            switch done {
            case "saved": .success("Product saved. The storefront shows it now.")
            case "settings": .success("WHMCS settings saved.")
            case "category": .success("Category saved.")
            case "category-deleted": .success("Category deleted.")
            case "visibility": .success("Visibility changed.")
            default: nil
            }
        return try flows.page(try await listPage(context, notice: notice), "admin/products")
    }

    // MARK: Product form

    func formPage(
        _ context: StaffRequestContext, draft: ProductDraft, kind: Product.Kind, errors: [String: String] = [:],
        notice: Notice? = nil
    ) async throws -> ProductFormPage {
        let (categories, currency, rates) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.catalogue.categories(), try await database.storefront().brand.currency,
                try await ExchangeRates.load(database)
            )
        }
        var page = ProductFormPage(
            chrome: context.chrome, csrf: context.csrfToken, draft: draft, kind: kind, errors: errors,
            categories: categories, rules: rules, currency: currency, rates: rates, canEdit: context.role >= .admin
        )
        page.notice = notice
        return page
    }

    @Sendable func newForm(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        guard let kind = Product.Kind(rawValue: request.uri.queryParameters.get("kind") ?? "") else {
            return flows.redirect(to: AdminPaths.products.link())
        }
        var draft = ProductDraft()
        draft.kind = kind.rawValue
        if kind == .cloudServer { draft.cloudProvider = rules.resources.providers.first?.id ?? "" }
        return try flows.page(try await formPage(context, draft: draft, kind: kind), "admin/product")
    }

    @Sendable func edit(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.support)
        let entry = try await entry(context)
        return try flows.page(
            try await formPage(
                context, draft: ProductDraft(entry, currency: Currency(try context.content.brand.currency)),
                kind: entry.product.kind), "admin/product")
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let form = try await FormData.parse(request)
        return try await save(ProductDraft(form: form, id: nil), context: context)
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let stored = try await entry(context)
        let form = try await FormData.parse(request)
        var draft = ProductDraft(form: form, id: stored.product.id)
        // The type is fixed once a product exists: its orders and WHMCS product depend on it.
        draft.kind = stored.product.kind.rawValue
        return try await save(draft, context: context)
    }

    func save(_ draft: ProductDraft, context: StaffRequestContext) async throws -> Response {
        guard let kind = Product.Kind(rawValue: draft.kind) else {
            return flows.redirect(to: AdminPaths.products.link())
        }
        let (categories, currency, rates) = try await databases.withDatabase(for: context.tenant) { database in
            (
                try await database.catalogue.categories(), try await database.storefront().brand.currency,
                try await ExchangeRates.load(database)
            )
        }
        let refused: (ProblemList) async throws -> Response = { problems in
            try flows.page(
                try await formPage(
                    context, draft: draft, kind: kind, errors: problems.fields,
                    notice: .error("Nothing was saved: correct the fields marked below.")
                ),
                "admin/product", status: .unprocessableContent
            )
        }
        switch rules.validate(draft, currency: currency, rates: rates, categories: categories) {
        case .failure(let problems):
            return try await refused(problems)
        case .success(let entry):
            do {
                _ = try await databases.withDatabase(for: context.tenant) { database in
                    try await database.catalogue.save(
                        entry, actor: context.staff, via: "web", ip: context.origin.clientAddress ?? "")
                }
            } catch CatalogueError.duplicateSlug(let slug) {
                return try await refused(
                    ProblemList(["slug": "Another product already uses “\(slug)”; choose another address."]))
            }
            storefront.invalidate(context.tenant.id)
            return flows.redirect(to: AdminPaths.products.link() + "?done=saved")
        }
    }
}
