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

    /// The brand's languages other than its default: the ones a product is translated into.
    func otherLanguages(_ context: StaffRequestContext) throws -> [String] {
        let brand = try context.content.brand
        return LanguageMiddleware.offered(by: brand, shipped: flows.pages.languages).filter {
            $0 != brand.defaultLanguage
        }
    }

    /// The translation fields of the product form: `tr_<code>_name`, `_summary`, `_description`, `_features`.
    static func translations(_ form: FormData, languages: [String]) -> [String: ProductText] {
        var texts: [String: ProductText] = [:]
        for code in languages {
            texts[code] = ProductText(
                name: form.trimmed("tr_\(code)_name"), summary: form.trimmed("tr_\(code)_summary"),
                description: form["tr_\(code)_description"].replacingOccurrences(of: "\r\n", with: "\n")
                    .trimmingCharacters(in: .whitespacesAndNewlines),
                features: form["tr_\(code)_features"].replacingOccurrences(of: "\r\n", with: "\n")
                    .trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return texts
    }

    /// Problems of the translations, by field (`tr_<code>`).
    static func problems(of texts: [String: ProductText]) -> [String: String] {
        var problems: [String: String] = [:]
        for (code, text) in texts {
            if text.name.count > 120 || text.name.contains(where: \.isNewline) {
                problems["tr_\(code)"] = "Keep the name to one line of at most 120 characters."
            } else if text.summary.count > 300 {
                problems["tr_\(code)"] = "Keep the summary to 300 characters."
            } else if text.description.count > 5000 {
                problems["tr_\(code)"] = "Keep the description to 5,000 characters."
            } else if text.features.split(separator: "\n").count > 30 {
                problems["tr_\(code)"] = "List at most 30 features."
            }
        }
        return problems
    }

    func formPage(
        _ context: StaffRequestContext, draft: ProductDraft, kind: Product.Kind, errors: [String: String] = [:],
        notice: Notice? = nil, texts: [String: ProductText] = [:]
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
        let catalogs = flows.pages.languages.catalogs
        page.translations = try otherLanguages(context).map { code in
            let text = texts[code] ?? ProductText()
            return ProductFormPage.TranslationFields(
                code: code, name: catalogs[code]?.name ?? code, direction: catalogs[code]?.direction.rawValue ?? "ltr",
                productName: text.name, summary: text.summary, description: text.description, features: text.features,
                error: errors["tr_\(code)"])
        }
        page.hasTranslations = !page.translations.isEmpty
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
        let texts = try await databases.withDatabase(for: context.tenant) { database in
            try await database.catalogue.translations(of: entry.product.id ?? 0)
        }
        return try flows.page(
            try await formPage(
                context, draft: ProductDraft(entry, currency: Currency(try context.content.brand.currency)),
                kind: entry.product.kind, texts: texts), "admin/product")
    }

    @Sendable func create(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let form = try await FormData.parse(request)
        return try await save(
            ProductDraft(form: form, id: nil), context: context,
            texts: Self.translations(form, languages: try otherLanguages(context)))
    }

    @Sendable func update(_ request: Request, context: StaffRequestContext) async throws -> Response {
        try context.require(.admin)
        let stored = try await entry(context)
        let form = try await FormData.parse(request)
        var draft = ProductDraft(form: form, id: stored.product.id)
        // The type is fixed once a product exists: its orders and WHMCS product depend on it.
        draft.kind = stored.product.kind.rawValue
        return try await save(
            draft, context: context, texts: Self.translations(form, languages: try otherLanguages(context)))
    }

    func save(_ draft: ProductDraft, context: StaffRequestContext, texts: [String: ProductText] = [:]) async throws
        -> Response
    {
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
                    notice: .error("Nothing was saved: correct the fields marked below."), texts: texts
                ),
                "admin/product", status: .unprocessableContent
            )
        }
        let textProblems = Self.problems(of: texts)
        switch rules.validate(draft, currency: currency, rates: rates, categories: categories) {
        case .failure(let problems):
            return try await refused(ProblemList(problems.fields.merging(textProblems) { first, _ in first }))
        case .success where !textProblems.isEmpty:
            return try await refused(ProblemList(textProblems))
        case .success(let entry):
            do {
                _ = try await databases.withDatabase(for: context.tenant) { database in
                    let saved = try await database.catalogue.save(
                        entry, actor: context.staff, via: "web", ip: context.origin.clientAddress ?? "")
                    try await database.catalogue.saveTranslations(texts, of: saved.product.id ?? 0)
                }
            } catch CatalogueError.duplicateSlug(let slug) {
                return try await refused(
                    ProblemList(["slug": "Another product already uses “\(slug)”; choose another address."]))
            }
            storefront.invalidate(context.tenant)
            return flows.redirect(to: AdminPaths.products.link() + "?done=saved")
        }
    }
}
