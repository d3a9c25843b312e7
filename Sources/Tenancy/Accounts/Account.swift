import Foundation
import GRDB

/// A person who signs in: a tenant's customer or staff member, or a platform user.
package struct Account: Codable, Hashable, Sendable, FetchableRecord, TableRecord {
    package typealias ID = TypedID<Account>

    package enum Kind: String, Codable, Sendable, DatabaseValueConvertible {
        case customer, staff, platform
    }

    /// Staff roles: owner (everything), admin (brand, catalogue, customers, orders), support (read, tickets).
    package enum Role: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible, Comparable {
        case support, admin, owner

        package static func < (lhs: Role, rhs: Role) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    package var id: ID
    package var kind: Kind
    package var email: String
    package var name: String
    package var company: String
    package var passwordHash: String?
    package var role: Role?
    package var emailVerifiedAt: Date?
    /// The TOTP secret, sealed with the master key; nil while two-factor is off.
    package var totpSecret: Data?
    /// A secret shown for enrolment but not yet confirmed with a code.
    package var totpPendingSecret: Data?
    package var totpLastStep: Int64
    package var createdAt: Date
    /// The language the customer chose for pages and emails; "" until they choose (tenant accounts only).
    package var language: String = ""

    package var hasSecondFactor: Bool { totpSecret != nil }

    /// Read by hand rather than through `Decodable`: every signed-in request reads an account.
    package init(row: Row) throws {
        id = ID(row["id"] as Int64)
        guard let kind = Kind(rawValue: row["kind"]) else { throw DatabaseError(message: "unknown account kind") }
        self.kind = kind
        email = row["email"]
        name = row["name"]
        company = row["company"]
        passwordHash = row["password_hash"]
        role = (row["role"] as String?).flatMap(Role.init(rawValue:))
        emailVerifiedAt = row["email_verified_at"]
        totpSecret = row["totp_secret"]
        totpPendingSecret = row["totp_pending_secret"]
        totpLastStep = row["totp_last_step"]
        createdAt = row["created_at"]
        language = row["language"] ?? ""
    }

    package static let databaseTableName = "accounts"
    package enum CodingKeys: String, CodingKey {
        case id, kind, email, name, company, role
        case passwordHash = "password_hash"
        case emailVerifiedAt = "email_verified_at"
        case totpSecret = "totp_secret"
        case totpPendingSecret = "totp_pending_secret"
        case totpLastStep = "totp_last_step"
        case createdAt = "created_at"
    }
}

/// A signed-in browser: stored server-side, found by the hash of the cookie's value.
package struct AccountSession: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package var idHash: String
    package var accountID: Account.ID
    package var csrfToken: String
    /// True between a correct password and a correct second factor.
    package var secondFactorPending: Bool
    package var createdAt: Date
    package var lastSeenAt: Date
    package var expiresAt: Date
    package var userAgent: String
    package var ip: String
    /// The staff member signed in as this customer, when it is such a session.
    package var impersonatorID: Account.ID?

    package init(
        idHash: String, accountID: Account.ID, csrfToken: String, secondFactorPending: Bool, createdAt: Date,
        expiresAt: Date, userAgent: String, ip: String, impersonatorID: Account.ID? = nil
    ) {
        self.idHash = idHash
        self.accountID = accountID
        self.csrfToken = csrfToken
        self.secondFactorPending = secondFactorPending
        self.createdAt = createdAt
        lastSeenAt = createdAt
        self.expiresAt = expiresAt
        self.userAgent = userAgent
        self.ip = ip
        self.impersonatorID = impersonatorID
    }

    /// Read by hand rather than through `Decodable`: every signed-in request reads its session.
    package init(row: Row) throws {
        idHash = row["id_hash"]
        accountID = Account.ID(row["account_id"] as Int64)
        csrfToken = row["csrf_token"]
        secondFactorPending = row["second_factor_pending"]
        createdAt = row["created_at"]
        lastSeenAt = row["last_seen_at"]
        expiresAt = row["expires_at"]
        userAgent = row["user_agent"]
        ip = row["ip"]
        impersonatorID = (row["impersonator_id"] as Int64?).map(Account.ID.init)
    }

    package static let databaseTableName = "sessions"
    package enum CodingKeys: String, CodingKey {
        case ip
        case idHash = "id_hash"
        case accountID = "account_id"
        case csrfToken = "csrf_token"
        case secondFactorPending = "second_factor_pending"
        case createdAt = "created_at"
        case lastSeenAt = "last_seen_at"
        case expiresAt = "expires_at"
        case userAgent = "user_agent"
        case impersonatorID = "impersonator_id"
    }
}

