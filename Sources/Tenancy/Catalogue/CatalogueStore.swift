import Foundation
import GRDB

/// Why a catalogue change was refused by the database's own rules.
package enum CatalogueError: Error, Equatable, CustomStringConvertible {
    case duplicateSlug(String)
    case notFound
    case categoryInUse(String)

    package var description: String {
        switch self {
        case .duplicateSlug(let slug): "another entry already uses the address “\(slug)”"
        case .notFound: "no such catalogue entry"
        case .categoryInUse(let name): "“\(name)” still holds products; move them first"
        }
    }
}

/// The tenant's catalogue: each method is one transaction.
package struct CatalogueStore: Sendable {
    let pool: DatabasePool

    package func categories() async throws -> [ProductCategory] {
        try await pool.read { db in try Self.categories(db) }
    }

    // The storefront's reads are written in SQL: a cold tenant's first request reads them through a fresh
    // connection, where GRDB's query interface would first load the whole schema for its region tracking.
    static func categories(_ db: Database) throws -> [ProductCategory] {
        try ProductCategory.fetchAll(db, sql: "SELECT * FROM product_categories ORDER BY position, name")
    }

    /// Every product with its prices, in the reseller's order; `visibilities` narrows the list.
    package func entries(_ visibilities: Set<Product.Visibility> = Set(Product.Visibility.allCases)) async throws
        -> [CatalogueEntry]
    {
        try await pool.read { db in try Self.entries(db, visibilities) }
    }

    static func entries(_ db: Database, _ visibilities: Set<Product.Visibility>) throws -> [CatalogueEntry] {
        let shown = visibilities.map(\.rawValue).sorted()
        let products = try Product.fetchAll(
            db,
            sql: """
                SELECT * FROM products WHERE visibility IN (\(Array(repeating: "?", count: shown.count).joined(separator: ", ")))
                ORDER BY position, id
                """,
            arguments: StatementArguments(shown))
        let prices = Dictionary(
            grouping: try ProductPrice.fetchAll(db, sql: "SELECT * FROM product_prices"), by: \.productID)
        let domains = Dictionary(
            grouping: try DomainPrice.fetchAll(db, sql: "SELECT * FROM domain_prices"), by: \.productID)
        return products.map { product in
            CatalogueEntry(
                product: product, prices: prices[product.id ?? 0] ?? [], domainPrices: domains[product.id ?? 0] ?? [])
        }
    }

    package func entry(slug: String) async throws -> CatalogueEntry? {
        try await pool.read { db in
            guard let product = try Product.filter(Product.Columns.slug == slug).fetchOne(db) else { return nil }
            return try Self.entry(db, product)
        }
    }

    /// The product synced to WHMCS as `whmcsProductID`, if any.
    package func entry(whmcsProductID: Int) async throws -> CatalogueEntry? {
        try await pool.read { db in
            guard let product = try Product.filter(Column("whmcs_product_id") == whmcsProductID).fetchOne(db) else {
                return nil
            }
            return try Self.entry(db, product)
        }
    }

    package func entry(id: Int64) async throws -> CatalogueEntry? {
        try await pool.read { db in
            guard let product = try Product.fetchOne(db, key: id) else { return nil }
            return try Self.entry(db, product)
        }
    }

    package static func entry(_ db: Database, _ product: Product) throws -> CatalogueEntry {
        let id = product.id ?? 0
        return CatalogueEntry(
            product: product,
            prices: try ProductPrice.filter(Column("product_id") == id).fetchAll(db),
            domainPrices: try DomainPrice.filter(Column("product_id") == id).fetchAll(db)
        )
    }

    /// Inserts or replaces a product with its prices, and audits it. A new product keeps its WHMCS link
    /// fields empty; an update keeps the stored ones.
    package func save(_ entry: CatalogueEntry, actor: Account?, via: String, ip: String, now: Date = Date())
        async throws -> CatalogueEntry
    {
        try await pool.write { db in
            var product = entry.product
            if let clash = try Product.filter(Product.Columns.slug == product.slug).fetchOne(db), clash.id != product.id
            {
                throw CatalogueError.duplicateSlug(product.slug)
            }
            if let category = product.categoryID, try ProductCategory.fetchOne(db, key: category) == nil {
                product.categoryID = nil
            }
            product.updatedAt = now
            let isNew = product.id == nil
            if let id = product.id {
                guard let stored = try Product.fetchOne(db, key: id) else { throw CatalogueError.notFound }
                product.whmcsProductID = stored.whmcsProductID
                product.syncedAt = stored.syncedAt
                product.syncError = stored.syncError
                try product.update(db)
            } else {
                try product.insert(db)
            }
            let id = product.id ?? 0
            try db.execute(sql: "DELETE FROM product_prices WHERE product_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM domain_prices WHERE product_id = ?", arguments: [id])
            for var price in entry.prices {
                price.productID = id
                try price.insert(db)
            }
            for var price in entry.domainPrices {
                price.productID = id
                try price.insert(db)
            }
            try AccountStore.appendAudit(
                db, isNew ? "product.created" : "product.updated", actor: actor, target: product.slug,
                detail: via, ip: ip, now: now
            )
            return try Self.entry(db, product)
        }
    }

    /// Sets a product's visibility; retiring keeps it for existing orders.
    package func setVisibility(
        _ id: Int64, _ visibility: Product.Visibility, actor: Account?, via: String, ip: String, now: Date = Date()
    )
        async throws -> Product
    {
        try await pool.write { db in
            guard var product = try Product.fetchOne(db, key: id) else { throw CatalogueError.notFound }
            product.visibility = visibility
            product.updatedAt = now
            try product.update(db)
            try AccountStore.appendAudit(
                db, "product.\(visibility.rawValue)", actor: actor, target: product.slug, detail: via, ip: ip, now: now
            )
            return product
        }
    }

    /// Records the outcome of a sync to WHMCS: the product id on success, the reason otherwise.
    package func recordSync(_ id: Int64, whmcsProductID: Int?, error: String?, now: Date = Date()) async throws {
        try await pool.write { db in
            if let error {
                try db.execute(
                    sql: "UPDATE products SET sync_error = ? WHERE id = ?", arguments: [String(error.prefix(500)), id])
            } else {
                try db.execute(
                    sql: "UPDATE products SET whmcs_product_id = ?, synced_at = ?, sync_error = NULL WHERE id = ?",
                    arguments: [whmcsProductID, now, id]
                )
            }
        }
    }

    package func saveCategory(_ category: ProductCategory, actor: Account?, ip: String, now: Date = Date()) async throws
        -> ProductCategory
    {
        try await pool.write { db in
            var category = category
            let clash = try ProductCategory.filter(Column("slug") == category.slug).fetchOne(db)
            if let clash, clash.id != category.id { throw CatalogueError.duplicateSlug(category.slug) }
            if category.id == nil { try category.insert(db) } else { try category.update(db) }
            try AccountStore.appendAudit(
                db, "category.saved", actor: actor, target: category.slug, detail: category.name, ip: ip, now: now)
            return category
        }
    }

    package func deleteCategory(_ id: Int64, actor: Account?, ip: String, now: Date = Date()) async throws {
        try await pool.write { db in
            guard let category = try ProductCategory.fetchOne(db, key: id) else { throw CatalogueError.notFound }
            let inUse = try Product.filter(Product.Columns.categoryID == id).filter(
                Product.Columns.visibility != "retired"
            ).fetchCount(db)
            guard inUse == 0 else { throw CatalogueError.categoryInUse(category.name) }
            try db.execute(sql: "UPDATE products SET category_id = NULL WHERE category_id = ?", arguments: [id])
            _ = try ProductCategory.deleteOne(db, key: id)
            try AccountStore.appendAudit(
                db, "category.deleted", actor: actor, target: category.slug, detail: category.name, ip: ip, now: now)
        }
    }
}

