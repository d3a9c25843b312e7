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
    let catalogue: CatalogueImport
    let packageDesk: PackageDesk
    let logger: Logger
    /// The clock keys expire by.
    let now: @Sendable () -> Date
    /// Limits the "refused a key" log lines per brand and address.
    var refusals = LogAllowance()

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

    // MARK: Products

    func products(_ action: CatalogueImport.Action, _ request: Request, _ context: TenantRequestContext)
        async throws -> Response
    {
        guard let maskedKey = try await authenticate(request, context) else { return Self.unauthorized() }
        let body: ProductAPIWire.ProductsBody
        do {
            body = try JSONDecoder().decode(
                ProductAPIWire.ProductsBody.self, from: try await request.body.collect(upTo: 1 << 20))
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
        return try Self.respond(
            try await catalogue.apply(
                action, body, in: context.tenant, key: maskedKey, ip: context.origin.clientAddress ?? ""))
    }

    // MARK: Packages

    func packages(add: Bool, _ request: Request, _ context: TenantRequestContext) async throws -> Response {
        guard let maskedKey = try await authenticate(request, context) else { return Self.unauthorized() }
        let body: ProductAPIWire.PackagesBody
        do {
            body = try JSONDecoder().decode(
                ProductAPIWire.PackagesBody.self, from: try await request.body.collect(upTo: 1 << 20))
        } catch {
            return Self.error(
                .badRequest, "invalid_json", "The body must be JSON: {\"packages\": [...]}; \(Self.reason(error))")
        }
        guard let packages = body.packages, !packages.isEmpty, packages.count <= 100 else {
            return Self.error(.badRequest, "missing_field", "\"packages\" must list 1 to 100 packages.")
        }
        return try Self.respond(
            try await packageDesk.apply(
                add: add, packages, in: context.tenant, key: maskedKey, ip: context.origin.clientAddress ?? ""))
    }

    /// The batch's report: 422 when anything was refused, else 502 when an upstream failed, else 200.
    static func respond(_ result: Result<APIBatch, APIRefusal>) throws -> Response {
        switch result {
        case .failure(let refusal):
            return error(refusal.status, refusal.code, refusal.message)
        case .success(let batch):
            let status: HTTPResponse.Status =
                batch.refused ? .unprocessableContent : batch.upstreamFailed ? .badGateway : .ok
            return try json(batch.report, status: status)
        }
    }
}
