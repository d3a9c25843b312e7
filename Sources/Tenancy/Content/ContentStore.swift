import Foundation
import GRDB

/// A brand's own pages (drafts, published versions), news, menu, footer, announcement and images. Each method is
/// one transaction. Page content is stored as JSON (every language of one version together), so a version is one row.
package struct ContentStore: Sendable {
    let pool: DatabasePool

    /// How many published versions of a page are kept to restore.
    package static let keptVersions = 20

    static func createTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE site_pages (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    slug TEXT NOT NULL UNIQUE,
                    draft TEXT NOT NULL,
                    published TEXT,
                    published_version INTEGER,
                    updated_at DATETIME NOT NULL
                );
                CREATE TABLE site_page_versions (
                    page_id INTEGER NOT NULL REFERENCES site_pages(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL,
                    content TEXT NOT NULL,
                    published_at DATETIME NOT NULL,
                    published_by TEXT NOT NULL,
                    PRIMARY KEY (page_id, version)
                ) WITHOUT ROWID;
                CREATE TABLE news_posts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    slug TEXT NOT NULL UNIQUE,
                    day TEXT NOT NULL,
                    author TEXT NOT NULL,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    published BOOLEAN NOT NULL DEFAULT 0,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX news_posts_by_day ON news_posts(published, day DESC);
                CREATE TABLE site_settings (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    content TEXT NOT NULL
                );
                CREATE TABLE site_images (
                    file TEXT PRIMARY KEY,
                    bytes INTEGER NOT NULL,
                    width INTEGER NOT NULL,
                    height INTEGER NOT NULL,
                    uploaded_at DATETIME NOT NULL,
                    unused_since DATETIME
                ) WITHOUT ROWID;
                """)
    }

    /// Why a change to the content was refused.
    package enum Problem: Error, Equatable {
        case slugTaken
        case notFound
    }

    // MARK: Pages

    package func pages() async throws -> [SitePage] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM site_pages ORDER BY slug").map(Self.page) }
    }

    package func page(_ id: SitePage.ID) async throws -> SitePage? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM site_pages WHERE id = ?", arguments: [id]).map(Self.page)
        }
    }

    package func page(slug: String) async throws -> SitePage? {
        try await pool.read { db in try Self.page(db, slug: slug) }
    }

    package static func page(_ db: Database, slug: String) throws -> SitePage? {
        try Row.fetchOne(db, sql: "SELECT * FROM site_pages WHERE slug = ?", arguments: [slug]).map(Self.page)
    }

    /// Slugs of every page, published or not: what internal links may name.
    package func pageSlugs() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT slug FROM site_pages")) }
    }

    package func createPage(slug: String, draft: PageContent, now: Date) async throws -> SitePage.ID {
        try await pool.write { db in
            guard try Self.page(db, slug: slug) == nil else { throw Problem.slugTaken }
            try db.execute(
                sql: "INSERT INTO site_pages (slug, draft, updated_at) VALUES (?, ?, ?)",
                arguments: [slug, try Self.json(draft), now])
            return SitePage.ID(db.lastInsertedRowID)
        }
    }

    /// Saves the draft (and the slug); what visitors see changes only on publish.
    package func saveDraft(_ id: SitePage.ID, slug: String, draft: PageContent, now: Date) async throws {
        try await pool.write { db in
            if let other = try Self.page(db, slug: slug), other.id != id { throw Problem.slugTaken }
            try db.execute(
                sql: "UPDATE site_pages SET slug = ?, draft = ?, updated_at = ? WHERE id = ?",
                arguments: [slug, try Self.json(draft), now, id])
            guard db.changesCount == 1 else { throw Problem.notFound }
        }
    }

    /// Publishes the draft as the next version, keeping the last `keptVersions`.
    @discardableResult
    package func publish(_ id: SitePage.ID, by author: String, now: Date) async throws -> Int {
        try await pool.write { db in try Self.publish(db, id, by: author, now: now) }
    }

    static func publish(_ db: Database, _ id: SitePage.ID, by author: String, now: Date) throws -> Int {
        guard let draft = try String.fetchOne(db, sql: "SELECT draft FROM site_pages WHERE id = ?", arguments: [id])
        else { throw Problem.notFound }
        let version =
            (try Int.fetchOne(
                db, sql: "SELECT max(version) FROM site_page_versions WHERE page_id = ?", arguments: [id]) ?? 0) + 1
        try db.execute(
            sql: """
                INSERT INTO site_page_versions (page_id, version, content, published_at, published_by)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [id, version, draft, now, author])
        try db.execute(
            sql: "DELETE FROM site_page_versions WHERE page_id = ? AND version <= ?",
            arguments: [id, version - keptVersions])
        try db.execute(
            sql: "UPDATE site_pages SET published = draft, published_version = ?, updated_at = ? WHERE id = ?",
            arguments: [version, now, id])
        return version
    }

    /// Takes the page off the site; its draft and versions stay.
    package func unpublish(_ id: SitePage.ID, now: Date) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE site_pages SET published = NULL, published_version = NULL, updated_at = ? WHERE id = ?",
                arguments: [now, id])
            guard db.changesCount == 1 else { throw Problem.notFound }
        }
    }

    /// Makes a kept version the draft again and publishes it (as a new version, so nothing is lost).
    @discardableResult
    package func restore(_ id: SitePage.ID, version: Int, by author: String, now: Date) async throws -> Int {
        try await pool.write { db in
            guard
                let content = try String.fetchOne(
                    db, sql: "SELECT content FROM site_page_versions WHERE page_id = ? AND version = ?",
                    arguments: [id, version])
            else { throw Problem.notFound }
            try db.execute(
                sql: "UPDATE site_pages SET draft = ?, updated_at = ? WHERE id = ?", arguments: [content, now, id])
            return try Self.publish(db, id, by: author, now: now)
        }
    }

    package func versions(of id: SitePage.ID) async throws -> [PageVersion] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM site_page_versions WHERE page_id = ? ORDER BY version DESC", arguments: [id]
            ).map { row in
                PageVersion(
                    version: row["version"], content: try Self.decode(row["content"]),
                    publishedAt: row["published_at"], publishedBy: row["published_by"])
            }
        }
    }

    package func deletePage(_ id: SitePage.ID) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM site_pages WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else { throw Problem.notFound }
        }
    }

    private static func page(_ row: Row) throws -> SitePage {
        SitePage(
            id: SitePage.ID(row["id"] as Int64), slug: row["slug"], draft: try decode(row["draft"]),
            published: try (row["published"] as String?).map { try decode($0) },
            publishedVersion: row["published_version"], updatedAt: row["updated_at"])
    }

    // MARK: News

    /// Posts, newest first: every one for staff, the published ones for visitors.
    package func news(publishedOnly: Bool, limit: Int = 200) async throws -> [NewsPost] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM news_posts \(publishedOnly ? "WHERE published = 1" : "")
                    ORDER BY day DESC, id DESC LIMIT ?
                    """,
                arguments: [limit]
            ).map(Self.post)
        }
    }

    package func post(slug: String) async throws -> NewsPost? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM news_posts WHERE slug = ?", arguments: [slug]).map(Self.post)
        }
    }

    package func post(_ id: NewsPost.ID) async throws -> NewsPost? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM news_posts WHERE id = ?", arguments: [id]).map(Self.post)
        }
    }

    /// Creates a post (`post.id` ignored) or updates the one with `id`.
    @discardableResult
    package func savePost(_ post: NewsPost, id: NewsPost.ID?, now: Date) async throws -> NewsPost.ID {
        try await pool.write { db in
            if let other = try Int64.fetchOne(
                db, sql: "SELECT id FROM news_posts WHERE slug = ?", arguments: [post.slug]),
                other != id?.rawValue
            {
                throw Problem.slugTaken
            }
            let values: [any DatabaseValueConvertible] = [
                post.slug, post.date, post.author, try Self.json(post.title), try Self.json(post.body), post.published,
                now,
            ]
            if let id {
                try db.execute(
                    sql: """
                        UPDATE news_posts SET slug = ?, day = ?, author = ?, title = ?, body = ?, published = ?,
                            updated_at = ?
                        WHERE id = ?
                        """,
                    arguments: StatementArguments(values + [id]))
                guard db.changesCount == 1 else { throw Problem.notFound }
                return id
            }
            try db.execute(
                sql: """
                    INSERT INTO news_posts (slug, day, author, title, body, published, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: StatementArguments(values))
            return NewsPost.ID(db.lastInsertedRowID)
        }
    }

    package func deletePost(_ id: NewsPost.ID) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM news_posts WHERE id = ?", arguments: [id])
            guard db.changesCount == 1 else { throw Problem.notFound }
        }
    }

    package func newsSlugs() async throws -> Set<String> {
        try await pool.read { db in Set(try String.fetchAll(db, sql: "SELECT slug FROM news_posts")) }
    }

    private static func post(_ row: Row) throws -> NewsPost {
        NewsPost(
            id: NewsPost.ID(row["id"] as Int64), slug: row["slug"], date: row["day"], author: row["author"],
            title: try decode(row["title"]), body: try decode(row["body"]), published: row["published"],
            updatedAt: row["updated_at"])
    }

    // MARK: Search

    /// Published pages and news whose text (in any language) contains `query`, for the help centre's search.
    package func searchPublished(_ query: String, limit: Int = 20) async throws -> (pages: [SitePage], news: [NewsPost])
    {
        let pattern =
            "%"
            + query.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
        return try await pool.read { db in
            let pages = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM site_pages WHERE published IS NOT NULL AND published LIKE ? ESCAPE '\\'
                    ORDER BY slug LIMIT ?
                    """,
                arguments: [pattern, limit]
            ).map(Self.page)
            let news = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM news_posts WHERE published = 1 AND (title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')
                    ORDER BY day DESC LIMIT ?
                    """,
                arguments: [pattern, pattern, limit]
            ).map(Self.post)
            return (pages, news)
        }
    }

    // MARK: Site

    package func site() async throws -> SiteSettings {
        try await pool.read { db in try Self.site(db) }
    }

    package static func site(_ db: Database) throws -> SiteSettings {
        guard let text = try String.fetchOne(db, sql: "SELECT content FROM site_settings WHERE id = 1") else {
            return SiteSettings()
        }
        return try decode(text)
    }

    package func saveSite(_ settings: SiteSettings) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO site_settings (id, content) VALUES (1, ?)
                    ON CONFLICT (id) DO UPDATE SET content = excluded.content
                    """,
                arguments: [try Self.json(settings)])
        }
    }

    // MARK: Images

    package func images() async throws -> [StoredImage] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM site_images ORDER BY uploaded_at DESC, file").map(Self.image)
        }
    }

    /// Records an uploaded image unless the brand's images would pass `quota` bytes; false when refused. The same
    /// bytes uploaded again are the same image (content-addressed) and cost nothing.
    package func addImage(file: String, bytes: Int, width: Int, height: Int, quota: Int, now: Date) async throws -> Bool
    {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM site_images WHERE file = ?", arguments: [file]) == true {
                try db.execute(
                    sql: "UPDATE site_images SET unused_since = NULL, uploaded_at = ? WHERE file = ?",
                    arguments: [now, file])
                return true
            }
            let used = try Int.fetchOne(db, sql: "SELECT coalesce(sum(bytes), 0) FROM site_images") ?? 0
            guard used + bytes <= quota else { return false }
            try db.execute(
                sql: "INSERT INTO site_images (file, bytes, width, height, uploaded_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [file, bytes, width, height, now])
            return true
        }
    }

    package func imageBytes() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT coalesce(sum(bytes), 0) FROM site_images") ?? 0 }
    }

    /// Marks images nothing uses any more (as of `now`), clears the mark of those used again, and forgets those
    /// unused since before `cutoff`: their file names are returned for the caller to delete. One transaction.
    package func sweepImages(now: Date, cutoff: Date) async throws -> [String] {
        try await pool.write { db in
            let texts = try String.fetchAll(
                db,
                sql: """
                    SELECT draft FROM site_pages UNION ALL SELECT published FROM site_pages WHERE published IS NOT NULL
                    UNION ALL SELECT content FROM site_page_versions UNION ALL SELECT body FROM news_posts
                    UNION ALL SELECT content FROM site_settings
                    """)
            let files = try String.fetchAll(db, sql: "SELECT file FROM site_images")
            var removed: [String] = []
            for file in files {
                let used = texts.contains { $0.contains(file) }
                if used {
                    try db.execute(sql: "UPDATE site_images SET unused_since = NULL WHERE file = ?", arguments: [file])
                    continue
                }
                try db.execute(
                    sql: "UPDATE site_images SET unused_since = ? WHERE file = ? AND unused_since IS NULL",
                    arguments: [now, file])
                if let since = try Date.fetchOne(
                    db, sql: "SELECT unused_since FROM site_images WHERE file = ?", arguments: [file]),
                    since < cutoff
                {
                    try db.execute(sql: "DELETE FROM site_images WHERE file = ?", arguments: [file])
                    removed.append(file)
                }
            }
            return removed
        }
    }

    private static func image(_ row: Row) -> StoredImage {
        StoredImage(
            file: row["file"], bytes: row["bytes"], width: row["width"], height: row["height"],
            uploadedAt: row["uploaded_at"], unusedSince: row["unused_since"])
    }

    // MARK: Seeding (the demo, onboarding)

    /// Inserts a page and publishes it as version 1, inside a caller's transaction.
    package static func insertPublishedPage(
        _ db: Database, slug: String, content: PageContent, by author: String, now: Date
    ) throws {
        try db.execute(
            sql: "INSERT INTO site_pages (slug, draft, updated_at) VALUES (?, ?, ?)",
            arguments: [slug, try json(content), now])
        _ = try publish(db, SitePage.ID(db.lastInsertedRowID), by: author, now: now)
    }

    /// Stores the site settings inside a caller's transaction.
    package static func insertSite(_ db: Database, _ settings: SiteSettings) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO site_settings (id, content) VALUES (1, ?)", arguments: [try json(settings)])
    }

    /// Inserts a news post inside a caller's transaction.
    package static func insertPost(_ db: Database, _ post: NewsPost, now: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO news_posts (slug, day, author, title, body, published, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                post.slug, post.date, post.author, try json(post.title), try json(post.body), post.published, now,
            ])
    }

    // MARK: JSON

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
