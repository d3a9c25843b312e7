import GRDB

/// The brand studio's columns and tables: identity, images and nameservers on the published brand row, one draft
/// per staff member, the published versions, the tenant's email template overrides, and the HTML part of mail.
enum BrandSchema {
    static func createStudio(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE brand ADD COLUMN company_name TEXT NOT NULL DEFAULT '';
                ALTER TABLE brand ADD COLUMN support_email TEXT NOT NULL DEFAULT '';
                ALTER TABLE brand ADD COLUMN support_phone TEXT NOT NULL DEFAULT '';
                ALTER TABLE brand ADD COLUMN postal_address TEXT NOT NULL DEFAULT '';
                ALTER TABLE brand ADD COLUMN footer_links TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE brand ADD COLUMN sender_name TEXT NOT NULL DEFAULT '';
                ALTER TABLE brand ADD COLUMN sender_email TEXT NOT NULL DEFAULT '';
                ALTER TABLE brand ADD COLUMN logo_dark_file TEXT;
                ALTER TABLE brand ADD COLUMN favicon_file TEXT;
                ALTER TABLE brand ADD COLUMN nameservers TEXT NOT NULL DEFAULT '[]';
                CREATE TABLE brand_drafts (
                    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
                    data TEXT NOT NULL,
                    based_on_version INTEGER NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE TABLE brand_versions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    version INTEGER NOT NULL,
                    data TEXT NOT NULL,
                    published_by TEXT NOT NULL,
                    published_at DATETIME NOT NULL,
                    note TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX brand_versions_by_version ON brand_versions(version);
                CREATE TABLE email_templates (
                    name TEXT PRIMARY KEY,
                    subject TEXT NOT NULL,
                    html TEXT NOT NULL,
                    text TEXT NOT NULL,
                    updated_by TEXT NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                ALTER TABLE mail_outbox ADD COLUMN html_body TEXT;
                """
        )
    }
}