extension TenantDatabase {
    /// Categories, products and prices.
    package var catalogue: CatalogueStore { CatalogueStore(pool: pool) }
}

/// What the storefront lists: categories and the visible products, and the ones reachable by link.
package struct StorefrontCatalogue: Codable, Hashable, Sendable {
    package var categories: [ProductCategory]
    /// Visible and hidden entries; hidden ones have pages but are not listed.
    package var entries: [CatalogueEntry]
    /// Products' words in the brand's other languages, by product id and language.
    package var translations: [Int64: [String: ProductText]] = [:]

    package init(categories: [ProductCategory], entries: [CatalogueEntry]) {
        self.categories = categories
        self.entries = entries
    }

    package var listed: [CatalogueEntry] { entries.filter { $0.product.visibility == .visible } }

    package func entry(slug: String) -> CatalogueEntry? { entries.first { $0.product.slug == slug } }

    package func category(slug: String) -> ProductCategory? { categories.first { $0.slug == slug } }

    package func listed(in category: ProductCategory) -> [CatalogueEntry] {
        listed.filter { $0.product.categoryID == category.id }
    }

    package static func read(_ db: Database) throws -> StorefrontCatalogue {
        var catalogue = StorefrontCatalogue(
            categories: try CatalogueStore.categories(db), entries: try CatalogueStore.entries(db, [.visible, .hidden])
        )
        catalogue.translations = try ProductText.all(db)
        return catalogue
    }
}

extension CatalogueStore {
    /// Forgets a product's WHMCS link after it was deleted there.
    package func unlink(_ id: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE products SET whmcs_product_id = NULL, synced_at = NULL, sync_error = NULL WHERE id = ?",
                arguments: [id])
        }
    }
}

extension CatalogueStore {
    /// Inserts a new entry inside a caller's transaction (onboarding, the demo, bench data).
    @discardableResult
    package static func insert(_ db: Database, _ entry: CatalogueEntry) throws -> Int64 {
        var product = entry.product
        try product.insert(db)
        let id = product.id ?? 0
        for var price in entry.prices {
            price.productID = id
            try price.insert(db)
        }
        for var price in entry.domainPrices {
            price.productID = id
            try price.insert(db)
        }
        return id
    }
}
