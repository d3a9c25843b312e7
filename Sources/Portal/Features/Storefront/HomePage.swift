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
    }

    package let chrome: StorefrontChrome
    package let sections: [Section]
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
                    url: StorefrontPaths.category.link(category.slug),
                    products: listed.map { ProductCard($0, currency: currency) }
                )
            )
        }
        let loose = catalogue.listed.filter { entry in
            !catalogue.categories.contains { $0.id == entry.product.categoryID }
        }
        if !loose.isEmpty {
            sections.append(
                Section(
                    title: sections.isEmpty ? "Plans and prices" : "More plans", description: "", url: nil,
                    products: loose.map { ProductCard($0, currency: currency) }
                )
            )
        }
        self.sections = sections
        hasProducts = !sections.isEmpty
    }
}
