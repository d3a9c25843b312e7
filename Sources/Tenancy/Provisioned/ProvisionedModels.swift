import Foundation
import GRDB

/// A record that notes when it last changed.
package protocol Stamped {
    var updatedAt: Date { get set }
}

/// A domain the portal registered (or transferred in) at 20i for a customer.
package struct RegisteredDomain: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord, Stamped {
    package typealias ID = TypedID<RegisteredDomain>

    package enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        case active, expired
    }

    package var id: ID?
    package var accountID: Account.ID
    package var orderID: Order.ID?
    package var name: String
    package var status: Status = .active
    package var expiresAt: Date
    package var autoRenew = true
    package var privacy = false
    /// One per line.
    package var nameservers: String
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        accountID: Account.ID, orderID: Order.ID?, name: String, expiresAt: Date, nameservers: [String], privacy: Bool,
        now: Date
    ) {
        self.accountID = accountID
        self.orderID = orderID
        self.name = name
        self.expiresAt = expiresAt
        self.nameservers = nameservers.joined(separator: "\n")
        self.privacy = privacy
        createdAt = now
        updatedAt = now
    }

    package var nameserverList: [String] { nameservers.split(whereSeparator: \.isNewline).map(String.init) }

    package static let databaseTableName = "registered_domains"
    package enum CodingKeys: String, CodingKey {
        case id, name, status, privacy, nameservers
        case accountID = "account_id"
        case orderID = "order_id"
        case expiresAt = "expires_at"
        case autoRenew = "auto_renew"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = ID(inserted.rowID) }
}

/// A managed cloud server at 20i, sized by the resource map.
package struct CloudServer: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package typealias ID = TypedID<CloudServer>

    package var id: ID?
    package var accountID: Account.ID
    package var orderID: Order.ID?
    package var name: String
    package var provider: String
    package var size: String
    package var cpu: Int
    package var ramGB: Int
    package var storageGB: Int
    package var upstreamID: String
    package var status: String
    package var ipAddress: String
    package var hostname: String
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        accountID: Account.ID, orderID: Order.ID?, name: String, provider: String, size: String, cpu: Int, ramGB: Int,
        storageGB: Int,
        upstreamID: String, status: String, ipAddress: String, hostname: String, now: Date
    ) {
        (self.accountID, self.orderID, self.name, self.provider, self.size) = (accountID, orderID, name, provider, size)
        (self.cpu, self.ramGB, self.storageGB, self.upstreamID, self.status) = (
            cpu, ramGB, storageGB, upstreamID, status
        )
        (self.ipAddress, self.hostname, createdAt, updatedAt) = (ipAddress, hostname, now, now)
    }

    package static let databaseTableName = "cloud_servers"
    package enum CodingKeys: String, CodingKey {
        case id, name, provider, size, cpu, status, hostname
        case accountID = "account_id"
        case orderID = "order_id"
        case ramGB = "ram_gb"
        case storageGB = "storage_gb"
        case upstreamID = "upstream_id"
        case ipAddress = "ip_address"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = ID(inserted.rowID) }
}

/// An SSL certificate ordered at TheSSLStore: its validation, and once issued, the certificate and where it went.
package struct SSLCertificate: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord, Stamped {
    package typealias ID = TypedID<SSLCertificate>

    package enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        /// Ordered; the CA waits for the domain-validation proof.
        case pendingValidation = "pending_validation"
        case issued
        /// A newer certificate (its renewal) took over.
        case renewed
        case expired
    }

    package enum Validation: String, Codable, Sendable, DatabaseValueConvertible {
        case file, dns
    }

    package var id: ID?
    package var accountID: Account.ID
    package var orderID: Order.ID?
    package var domain: String
    package var productCode: String
    package var months: Int
    /// The portal's own order id at TheSSLStore (CustomOrderID), so a lost answer is found again.
    package var customID: String
    package var upstreamID = ""
    package var status: Status = .pendingValidation
    package var validation: Validation
    package var authFileName = ""
    package var authFileContent = ""
    package var cnameName = ""
    package var cnameValue = ""
    /// Where the portal put the proof itself (`cPanel` or `DNS`); empty when the customer has to.
    package var proofPlacedBy = ""
    /// The private key, sealed.
    package var privateKeySealed: Data
    package var csr: String
    package var certificate = ""
    package var caBundle = ""
    /// The cPanel account the certificate is installed on; empty when it is only offered for download.
    package var installedOn = ""
    package var startsAt: Date?
    package var expiresAt: Date?
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        accountID: Account.ID, orderID: Order.ID?, domain: String, productCode: String, months: Int, customID: String,
        validation: Validation, privateKeySealed: Data, csr: String, now: Date
    ) {
        (self.accountID, self.orderID, self.domain, self.productCode, self.months) = (
            accountID, orderID, domain, productCode, months
        )
        (self.customID, self.validation, self.privateKeySealed, self.csr) = (
            customID, validation, privateKeySealed, csr
        )
        (createdAt, updatedAt) = (now, now)
    }

    package static let databaseTableName = "ssl_certificates"
    package enum CodingKeys: String, CodingKey {
        case id, domain, months, status, validation, csr, certificate
        case accountID = "account_id"
        case orderID = "order_id"
        case productCode = "product_code"
        case customID = "custom_id"
        case upstreamID = "upstream_id"
        case authFileName = "auth_file_name"
        case authFileContent = "auth_file_content"
        case cnameName = "cname_name"
        case cnameValue = "cname_value"
        case proofPlacedBy = "proof_placed_by"
        case privateKeySealed = "private_key_sealed"
        case caBundle = "ca_bundle"
        case installedOn = "installed_on"
        case startsAt = "starts_at"
        case expiresAt = "expires_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = ID(inserted.rowID) }
}
