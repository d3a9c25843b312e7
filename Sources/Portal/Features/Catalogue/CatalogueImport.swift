import Foundation
import HTTPTypes
import Logging
import Tenancy

/// What one product API call did: an outcome per plan or package, and whether any was refused or failed upstream.
package struct APIBatch: Sendable, Equatable {
    package var results: [ProductSync.Outcome] = []
    /// A plan or package was refused for what it said (422).
    package var refused = false
    /// WHMCS or WHM did not take one that was valid (502, unless one was also refused).
    package var upstreamFailed = false

    package var report: ProductSync.Report {
        let failures = results.filter { !$0.success }.count
        return ProductSync.Report(
            success: failures == 0, successCount: results.count - failures, errorCount: failures, results: results)
    }

    mutating func refuse(_ slug: String, _ title: String, _ message: String) {
        results.append(.init(slug: slug, title: title, success: false, error: message))
        refused = true
    }
}

/// A whole call refused before any plan was looked at; `status` and `code` are what the client gets.
package struct APIRefusal: Error, Sendable, Equatable {
    package let status: HTTPResponse.Status
    package let code: String
    package let message: String
}

/// The product API's catalogue changes: plans checked by the same rules as the catalogue page, saved, pushed to
/// WHMCS; a deleted plan is retired here once WHMCS let it go.
package struct CatalogueImport: Sendable {
    package enum Action: String, Sendable { case add, update, delete }

    /// Pushes entries to WHMCS; `ProductSync.run` is the live one.
    package typealias Sync =
        @Sendable (
            _ operation: ProductSync.Operation, _ entries: [CatalogueEntry], _ tenant: Tenant, _ maskedKey: String,
            _ blockType: String
        ) async -> ProductSync.Report

    let databases: TenantDatabases
    let rules: CatalogueRules
    let sync: Sync
    /// Drops the brand's cached storefront after a change.
    let invalidate: @Sendable (Tenant) -> Void
    let logger: Logger

    package func apply(
        _ action: Action, _ body: ProductAPIWire.ProductsBody, in tenant: Tenant, key maskedKey: String, ip: String
    ) async throws -> Result<APIBatch, APIRefusal> {
        let plans = body.plans ?? []
        let blockType = body.blockType ?? ""
        let (categories, currency, group, rates) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.catalogue.categories(), try await database.storefront().brand.currency,
                try await database.accounts.setting(ProductSync.productGroupKey), try await ExchangeRates.load(database)
            )
        }
        if let gid = body.whmcsGid, String(gid) != group {
            return .failure(
                APIRefusal(
                    status: .unprocessableContent, code: "wrong_group",
                    message:
                        "whmcsGid \(gid) is not this brand's WHMCS product group (\(group ?? "not set")); products stay in the brand's own group."
                ))
        }
        var batch = APIBatch()
        var toSync: [CatalogueEntry] = []
        let via = "api key …\(maskedKey)"
        for plan in plans {
            let slug = (plan.slug ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            let title = plan.title ?? ""
            if slug.isEmpty { batch.refuse(slug, title, "missing field \"slug\""); continue }
            let stored = try await databases.withDatabase(for: tenant) { try await $0.catalogue.entry(slug: slug) }
            switch Self.check(action, plan, slug: slug, stored: stored, blockType: blockType, categories: categories) {
            case .failure(let problem):
                batch.refuse(slug, title, problem.message)
            case .success(nil):
                toSync.append(stored!)
            case .success(let draft?):
                switch rules.validate(draft, currency: currency, rates: rates, categories: categories) {
                case .failure(let problems):
                    batch.refuse(slug, title, problems.summary)
                case .success(let entry):
                    do {
                        toSync.append(
                            try await databases.withDatabase(for: tenant) {
                                try await $0.catalogue.save(entry, actor: nil, via: via, ip: ip)
                            })
                    } catch CatalogueError.duplicateSlug {
                        batch.refuse(slug, title, "a product with the slug \"\(slug)\" exists")
                    }
                }
            }
        }
        guard !toSync.isEmpty else {
            logger.info(
                "product sync",
                metadata: [
                    "tenant": "\(tenant.slug)", "operation": "\(action.rawValue)", "via": "api",
                    "api_key": "***\(maskedKey)", "plans": "\(plans.count)", "block_type": "\(blockType)",
                    "success_count": "0", "error_count": "\(batch.results.count)",
                ]
            )
            return .success(batch)
        }
        let report = await sync(action == .delete ? .delete : .upsert, toSync, tenant, maskedKey, blockType)
        if action == .delete {
            let deleted = Set(report.results.filter(\.success).map(\.slug))
            for entry in toSync where deleted.contains(entry.product.slug) {
                _ = try await databases.withDatabase(for: tenant) { database in
                    try await database.catalogue.setVisibility(
                        entry.product.id ?? 0, .retired, actor: nil, via: via, ip: ip)
                }
            }
        }
        batch.upstreamFailed = !report.success
        batch.results += report.results
        invalidate(tenant)
        return .success(batch)
    }

    struct Problem: Error { let message: String }

    /// A plan against what is stored: the draft to save (add, update), nil to delete the stored one, or why not.
    static func check(
        _ action: Action, _ plan: ProductAPIWire.Plan, slug: String, stored: CatalogueEntry?, blockType: String,
        categories: [ProductCategory]
    ) -> Result<ProductDraft?, Problem> {
        switch action {
        case .delete:
            return stored == nil ? .failure(Problem(message: "no product has the slug \"\(slug)\"")) : .success(nil)
        case .add where stored != nil:
            return .failure(Problem(message: "a product with the slug \"\(slug)\" exists; use /api/products/update"))
        case .update where stored == nil:
            return .failure(Problem(message: "no product has the slug \"\(slug)\"; use /api/products/add"))
        case .add, .update:
            if plan.title == nil { return .failure(Problem(message: "missing field \"title\"")) }
            if plan.pricing == nil, plan.tlds == nil { return .failure(Problem(message: "missing field \"pricing\"")) }
            guard let kind = kind(blockType: blockType, plan: plan) else {
                return .failure(
                    Problem(
                        message:
                            "unknown blockType \"\(blockType)\": use planWithHDD, vps, sslPlan, resellerPlan or domainPlan"
                    ))
            }
            if let stored, stored.product.kind != kind {
                return .failure(
                    Problem(
                        message: "\"\(slug)\" is a \(stored.product.kind.label.lowercased()); its type cannot change"))
            }
            var draft = ProductDraft(plan, kind: kind, categories: categories)
            draft.id = stored?.product.id
            if let category = plan.category, !category.isEmpty, draft.categoryID.isEmpty {
                return .failure(Problem(message: "no category has the address \"\(category)\""))
            }
            return .success(draft)
        }
    }

    static func kind(blockType: String, plan: ProductAPIWire.Plan) -> Product.Kind? {
        switch blockType {
        case "planWithHDD": plan.provider == nil ? .sharedHosting : .cloudServer
        case "vps", "cloudPlan": .cloudServer
        case "sslPlan": .ssl
        case "resellerPlan": .resellerHosting
        case "domainPlan": .domain
        default: nil
        }
    }
}

