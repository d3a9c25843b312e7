import Foundation
import GRDB

/// A product's words in one of the brand's other languages; an empty field shows the default language's.
package struct ProductText: Codable, Hashable, Sendable {
    package var name: String
    package var summary: String
    package var description: String
    /// One feature per line, like `Product.features`.
    package var features: String

    package init(name: String = "", summary: String = "", description: String = "", features: String = "") {
        self.name = name
        self.summary = summary
        self.description = description
        self.features = features
    }

    package var isEmpty: Bool { name.isEmpty && summary.isEmpty && description.isEmpty && features.isEmpty }

    static func all(_ db: Database) throws -> [Int64: [String: ProductText]] {
        var texts: [Int64: [String: ProductText]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT * FROM product_translations") {
            texts[row["product_id"], default: [:]][row["language"]] = ProductText(
                name: row["name"], summary: row["summary"], description: row["description"],
                features: row["features"])
        }
        return texts
    }
}

extension Product {
    /// The product with `text`'s non-empty fields in place of its own.
    package func localized(_ text: ProductText?) -> Product {
        guard let text else { return self }
        var product = self
        if !text.name.isEmpty { product.name = text.name }
        if !text.summary.isEmpty { product.summary = text.summary }
        if !text.description.isEmpty { product.description = text.description }
        if !text.features.isEmpty { product.features = text.features }
        return product
    }
}

extension StorefrontCatalogue {
    /// The catalogue as a reader of `language` sees it: each product's words in that language where the brand wrote
    /// them.
    package func localized(_ language: String) -> StorefrontCatalogue {
        guard translations.values.contains(where: { $0[language] != nil }) else { return self }
        var copy = self
        copy.entries = entries.map { entry in
            var entry = entry
            if let id = entry.product.id { entry.product = entry.product.localized(translations[id]?[language]) }
            return entry
        }
        return copy
    }
}

extension CatalogueStore {
    /// The product's words in each other language.
    package func translations(of productID: Int64) async throws -> [String: ProductText] {
        try await pool.read { db in
            var texts: [String: ProductText] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT * FROM product_translations WHERE product_id = ?", arguments: [productID])
            {
                texts[row["language"]] = ProductText(
                    name: row["name"], summary: row["summary"], description: row["description"],
                    features: row["features"])
            }
            return texts
        }
    }

    /// Replaces the product's translations (empty ones are removed).
    package func saveTranslations(_ texts: [String: ProductText], of productID: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM product_translations WHERE product_id = ?", arguments: [productID])
            for (language, text) in texts where !text.isEmpty {
                try db.execute(
                    sql: """
                        INSERT INTO product_translations (product_id, language, name, summary, description, features)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [productID, language, text.name, text.summary, text.description, text.features])
            }
        }
    }
}
