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

/// The product form: one type's fields, every billing cycle's price and setup fee with the platform's cost.
package struct ProductFormPage: Sendable {
    package struct CycleRow: Sendable {
        package let cycle: String
        package let label: String
        package let price: String
        package let setup: String
        package let cost: String
        package let priceError: String?
        package let setupError: String?
    }

    package struct Choice: Sendable {
        package let value: String
        package let label: String
        package let selected: Bool
    }

    package let chrome: StorefrontChrome
    package let csrf: String
    package var notice: Notice?
    package let action: String
    package let isNew: Bool
    package let kind: String
    package let kindLabel: String
    package let draft: ProductDraftView
    package let errors: [String: String]
    package let cycles: [CycleRow]
    package let categories: [Choice]
    package let visibilities: [Choice]
    package let providers: [Choice]
    package let sizes: [Choice]
    package let sslTypes: [Choice]
    package let tldLines: String
    package let isHosting: Bool
    package let isReseller: Bool
    package let isCloud: Bool
    package let isSSL: Bool
    package let isDomain: Bool
    package let hasCycles: Bool
    package let currency: String
    package let canEdit: Bool
}

/// The draft's text fields as the template reads them (stored properties only).
package struct ProductDraftView: Sendable {
    package let slug: String
    package let name: String
    package let summary: String
    package let description: String
    package let features: String
    package let position: String
    package let diskMB: String
    package let bandwidthMB: String
    package let whmPackage: String
    package let resellerAccounts: String
    package let sslProductCode: String

    init(_ draft: ProductDraft) {
        slug = draft.slug
        name = draft.name
        summary = draft.summary
        description = draft.description
        features = draft.features
        position = draft.position
        diskMB = draft.diskMB
        bandwidthMB = draft.bandwidthMB
        whmPackage = draft.whmPackage
        resellerAccounts = draft.resellerAccounts
        sslProductCode = draft.sslProductCode
    }
}

extension ProductFormPage {
    init(
        chrome: StorefrontChrome, csrf: String, draft: ProductDraft, kind: Product.Kind, errors: [String: String],
        categories: [ProductCategory], rules: CatalogueRules, currency: String, canEdit: Bool
    ) {
        self.chrome = chrome
        self.csrf = csrf
        isNew = draft.id == nil
        action = draft.id.map { "/admin/products/\($0)" } ?? "/admin/products"
        self.kind = kind.rawValue
        kindLabel = kind.label
        self.draft = ProductDraftView(draft)
        self.errors = errors
        let costs = rules.cycleCosts(draft, kind: kind, currency: currency)
        cycles = Product.BillingCycle.allCases.map { cycle in
            let price = draft.price(for: cycle)
            return CycleRow(
                cycle: cycle.rawValue, label: cycle.label, price: price?.price ?? "", setup: price?.setup ?? "",
                cost: costs[cycle].map { Money.format(minor: $0, currency: currency) } ?? "",
                priceError: errors["price_\(cycle.rawValue)"], setupError: errors["setup_\(cycle.rawValue)"]
            )
        }
        self.categories = [Choice(value: "", label: "No category", selected: draft.categoryID.isEmpty)]
            + categories.map { Choice(value: String($0.id ?? 0), label: $0.name, selected: String($0.id ?? 0) == draft.categoryID) }
        visibilities = Product.Visibility.allCases.map { Choice(value: $0.rawValue, label: $0.label, selected: $0.rawValue == draft.visibility) }
        providers = rules.resources.providers.map { Choice(value: $0.id, label: $0.name, selected: $0.id == draft.cloudProvider) }
        // Sizes are named differently at each provider, so one list of all of them is unambiguous.
        sizes = rules.resources.providers.flatMap { provider in
            provider.sizes.map { size in
                Choice(
                    value: size.size, label: "\(provider.name) \(size.size): \(size.cpu) vCPU, \(size.ramGB) GB RAM, \(size.storageGB) GB",
                    selected: size.size == draft.cloudSize
                )
            }
        }
        sslTypes = Product.SSLType.allCases.map { Choice(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0.rawValue == draft.sslType) }
        tldLines = draft.domainPrices.map { "\($0.tld) \($0.register) \($0.transfer) \($0.renew)" }.joined(separator: "\n")
        isHosting = kind.isHosting
        isReseller = kind == .resellerHosting
        isCloud = kind == .cloudServer
        isSSL = kind == .ssl
        isDomain = kind == .domain
        hasCycles = kind != .domain
        self.currency = currency
        self.canEdit = canEdit
    }
}

extension Product.Visibility {
    var label: String {
        switch self {
        case .visible: "Visible: listed and orderable"
        case .hidden: "Hidden: orderable by direct link only"
        case .retired: "Retired: kept for existing orders"
        }
    }
}
