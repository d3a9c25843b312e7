import Foundation
import Integrations
import Tenancy

/// `/admin/products`: the catalogue, categories, WHMCS settings and the last sync's results.
package struct CatalogueListPage: Sendable {
    package struct Row: Sendable {
        package let id: Int64
        package let name: String
        package let slug: String
        package let kind: String
        package let visibility: String
        package let category: String
        package let prices: String
        package let margin: String
        package let sync: String
        package let syncFailed: Bool
        package let isVisible: Bool
        package let isHidden: Bool
        package let isRetired: Bool
    }

    package struct CategoryRow: Sendable {
        package let id: Int64
        package let slug: String
        package let name: String
        package let description: String
        package let position: Int
    }

    package struct SyncRow: Sendable {
        package let title: String
        package let success: Bool
        package let message: String
    }

    package struct KindChoice: Sendable {
        package let value: String
        package let label: String
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package var rows: [Row]
    package var hasRows: Bool
    package var categories: [CategoryRow]
    package var hasCategories: Bool
    package var kinds: [KindChoice]
    package var canEdit: Bool
    package var isOwner: Bool
    package var productGroup: String
    package var paymentMethod: String
    package var settingsError: String?
    package var syncResults: [SyncRow] = []
    package var hasSyncResults = false
    package var categoryError: String?
    package var categoryName = ""
    package var categorySlug = ""
}

extension CatalogueListPage {
    init(
        _ entries: [CatalogueEntry], categories: [ProductCategory], settings: [String: String], currency: String,
        notice: Notice?, context: StaffRequestContext
    ) {
        let names = Dictionary(
            uniqueKeysWithValues: categories.compactMap { category in category.id.map { ($0, category.name) } })
        let rows = entries.map { entry in
            let product = entry.product
            let prices =
                entry.prices.map { "\(Money.format(minor: $0.priceMinor, currency: currency)) \($0.cycle.rawValue)" }
                + (entry.domainPrices.isEmpty ? [] : ["\(entry.domainPrices.count) TLDs"])
            let margins = entry.prices.map { Money.format(minor: $0.marginMinor, currency: currency) }
            let sync: String =
                if product.kind == .domain { "TLD prices (not a WHMCS product)" } else if let error = product.syncError
                {
                    "Failed: \(error)"
                } else if let id = product.whmcsProductID, let synced = product.syncedAt, synced >= product.updatedAt {
                    "WHMCS product \(id)"
                } else if let id = product.whmcsProductID { "WHMCS product \(id), changed since: sync again" } else {
                    "Not synced yet"
                }
            return Row(
                id: product.id ?? 0, name: product.name, slug: product.slug, kind: product.kind.label,
                visibility: product.visibility.rawValue, category: product.categoryID.flatMap { names[$0] } ?? "",
                prices: prices.joined(separator: ", "), margin: margins.joined(separator: ", "), sync: sync,
                syncFailed: product.syncError != nil, isVisible: product.visibility == .visible,
                isHidden: product.visibility == .hidden, isRetired: product.visibility == .retired
            )
        }
        self.init(
            chrome: context.chrome, csrf: context.csrfToken, notice: notice, rows: rows, hasRows: !rows.isEmpty,
            categories: categories.map {
                .init(id: $0.id ?? 0, slug: $0.slug, name: $0.name, description: $0.description, position: $0.position)
            },
            hasCategories: !categories.isEmpty,
            kinds: Product.Kind.allCases.map { .init(value: $0.rawValue, label: $0.label) },
            canEdit: context.role >= .admin, isOwner: context.role == .owner,
            productGroup: settings[ProductSync.productGroupKey] ?? "",
            paymentMethod: settings[OrderSteps.paymentMethodKey] ?? OrderSteps.defaultPaymentMethod
        )
    }
}
