import Branding
import Foundation
import Tenancy

/// The storefront home page: the listed products, grouped by category.
package struct HomePage: Sendable, Encodable {
    package struct Section: Sendable, Encodable {
        package let title: String
        package let description: String
        package let url: String?
        package let products: [ProductCard]
        /// Plans of one kind side by side, feature by feature: one table per kind the section has two or more of.
        package let comparisons: [Comparison]

        init(title: String, description: String, url: String?, entries: [CatalogueEntry], currency: String) {
            self.title = title
            self.description = description
            self.url = url
            products = entries.map { ProductCard($0, currency: currency) }
            // Only plans of one kind compare (hosting with hosting), and only when there are several.
            var kinds: [Product.Kind] = []
            for entry in entries where !kinds.contains(entry.product.kind) { kinds.append(entry.product.kind) }
            comparisons = kinds.compactMap { kind in
                let plans = entries.filter { $0.product.kind == kind }
                guard plans.count > 1 else { return nil }
                let label = kinds.count == 1 ? title : kind.label
                return Comparison(title: label, products: plans.map { ProductCard($0, currency: currency) })
            }
        }
    }

    /// A comparison table: a row per feature any plan lists, a column per plan.
    package struct Comparison: Sendable, Encodable {
        package struct Row: Sendable, Encodable {
            package let feature: String
            package let cells: [Cell]
        }

        package struct Cell: Sendable, Encodable {
            package let included: Bool
        }

        package let id: String
        package let title: String
        package let plans: [ProductCard]
        package let rows: [Row]

        init(title: String, products: [ProductCard]) {
            id = "compare-" + String(title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
            self.title = title
            plans = products
            var features: [String] = []
            for product in products {
                for feature in product.features where !features.contains(feature) { features.append(feature) }
            }
            rows = features.map { feature in
                Row(feature: feature, cells: products.map { Cell(included: $0.features.contains(feature)) })
            }
        }
    }

    package let chrome: StorefrontChrome
    package let sections: [Section]
    /// The brand sells domain names: the hero offers the search.
    package let sellsDomains: Bool
    /// Stored, not computed: templates read values by reflection.
    package let hasProducts: Bool

    package init(chrome: StorefrontChrome, catalogue: StorefrontCatalogue, currency: String) {
        self.chrome = chrome
        var sections: [Section] = []
        for category in catalogue.categories {
            let listed = catalogue.listed(in: category)
            guard !listed.isEmpty else { continue }
            sections.append(
                Section(
                    title: category.name, description: category.description,
                    url: StorefrontPaths.category.link(category.slug), entries: listed, currency: currency))
        }
        let loose = catalogue.listed.filter { entry in
            !catalogue.categories.contains { $0.id == entry.product.categoryID }
        }
        if !loose.isEmpty {
            sections.append(
                Section(
                    title: sections.isEmpty ? tr("storefront.home.plans_title") : tr("storefront.home.more_plans"),
                    description: "", url: nil, entries: loose, currency: currency))
        }
        self.sections = sections
        hasProducts = !sections.isEmpty
        sellsDomains = catalogue.listed.contains {
            $0.product.kind == .domain && $0.product.isOrderable && !$0.domainPrices.isEmpty
        }
    }
}
