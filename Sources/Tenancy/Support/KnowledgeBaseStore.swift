import Foundation
import GRDB

/// A help-centre article: Markdown as staff wrote it, and the sanitised HTML rendered from it when saved.
package struct KBArticle: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package var id: Int64?
    package var slug: String
    package var title: String
    package var categoryID: Int64?
    package var markdown: String
    package var html: String
    /// Plain text of the article, for search and summaries.
    package var text: String
    package var published: Bool
    package var updatedAt: Date

    package init(
        slug: String, title: String, categoryID: Int64?, markdown: String, html: String, text: String, published: Bool,
        updatedAt: Date
    ) {
        self.slug = slug
        self.title = title
        self.categoryID = categoryID
        self.markdown = markdown
        self.html = html
        self.text = text
        self.published = published
        self.updatedAt = updatedAt
    }

    package static let databaseTableName = "kb_articles"
    package enum CodingKeys: String, CodingKey {
        case id, slug, title, markdown, html, text, published
        case categoryID = "category_id"
        case updatedAt = "updated_at"
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A help-centre section.
package struct KBCategory: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package var id: Int64?
    package var slug: String
    package var name: String
    package var position: Int

    package init(slug: String, name: String, position: Int) {
        self.slug = slug
        self.name = name
        self.position = position
    }

    package static let databaseTableName = "kb_categories"

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// The tenant's help centre: each method is one transaction. Search uses SQLite's FTS5, kept in step on save.
package struct KnowledgeBaseStore: Sendable {
    let pool: DatabasePool

    static func create(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE kb_categories (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    slug TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL,
                    position INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE kb_articles (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    slug TEXT NOT NULL UNIQUE,
                    title TEXT NOT NULL,
                    category_id INTEGER REFERENCES kb_categories(id) ON DELETE SET NULL,
                    markdown TEXT NOT NULL,
                    html TEXT NOT NULL,
                    text TEXT NOT NULL,
                    published BOOLEAN NOT NULL DEFAULT 0,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX kb_articles_by_category ON kb_articles(category_id, published);
                CREATE VIRTUAL TABLE kb_search USING fts5(title, text, content='kb_articles', content_rowid='id');
                """
        )
    }

    package func categories() async throws -> [KBCategory] {
        try await pool.read { db in try KBCategory.order(Column("position"), Column("name")).fetchAll(db) }
    }

    package func saveCategory(_ category: KBCategory, actor: Account, ip: String, now: Date = Date()) async throws
        -> KBCategory
    {
        try await pool.write { db in
            if let clash = try KBCategory.filter(Column("slug") == category.slug).fetchOne(db), clash.id != category.id
            {
                throw CatalogueError.duplicateSlug(category.slug)
            }
            var category = category
            if category.id == nil { try category.insert(db) } else { try category.update(db) }
            try AccountStore.appendAudit(
                db, "kb.category_saved", actor: actor, target: category.slug, detail: category.name, ip: ip, now: now)
            return category
        }
    }

    /// Articles, newest first; `publishedOnly` for the public help centre.
    /// Every article's slug, published or not: what links may name.
    package func articleSlugs() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT slug FROM kb_articles")) }
    }

    package func articles(publishedOnly: Bool, category: Int64? = nil, limit: Int = 50, offset: Int = 0) async throws
        -> (items: [KBArticle], total: Int)
    {
        try await pool.read { db in
            var request = KBArticle.all()
            if publishedOnly { request = request.filter(Column("published") == true) }
            if let category { request = request.filter(Column("category_id") == category) }
            return (
                try request.order(Column("updated_at").desc).limit(limit, offset: offset).fetchAll(db),
                try request.fetchCount(db)
            )
        }
    }

    package func article(slug: String) async throws -> KBArticle? {
        try await pool.read { db in try KBArticle.filter(Column("slug") == slug).fetchOne(db) }
    }

    package func article(id: Int64) async throws -> KBArticle? {
        try await pool.read { db in try KBArticle.fetchOne(db, key: id) }
    }

    /// Inserts or updates an article and its search entry together, audited.
    package func save(_ article: KBArticle, actor: Account, ip: String, now: Date = Date()) async throws -> KBArticle {
        try await pool.write { db in
            if let clash = try KBArticle.filter(Column("slug") == article.slug).fetchOne(db), clash.id != article.id {
                throw CatalogueError.duplicateSlug(article.slug)
            }
            var article = article
            article.updatedAt = now
            if let id = article.id {
                guard let old = try KBArticle.fetchOne(db, key: id) else { throw CatalogueError.notFound }
                try db.execute(
                    sql: "INSERT INTO kb_search (kb_search, rowid, title, text) VALUES ('delete', ?, ?, ?)",
                    arguments: [id, old.title, old.text]
                )
                try article.update(db)
            } else {
                try article.insert(db)
            }
            try db.execute(
                sql: "INSERT INTO kb_search (rowid, title, text) VALUES (?, ?, ?)",
                arguments: [article.id, article.title, article.text])
            try AccountStore.appendAudit(
                db, "kb.article_saved", actor: actor, target: article.slug,
                detail: article.published ? "published" : "draft",
                ip: ip, now: now)
            return article
        }
    }

    /// Published articles matching every word of `query` (prefix matches), best first.
    package func search(_ query: String, limit: Int = 20) async throws -> [KBArticle] {
        let words = query.lowercased().split { !$0.isLetter && !$0.isNumber }.prefix(8).map { "\"\($0)\"*" }
        guard !words.isEmpty else { return [] }
        let pattern = words.joined(separator: " ")
        return try await pool.read { db in
            try KBArticle.fetchAll(
                db,
                sql: """
                    SELECT kb_articles.* FROM kb_search JOIN kb_articles ON kb_articles.id = kb_search.rowid
                    WHERE kb_search MATCH ? AND kb_articles.published = 1 ORDER BY rank LIMIT ?
                    """,
                arguments: [pattern, limit]
            )
        }
    }
}

extension TenantDatabase {
    /// The help centre's articles and categories.
    package var knowledgeBase: KnowledgeBaseStore { KnowledgeBaseStore(pool: pool) }
}
