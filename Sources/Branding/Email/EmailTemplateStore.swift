import Foundation
import GRDB
import Tenancy

/// A tenant's own versions of email templates (and of the layout), replacing the defaults.
package struct EmailTemplateStore: Sendable {
    let pool: DatabasePool

    /// Every override, by template name (`layout` for the layout).
    package func overrides() async throws -> [String: EmailTemplate] {
        try await pool.read { db in
            var result: [String: EmailTemplate] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, subject, html, text FROM email_templates") {
                result[row["name"]] = EmailTemplate(subject: row["subject"], html: row["html"], text: row["text"])
            }
            return result
        }
    }

    /// Stores a validated override and audits it, in one transaction.
    package func save(_ template: EmailTemplate, named name: String, by staff: Account, ip: String, now: Date = Date())
        async throws
    {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO email_templates (name, subject, html, text, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET subject = excluded.subject, html = excluded.html, text = excluded.text,
                        updated_by = excluded.updated_by, updated_at = excluded.updated_at
                    """,
                arguments: [name, template.subject, template.html, template.text, staff.email, now]
            )
            try AccountStore.appendAudit(
                db, "email_template.updated", actor: staff, target: name, detail: "", ip: ip, now: now)
        }
    }

    /// Goes back to the default; returns whether there was an override.
    package func reset(_ name: String, by staff: Account, ip: String, now: Date = Date()) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM email_templates WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { return false }
            try AccountStore.appendAudit(
                db, "email_template.reset", actor: staff, target: name, detail: "", ip: ip, now: now)
            return true
        }
    }
}

extension TenantDatabase {
    /// The tenant's email template overrides.
    package var emailTemplates: EmailTemplateStore { EmailTemplateStore(pool: pool) }
}