extension ProductDraft {
    /// The catalogue form's draft for a plan sent to the API, so both are checked by the same rules.
    init(_ plan: ProductAPIWire.Plan, kind: Product.Kind, categories: [ProductCategory]) {
        self.init()
        self.kind = kind.rawValue
        slug = plan.slug ?? ""
        name = plan.title ?? ""
        summary = plan.summary ?? ""
        description = plan.description ?? ""
        features = (plan.features ?? []).joined(separator: "\n")
        position = String(plan.position ?? 0)
        visibility = plan.visibility ?? "visible"
        if let category = plan.category, let match = categories.first(where: { $0.slug == category }) {
            categoryID = String(match.id ?? 0)
        }
        diskMB = plan.diskMB.map(String.init) ?? ""
        bandwidthMB = plan.bandwidthMB.map(String.init) ?? ""
        whmPackage = plan.whmPackage ?? ""
        resellerAccounts = plan.resellerAccounts.map(String.init) ?? ""
        cloudProvider = plan.provider ?? ""
        cloudSize = plan.size ?? ""
        sslType = plan.certificateType ?? ""
        sslProductCode = plan.productCode ?? ""
        prices = (plan.pricing ?? []).map {
            CyclePrice(cycle: $0.billingCycle ?? "", price: $0.price ?? "", setup: $0.setupFee ?? "")
        }
        domainPrices = (plan.tlds ?? []).map {
            TLDPrice(tld: $0.tld ?? "", register: $0.register ?? "", transfer: $0.transfer ?? "", renew: $0.renew ?? "")
        }
    }
}
