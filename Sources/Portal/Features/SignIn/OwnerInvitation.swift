import Foundation
import Integrations
import Tenancy

/// Creates a tenant's first owner (or a platform user) with no password and a one-time setup link.
package enum OwnerInvitation {
    /// Inserts the account and its invitation token; returns the raw token for the link.
    package static func create(
        in db: StoreTransaction, kind: Account.Kind, email rawEmail: String, lifetime: TimeInterval = 30 * 60,
        now: Date = Date()
    ) throws -> String {
        guard let email = EmailAddress.normalize(rawEmail) else {
            throw CommandError("invalid owner email \"\(rawEmail)\": use an address such as owner@example.com")
        }
        let account: Account
        do {
            account = try AccountStore.insertAccount(
                db, kind: kind, email: email, name: email, company: "", passwordHash: nil,
                role: kind == .staff ? .owner : nil, emailVerifiedAt: nil, now: now
            )
        } catch AccountError.emailTaken {
            throw CommandError("\(email) already has an account here")
        }
        let token = SecureToken.generate()
        try AccountStore.insertToken(
            db,
            AccountToken(
                tokenHash: SecureToken.hash(token), accountID: account.id, purpose: .invite, newEmail: nil,
                expiresAt: now.addingTimeInterval(lifetime)
            )
        )
        try AccountStore.appendAudit(db, "owner.invited", actor: nil, target: email, detail: "cli", ip: "", now: now)
        return token
    }

    /// The link to print: the primary domain, `http://…:port` for `*.localhost`, else `https://`.
    package static func link(host: String, path: String, token: String) -> String {
        let port = Environment.value("PORTAL_PORT") ?? "8080"
        let base = Egress.isLocalhost(host) ? "http://\(host):\(port)" : "https://\(host)"
        return "\(base)\(path)?token=\(token)"
    }
}