/// A one-time link's server side: only the hash of the token is stored.
package struct AccountToken: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package enum Purpose: String, Codable, Sendable, DatabaseValueConvertible {
        case verifyEmail = "verify_email"
        case resetPassword = "reset_password"
        case invite
        case changeEmail = "change_email"
    }

    package var tokenHash: String
    package var accountID: Account.ID
    package var purpose: Purpose
    package var newEmail: String?
    package var expiresAt: Date
    package var usedAt: Date?

    package init(tokenHash: String, accountID: Account.ID, purpose: Purpose, newEmail: String?, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.accountID = accountID
        self.purpose = purpose
        self.newEmail = newEmail
        self.expiresAt = expiresAt
    }

    package static let databaseTableName = "account_tokens"
    package enum CodingKeys: String, CodingKey {
        case purpose
        case tokenHash = "token_hash"
        case accountID = "account_id"
        case newEmail = "new_email"
        case expiresAt = "expires_at"
        case usedAt = "used_at"
    }
}

/// One line of the append-only audit log.
package struct AuditEntry: Codable, Hashable, Sendable, FetchableRecord {
    package var id: Int64
    package var at: Date
    package var actorID: Account.ID?
    package var actor: String
    package var action: String
    package var target: String
    package var detail: String
    package var ip: String

    package enum CodingKeys: String, CodingKey {
        case id, at, actor, action, target, detail, ip
        case actorID = "actor_id"
    }
}

/// An email in the outbox: queued for the delivery worker, then sent, failed or captured (no relay).
package struct OutboxMail: Codable, Hashable, Sendable, FetchableRecord {
    package enum Status: String, Codable, Sendable {
        case queued, sending, sent, failed, cancelled, captured
    }

    package var id: Int64
    package var createdAt: Date
    package var toAddress: String
    package var toName: String
    package var fromAddress: String
    package var fromName: String
    package var replyTo: String
    package var messageID: String
    package var subject: String
    package var textBody: String
    package var htmlBody: String?
    package var kind: String
    /// `own` or `platform`, as chosen when the message was queued.
    package var relay: String
    package var status: Status
    package var attempts: Int
    package var nextAttemptAt: Date?
    package var lastError: String
    package var sentAt: Date?

    package enum CodingKeys: String, CodingKey {
        case id, subject, kind, status, attempts, relay
        case createdAt = "created_at"
        case toAddress = "to_address"
        case toName = "to_name"
        case fromAddress = "from_address"
        case fromName = "from_name"
        case replyTo = "reply_to"
        case messageID = "message_id"
        case textBody = "text_body"
        case htmlBody = "html_body"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case sentAt = "sent_at"
    }
}

/// A message to queue: its headers are fixed (and were checked) when it is queued.
package struct OutgoingMail: Sendable, Equatable {
    package var toAddress: String
    package var toName: String
    package var fromAddress: String
    package var fromName: String
    package var replyTo: String
    package var messageID: String
    package var subject: String
    package var text: String
    package var html: String?
    package var kind: String
    /// Which relay the sender was checked for: the brand's own (`own`) or the platform's (`platform`). Delivery
    /// uses that relay or none, never the other.
    package var relay = "platform"

    package init(
        toAddress: String, toName: String, fromAddress: String, fromName: String, replyTo: String, messageID: String,
        subject: String, text: String, html: String?, kind: String
    ) {
        self.toAddress = toAddress
        self.toName = toName
        self.fromAddress = fromAddress
        self.fromName = fromName
        self.replyTo = replyTo
        self.messageID = messageID
        self.subject = subject
        self.text = text
        self.html = html
        self.kind = kind
    }
}
