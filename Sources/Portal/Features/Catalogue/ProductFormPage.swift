import Foundation
import Integrations
import Tenancy

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
    /// The product's words in each of the brand's other languages.
    package var translations: [TranslationFields] = []
    package var hasTranslations = false

    package struct TranslationFields: Sendable {
        package let code: String
        package let name: String
        package let direction: String
        package let productName: String
        package let summary: String
        package let description: String
        package let features: String
        package let error: String?
    }
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

extension ProductFormPage {
    init(
        chrome: StorefrontChrome, csrf: String, draft: ProductDraft, kind: Product.Kind, errors: [String: String],
        categories: [ProductCategory], rules: CatalogueRules, currency: String, rates: [String: Decimal] = [:],
        canEdit: Bool
    ) {
        self.chrome = chrome
        self.csrf = csrf
        isNew = draft.id == nil
        action = draft.id.map { AdminPaths.product.link($0) } ?? AdminPaths.products.link()
        self.kind = kind.rawValue
        kindLabel = kind.label
        self.draft = ProductDraftView(draft)
        self.errors = errors
        let costs = rules.cycleCosts(draft, kind: kind, currency: currency, rates: rates)
        cycles = Product.BillingCycle.allCases.map { cycle in
            let price = draft.price(for: cycle)
            return CycleRow(
                cycle: cycle.rawValue, label: cycle.label, price: price?.price ?? "", setup: price?.setup ?? "",
                cost: costs[cycle].map { Money.format(minor: $0, currency: currency) } ?? "",
                priceError: errors["price_\(cycle.rawValue)"], setupError: errors["setup_\(cycle.rawValue)"]
            )
        }
        self.categories =
            [Choice(value: "", label: "No category", selected: draft.categoryID.isEmpty)]
            + categories.map {
                Choice(value: String($0.id ?? 0), label: $0.name, selected: String($0.id ?? 0) == draft.categoryID)
            }
        visibilities = Product.Visibility.allCases.map {
            Choice(value: $0.rawValue, label: $0.label, selected: $0.rawValue == draft.visibility)
        }
        providers = rules.resources.providers.map {
            Choice(value: $0.id, label: $0.name, selected: $0.id == draft.cloudProvider)
        }
        // Sizes are named differently at each provider, so one list of all of them is unambiguous.
        sizes = rules.resources.providers.flatMap { provider in
            provider.sizes.map { size in
                Choice(
                    value: size.size,
                    label:
                        "\(provider.name) \(size.size): \(size.cpu) vCPU, \(size.ramGB) GB RAM, \(size.storageGB) GB",
                    selected: size.size == draft.cloudSize
                )
            }
        }
        sslTypes = Product.SSLType.allCases.map {
            Choice(value: $0.rawValue, label: $0.rawValue.capitalized, selected: $0.rawValue == draft.sslType)
        }
        tldLines = draft.domainPrices.map { "\($0.tld) \($0.register) \($0.transfer) \($0.renew)" }.joined(
            separator: "\n")
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
