import Foundation
import Integrations
import Logging
import Tenancy

/// Pushes catalogue products to the tenant's WHMCS product group, as the platform's proxy did: each product type
/// becomes AddProduct with its provisioning module and configoption1…6.
///
/// WHMCS's API can add a product but not change or delete one (there is no UpdateProduct or DeleteProduct action),
/// so each form of a catalogue product is its own WHMCS product, its slug ending in the fingerprint of what WHMCS
/// was sent. A change adds the next version and links the catalogue to it; services already on an older version
/// keep it, with their own recurring amounts. Every version is hidden in WHMCS, whose own order form no customer
/// sees, so an old version is never offered there.
package struct ProductSync: Sendable {
    package enum Operation: String, Sendable {
        /// Link the product to the WHMCS product of its current form, adding that version when it is new.
        case upsert
        /// Unlink it; its WHMCS versions stay (hidden) for the services that use them.
        case delete
    }

    package struct Outcome: Sendable, Encodable, Equatable {
        package var slug: String
        package var title: String
        package var success: Bool
        package var whmcsProductId: Int?
        package var skipped = false
        package var error: String?
    }

    package struct Report: Sendable, Encodable, Equatable {
        package var success: Bool
        package var successCount: Int
        package var errorCount: Int
        package var results: [Outcome]
    }

    /// The settings key of the WHMCS product group a tenant's catalogue lives in.
    package static let productGroupKey = "catalogue.whmcs_product_group"

    let upstreams: TenantUpstreams
    let databases: TenantDatabases
    let logger: Logger

    /// Syncs `entries` and records each outcome on the product; logs one line for the whole call.
    package func run(
        _ operation: Operation, _ entries: [CatalogueEntry], tenant: Tenant, via: String, maskedKey: String? = nil,
        blockType: String
    ) async -> Report {
        let started = ContinuousClock.now
        var results: [Outcome] = []
        var groupID: Int?
        do {
            let (client, _) = try await upstreams.whmcs(for: tenant)
            let (stored, currency) = try await databases.withDatabase(for: tenant) { database in
                (
                    try await database.accounts.setting(Self.productGroupKey),
                    try await database.storefront().brand.currency
                )
            }
            guard let group = stored.flatMap(Int.init) else {
                throw SyncProblem("this brand has no WHMCS product group yet; set it on the catalogue page")
            }
            groupID = group
            let currencies = try await client.currencies()
            guard let currencyID = currencies.first(where: { $0.code == currency.uppercased() })?.id else {
                throw SyncProblem("WHMCS has no \(currency) currency; add it in WHMCS (Setup › Payments › Currencies)")
            }
            let whm = try? await upstreams.whm(for: tenant)
            for entry in entries {
                results.append(
                    await sync(
                        operation, entry, client: client, group: group, currencyID: currencyID, whm: whm, tenant: tenant
                    )
                )
            }
        } catch {
            let message = TenantUpstreams.describe(error)
            results = entries.map {
                Outcome(slug: $0.product.slug, title: $0.product.name, success: false, error: message)
            }
        }
        let failures = results.filter { !$0.success }.count
        let report = Report(
            success: failures == 0, successCount: results.count - failures, errorCount: failures, results: results)
        let duration = ContinuousClock.now - started
        logger.info(
            "product sync",
            metadata: [
                "tenant": "\(tenant.slug)", "operation": "\(operation.rawValue)", "via": "\(via)",
                "api_key": "\(maskedKey.map { "***\($0)" } ?? "none")", "plans": "\(entries.count)",
                "titles": "\(entries.map(\.product.name).joined(separator: ", ").prefix(300))",
                "block_type": "\(blockType)",
                "group_id": "\(groupID.map(String.init) ?? "none")",
                "duration_ms":
                    "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)",
                "success_count": "\(report.successCount)", "error_count": "\(report.errorCount)",
            ]
        )
        return report
    }

    private func sync(
        _ operation: Operation, _ entry: CatalogueEntry, client: WHMCSClient, group: Int, currencyID: Int,
        whm: WHMClient?,
        tenant: Tenant
    ) async -> Outcome {
        let product = entry.product
        var outcome = Outcome(
            slug: product.slug, title: product.name, success: false, whmcsProductId: product.whmcsProductID)
        guard product.kind != .domain else {
            // WHMCS prices domains per TLD (Setup › Domain Pricing), not as products; nothing to push.
            outcome.success = true
            outcome.skipped = true
            return outcome
        }
        do {
            switch operation {
            case .upsert:
                let request = Self.whmcsProduct(entry, group: group, currencyID: currencyID, whm: whm)
                // Found by its versioned slug first: another sync (the button, the API, an order) may have added
                // this very version a moment ago, or an earlier one the same form.
                if let id = try await client.product(slug: request.slug, groupID: group)?.id {
                    outcome.whmcsProductId = id
                } else {
                    outcome.whmcsProductId = try await client.addProduct(request)
                }
            case .delete:
                outcome.whmcsProductId = nil
            }
            let recorded = outcome.whmcsProductId
            try await databases.withDatabase(for: tenant) { database in
                if operation == .delete {
                    try await database.catalogue.unlink(product.id ?? 0)
                } else {
                    try await database.catalogue.recordSync(product.id ?? 0, whmcsProductID: recorded, error: nil)
                }
            }
            outcome.success = true
        } catch {
            outcome.error = TenantUpstreams.describe(error)
            try? await databases.withDatabase(for: tenant) { database in
                try await database.catalogue.recordSync(product.id ?? 0, whmcsProductID: nil, error: outcome.error)
            }
        }
        return outcome
    }

    /// The AddProduct request for a catalogue entry: type, module and configoption1…n by product type.
    package static func whmcsProduct(_ entry: CatalogueEntry, group: Int, currencyID: Int, whm: WHMClient?)
        -> WHMCSNewProduct
    {
        let product = entry.product
        var request = WHMCSNewProduct(name: product.name, groupID: group)
        request.description = product.summary
        // The storefront decides what is offered; WHMCS's own order form is never shown to a customer.
        request.hidden = true
        request.payType = "recurring"
        // The portal's pipeline accepts and provisions each order itself, so WHMCS must not set anything up on its own.
        request.autoSetup = ""
        switch product.kind {
        case .sharedHosting, .resellerHosting:
            request.type = product.kind == .sharedHosting ? "hostingaccount" : "reselleraccount"
            request.module = "cpanel"
            let package = product.whmPackage ?? ""
            request.configOptions = [whm?.packageName(package) ?? package]
        case .cloudServer:
            request.type = "server"
            request.module = "provision20i"
            request.configOptions = [
                "admin", "1", "20i-cloud-server", product.cloudProvider ?? "", product.cloudSize ?? "",
            ]
        case .ssl:
            request.type = "other"
            request.module = "thesslstorefullv2"
            request.configOptions = [product.sslProductCode ?? ""]
        case .domain:
            request.type = "other"
        }
        for price in entry.prices {
            guard let cycle = WHMCSBillingCycle(rawValue: price.cycle.rawValue) else { continue }
            request.pricing[currencyID, default: [:]][cycle] = price.priceMinor
            request.setupFees[currencyID, default: [:]][cycle] = price.setupMinor
        }
        request.slug = "\(product.slug)-\(request.fingerprint)"
        return request
    }
}

/// A sync that cannot start, with the reason staff need.
struct SyncProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
