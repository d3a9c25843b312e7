import Foundation
import GRDB

/// A customer's order for one product, and how far the pipeline has carried it.
package struct Order: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package typealias ID = TypedID<Order>

    package enum Status: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case awaitingPayment = "awaiting_payment"
        case paid
        case provisioning
        case active
        /// Paid and accepted, waiting for staff to set it up by hand (product types without automation yet).
        case needsSetup = "needs_setup"
        /// Parked after its retries; staff can retry or cancel. Customers see a calm "setting up" message.
        case failed
        case cancelled

        /// The page refreshes itself while the order can still change on its own.
        package var isSettling: Bool { self == .awaitingPayment || self == .paid || self == .provisioning }
    }

    package enum DomainAction: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        case register, transfer, existing
    }

    /// An order that changes an existing WHMCS service instead of buying a new one.
    package enum Change: String, Codable, Sendable, DatabaseValueConvertible {
        /// UpgradeProduct to another product (or cycle) of the same type; also downgrades.
        case upgrade
        /// AddCancelRequest.
        case cancel
    }

    package var id: ID?
    package var accountID: Account.ID
    /// The number shown to people: random, so it reveals nothing about order volume.
    package var number: String
    package var idempotencyKey: String
    package var productID: Int64
    package var productName: String
    package var kind: Product.Kind
    package var cycle: Product.BillingCycle?
    package var domain: String
    package var domainAction: DomainAction?
    package var currency: String
    package var priceMinor: Int64
    package var setupMinor: Int64
    package var domainMinor: Int64
    /// What the customer pays: price, setup and domain, less `discountMinor`.
    package var totalMinor: Int64
    /// The promotion's discount, already taken off `totalMinor`.
    package var discountMinor: Int64 = 0
    /// The promotion code the customer entered (sent to WHMCS as `promocode`); empty when none.
    package var promoCode = ""
    package var status: Status = .awaitingPayment
    package var whmcsClientID: Int?
    /// The client's newest WHMCS order id before ours was placed; an order after it with our lines is ours.
    package var whmcsOrderBaseline: Int?
    package var whmcsOrderID: Int?
    package var whmcsInvoiceID: Int?
    package var whmcsServiceID: Int?
    package var hostingAccountID: Int64?
    /// The last failure, for staff; never shown to the customer.
    package var failure: String?
    package var createdAt: Date
    package var updatedAt: Date
    package var activatedAt: Date?
    package var change: Change?
    /// The WHMCS service an upgrade or cancellation acts on.
    package var targetServiceID: Int?
    package var cancelImmediately = false
    package var changeReason = ""
    /// What a renewal order renews: `domain:<id>` or `certificate:<id>`.
    package var renewalOf: String?
    /// A transfer's authorisation (EPP) code, sealed.
    package var transferCode: Data?
    /// When the provider write that cannot be told apart afterwards (a domain registration) was first sent: an
    /// existing domain counts as this order's only when it was.
    package var providerRequestedAt: Date?

    package init(
        accountID: Account.ID, number: String, idempotencyKey: String, entry: CatalogueEntry,
        cycle: Product.BillingCycle?,
        domain: String, domainAction: DomainAction?, currency: String, priceMinor: Int64, setupMinor: Int64,
        domainMinor: Int64, now: Date
    ) {
        self.accountID = accountID
        self.number = number
        self.idempotencyKey = idempotencyKey
        productID = entry.product.id ?? 0
        productName = entry.product.name
        kind = entry.product.kind
        self.cycle = cycle
        self.domain = domain
        self.domainAction = domainAction
        self.currency = currency
        self.priceMinor = priceMinor
        self.setupMinor = setupMinor
        self.domainMinor = domainMinor
        totalMinor = priceMinor + setupMinor + domainMinor
        createdAt = now
        updatedAt = now
    }

    package static let databaseTableName = "orders"
    package enum CodingKeys: String, CodingKey {
        case id, number, kind, cycle, domain, currency, status, failure
        case accountID = "account_id"
        case idempotencyKey = "idempotency_key"
        case productID = "product_id"
        case productName = "product_name"
        case domainAction = "domain_action"
        case priceMinor = "price_minor"
        case setupMinor = "setup_minor"
        case domainMinor = "domain_minor"
        case totalMinor = "total_minor"
        case discountMinor = "discount_minor"
        case promoCode = "promo_code"
        case whmcsClientID = "whmcs_client_id"
        case whmcsOrderBaseline = "whmcs_order_baseline"
        case whmcsOrderID = "whmcs_order_id"
        case whmcsInvoiceID = "whmcs_invoice_id"
        case whmcsServiceID = "whmcs_service_id"
        case hostingAccountID = "hosting_account_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case activatedAt = "activated_at"
        case change = "change_kind"
        case targetServiceID = "target_service_id"
        case cancelImmediately = "cancel_immediately"
        case changeReason = "change_reason"
        case renewalOf = "renewal_of"
        case transferCode = "transfer_code"
        case providerRequestedAt = "provider_requested_at"
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = ID(inserted.rowID)
    }
}

