import Foundation
import HTTPTypes
import Hummingbird
import Integrations
import Logging
import NIOCore
import Tenancy

/// The product API on each tenant's domain, as the platform's proxy offered it: JSON, a tenant key in `X-API-Key`.
/// `/api/products/add|update|delete` change the catalogue and push it to WHMCS; `/api/packages/add|update` create
/// and change the WHM hosting packages (under the tenant's reseller) that hosting products name.
package struct ProductAPIController: Sendable {
    let databases: TenantDatabases
    let storefront: StorefrontService
    let rules: CatalogueRules
    let sync: ProductSync
    let upstreams: TenantUpstreams
    let logger: Logger

    package func addRoutes(to group: RouterGroup<TenantRequestContext>) {
        group.post(ProductAPIPaths.productsAdd.route) { request, context in try await products(.add, request, context) }
        group.post(ProductAPIPaths.productsUpdate.route) { request, context in
            try await products(.update, request, context)
        }
        group.post(ProductAPIPaths.productsDelete.route) { request, context in
            try await products(.delete, request, context)
        }
        group.post(ProductAPIPaths.packagesAdd.route) { request, context in
            try await packages(add: true, request, context)
        }
        group.post(ProductAPIPaths.packagesUpdate.route) { request, context in
            try await packages(add: false, request, context)
        }
    }

    enum Action: String { case add, update, delete }

    // MARK: Products

    func products(_ action: Action, _ request: Request, _ context: TenantRequestContext) async throws -> Response {
        guard let maskedKey = try await authenticate(request, context) else { return Self.unauthorized() }
        let body: ProductsBody
        do {
            body = try JSONDecoder().decode(ProductsBody.self, from: try await request.body.collect(upTo: 1 << 20))
        } catch {
            return Self.error(
                .badRequest, "invalid_json",
                "The body must be JSON: {\"blockType\", \"plans\": [...]}; \(Self.reason(error))")
        }
        guard let plans = body.plans, !plans.isEmpty else {
            return Self.error(.badRequest, "missing_field", "\"plans\" must list at least one plan.")
        }
        guard plans.count <= 200 else {
            return Self.error(.badRequest, "too_many_plans", "Send at most 200 plans per call.")
        }
        let blockType = body.blockType ?? ""
        let tenant = context.tenant
        let (categories, currency, group) = try await databases.withDatabase(for: tenant) { database in
            (
                try await database.catalogue.categories(), try await database.storefront().brand.currency,
                try await database.accounts.setting(ProductSync.productGroupKey)
            )
        }
        if let gid = body.whmcsGid, String(gid) != group {
            return Self.error(
                .unprocessableContent, "wrong_group",
                "whmcsGid \(gid) is not this brand's WHMCS product group (\(group ?? "not set")); products stay in the brand's own group."
            )
        }
        var results: [ProductSync.Outcome] = []
        var toSync: [CatalogueEntry] = []
        var status = HTTPResponse.Status.ok
        for plan in plans {
            let slug = (plan.slug ?? "").trimmingCharacters(in: .whitespaces).lowercased()
            let title = plan.title ?? ""
            let stored =
                slug.isEmpty
                ? nil : try await databases.withDatabase(for: tenant) { try await $0.catalogue.entry(slug: slug) }
            func refuse(_ message: String) {
                results.append(.init(slug: slug, title: title, success: false, error: message))
                status = .unprocessableContent
            }
            if slug.isEmpty { refuse("missing field \"slug\""); continue }
            switch action {
            case .delete:
                guard let stored else { refuse("no product has the slug \"\(slug)\""); continue }
                toSync.append(stored)
            case .add, .update:
                if action == .add, stored != nil {
                    refuse("a product with the slug \"\(slug)\" exists; use /api/products/update"); continue
                }
                if action == .update, stored == nil {
                    refuse("no product has the slug \"\(slug)\"; use /api/products/add"); continue
                }
                if plan.title == nil { refuse("missing field \"title\""); continue }
                if plan.pricing == nil, plan.tlds == nil { refuse("missing field \"pricing\""); continue }
                guard let kind = Self.kind(blockType: blockType, plan: plan) else {
                    refuse(
                        "unknown blockType \"\(blockType)\": use planWithHDD, vps, sslPlan, resellerPlan or domainPlan")
                    continue
                }
                if let stored, stored.product.kind != kind {
                    refuse("\"\(slug)\" is a \(stored.product.kind.label.lowercased()); its type cannot change")
                    continue
                }
                var draft = Self.draft(plan, kind: kind, categories: categories)
                draft.id = stored?.product.id
                if let category = plan.category, !category.isEmpty, draft.categoryID.isEmpty {
                    refuse("no category has the address \"\(category)\""); continue
                }
                switch rules.validate(draft, currency: currency, categories: categories) {
                case .failure(let problems):
                    refuse(problems.summary)
                case .success(let entry):
                    do {
                        let saved = try await databases.withDatabase(for: tenant) { database in
                            try await database.catalogue.save(
                                entry, actor: nil, via: "api key …\(maskedKey)", ip: context.origin.clientAddress ?? "")
                        }
                        toSync.append(saved)
                    } catch CatalogueError.duplicateSlug {
                        refuse("a product with the slug \"\(slug)\" exists")
                    }
                }
            }
        }
        if !toSync.isEmpty {
            let report = await sync.run(
                action == .delete ? .delete : .upsert, toSync, tenant: tenant, via: "api", maskedKey: maskedKey,
                blockType: blockType
            )
            if action == .delete {
                let deleted = Set(report.results.filter(\.success).map(\.slug))
                for entry in toSync where deleted.contains(entry.product.slug) {
                    _ = try await databases.withDatabase(for: tenant) { database in
                        try await database.catalogue.setVisibility(
                            entry.product.id ?? 0, .retired, actor: nil, via: "api key …\(maskedKey)",
                            ip: context.origin.clientAddress ?? ""
                        )
                    }
                }
            }
            if !report.success, status == .ok { status = .badGateway }
            results += report.results
            storefront.invalidate(tenant.id)
        } else {
            logger.info(
                "product sync",
                metadata: [
                    "tenant": "\(tenant.slug)", "operation": "\(action.rawValue)", "via": "api",
                    "api_key": "***\(maskedKey)",
                    "plans": "\(plans.count)", "block_type": "\(blockType)", "success_count": "0",
                    "error_count": "\(results.count)",
                ]
            )
        }
        let failures = results.filter { !$0.success }.count
        return try Self.json(
            ProductSync.Report(
                success: failures == 0, successCount: results.count - failures, errorCount: failures, results: results),
            status: status
        )
    }

    static func kind(blockType: String, plan: Plan) -> Product.Kind? {
        switch blockType {
        case "planWithHDD": plan.provider == nil ? .sharedHosting : .cloudServer
        case "vps", "cloudPlan": .cloudServer
        case "sslPlan": .ssl
        case "resellerPlan": .resellerHosting
        case "domainPlan": .domain
        default: nil
        }
    }

    static func draft(_ plan: Plan, kind: Product.Kind, categories: [ProductCategory]) -> ProductDraft {
        var draft = ProductDraft()
        draft.kind = kind.rawValue
        draft.slug = plan.slug ?? ""
        draft.name = plan.title ?? ""
        draft.summary = plan.summary ?? ""
        draft.description = plan.description ?? ""
        draft.features = (plan.features ?? []).joined(separator: "\n")
        draft.position = String(plan.position ?? 0)
        draft.visibility = plan.visibility ?? "visible"
        if let category = plan.category, let match = categories.first(where: { $0.slug == category }) {
            draft.categoryID = String(match.id ?? 0)
        }
        draft.diskMB = plan.diskMB.map(String.init) ?? ""
        draft.bandwidthMB = plan.bandwidthMB.map(String.init) ?? ""
        draft.whmPackage = plan.whmPackage ?? ""
        draft.resellerAccounts = plan.resellerAccounts.map(String.init) ?? ""
        draft.cloudProvider = plan.provider ?? ""
        draft.cloudSize = plan.size ?? ""
        draft.sslType = plan.certificateType ?? ""
        draft.sslProductCode = plan.productCode ?? ""
        draft.prices = (plan.pricing ?? []).map {
            ProductDraft.CyclePrice(cycle: $0.billingCycle ?? "", price: $0.price ?? "", setup: $0.setupFee ?? "")
        }
        draft.domainPrices = (plan.tlds ?? []).map {
            ProductDraft.TLDPrice(
                tld: $0.tld ?? "", register: $0.register ?? "", transfer: $0.transfer ?? "", renew: $0.renew ?? "")
        }
        return draft
    }

    // MARK: Packages

    func packages(add: Bool, _ request: Request, _ context: TenantRequestContext) async throws -> Response {
        guard let maskedKey = try await authenticate(request, context) else { return Self.unauthorized() }
        let body: PackagesBody
        do {
            body = try JSONDecoder().decode(PackagesBody.self, from: try await request.body.collect(upTo: 1 << 20))
        } catch {
            return Self.error(
                .badRequest, "invalid_json", "The body must be JSON: {\"packages\": [...]}; \(Self.reason(error))")
        }
        guard let packages = body.packages, !packages.isEmpty, packages.count <= 100 else {
            return Self.error(.badRequest, "missing_field", "\"packages\" must list 1 to 100 packages.")
        }
        let started = ContinuousClock.now
        var results: [ProductSync.Outcome] = []
        var status = HTTPResponse.Status.ok
        let whm: WHMClient
        do {
            whm = try await upstreams.whm(for: context.tenant)
        } catch {
            return Self.error(
                .conflict, "not_configured", "WHM is not set up for this brand: \(TenantUpstreams.describe(error))")
        }
        for package in packages {
            let name = (package.name ?? "").trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 48,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            else {
                results.append(
                    .init(
                        slug: name, title: name, success: false,
                        error: "\"name\" must be 1 to 48 letters, digits, _ or -"))
                status = .unprocessableContent
                continue
            }
            if let disk = package.diskMB, disk <= 0 {
                results.append(
                    .init(
                        slug: name, title: name, success: false,
                        error: "\"diskMB\" must be positive, or left out for unlimited"))
                status = .unprocessableContent
                continue
            }
            let spec = WHMPackageSpec(name: name, diskMB: package.diskMB, bandwidthMB: package.bandwidthMB)
            do {
                let full = add ? try await whm.addPackage(spec) : whm.packageName(name)
                if !add { try await whm.editPackage(spec) }
                results.append(.init(slug: name, title: full, success: true))
            } catch {
                results.append(
                    .init(
                        slug: name, title: whm.packageName(name), success: false, error: TenantUpstreams.describe(error)
                    ))
                if status == .ok { status = .badGateway }
            }
        }
        let failures = results.filter { !$0.success }.count
        let duration = ContinuousClock.now - started
        logger.info(
            "package sync",
            metadata: [
                "tenant": "\(context.tenant.slug)", "operation": "\(add ? "add" : "update")",
                "api_key": "***\(maskedKey)",
                "packages": "\(packages.count)",
                "names": "\(packages.compactMap(\.name).joined(separator: ", ").prefix(300))",
                "reseller": "\(whm.reseller)",
                "duration_ms":
                    "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)",
                "success_count": "\(results.count - failures)", "error_count": "\(failures)",
            ]
        )
        try await databases.withDatabase(for: context.tenant) { database in
            try await database.accounts.audit(
                add ? "package.added" : "package.updated", actor: nil,
                target: packages.compactMap(\.name).joined(separator: ", "),
                detail: "api key …\(maskedKey)", ip: context.origin.clientAddress ?? ""
            )
        }
        return try Self.json(
            ProductSync.Report(
                success: failures == 0, successCount: results.count - failures, errorCount: failures, results: results),
            status: status
        )
    }
}