/// One step of an order's pipeline. Finishing a job writes the next one in the same transaction.
package struct OrderJob: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    package enum Step: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Make sure the customer is a WHMCS client in the tenant's group.
        case client
        /// AddOrder.
        case order
        /// Sandbox: pay the invoice; live: wait until it is paid.
        case payment
        /// AcceptOrder with autosetup.
        case accept
        /// The provider action: a cPanel account for hosting, a setup task for staff otherwise.
        case provision

        /// What the order shows while this step runs.
        package var orderStatus: Order.Status {
            switch self {
            case .client, .order, .payment: .awaitingPayment
            case .accept: .paid
            case .provision: .provisioning
            }
        }

        package var next: Step? {
            switch self {
            case .client: .order
            case .order: .payment
            case .payment: .accept
            case .accept: .provision
            case .provision: nil
            }
        }
    }

    package enum State: String, Codable, Sendable, DatabaseValueConvertible {
        case queued, done, failed, cancelled
    }

    package var id: Int64?
    package var orderID: Order.ID
    package var step: Step
    package var state: State = .queued
    package var attempts = 0
    package var runAfter: Date
    package var lastError: String?
    package var createdAt: Date
    package var finishedAt: Date?

    package init(orderID: Order.ID, step: Step, now: Date) {
        self.orderID = orderID
        self.step = step
        runAfter = now
        createdAt = now
    }

    package static let databaseTableName = "order_jobs"
    package enum CodingKeys: String, CodingKey {
        case id, step, state, attempts
        case orderID = "order_id"
        case runAfter = "run_after"
        case lastError = "last_error"
        case createdAt = "created_at"
        case finishedAt = "finished_at"
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// A customer's billing contact details, required by WHMCS before the first order.
package struct CustomerProfile: Codable, Hashable, Sendable, FetchableRecord, PersistableRecord {
    package var accountID: Account.ID
    package var firstName: String
    package var lastName: String
    package var company: String
    package var address1: String
    package var city: String
    package var state: String
    package var postcode: String
    /// ISO 3166-1 alpha-2.
    package var country: String
    package var phone: String
    /// A VAT or other tax id, sent to WHMCS's client record (`tax_id`) and printed on invoices; empty when none.
    package var taxID = ""
    package var updatedAt: Date

    package init(
        accountID: Account.ID, firstName: String = "", lastName: String = "", company: String = "",
        address1: String = "",
        city: String = "", state: String = "", postcode: String = "", country: String = "", phone: String = "",
        updatedAt: Date = Date()
    ) {
        self.accountID = accountID
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.address1 = address1
        self.city = city
        self.state = state
        self.postcode = postcode
        self.country = country
        self.phone = phone
        self.updatedAt = updatedAt
    }

    package static let databaseTableName = "billing_profiles"
    package enum CodingKeys: String, CodingKey {
        case company, address1, city, state, postcode, country, phone
        case taxID = "tax_id"
        case accountID = "account_id"
        case firstName = "first_name"
        case lastName = "last_name"
        case updatedAt = "updated_at"
    }
}

/// A product type the pipeline cannot set up yet: staff do it by hand, then mark it done.
package struct SetupTask: Codable, Hashable, Sendable, FetchableRecord {
    package var id: Int64
    package var orderID: Order.ID
    package var description: String
    package var status: String
    package var createdAt: Date
    package var doneAt: Date?

    package enum CodingKeys: String, CodingKey {
        case id, description, status
        case orderID = "order_id"
        case createdAt = "created_at"
        case doneAt = "done_at"
    }
}
