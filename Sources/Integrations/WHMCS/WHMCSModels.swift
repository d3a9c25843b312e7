import Crypto
import Foundation

/// Typed views of WHMCS records: only the fields the portal uses, read leniently (CONTRACTS.md §0.2).
/// Money is in minor units (pence, cents) so nothing passes through floating point.

/// A new client for AddClient.
package struct WHMCSNewClient: Sendable, Equatable {
    package var firstName: String
    package var lastName: String
    package var email: String
    package var companyName = ""
    /// A VAT or other tax id (`tax_id`, WHMCS 7.7 and later); empty sends nothing.
    package var taxID = ""
    package var address1: String
    package var city: String
    package var state: String
    package var postcode: String
    /// ISO 3166-1 alpha-2.
    package var country: String
    package var phoneNumber: String
    /// The client group: the tenant's, always, never from user input.
    package var groupID: Int
    /// WHMCS currency id the client is billed in; nil leaves WHMCS's default.
    package var currencyID: Int?
    package var password: String?
    /// Admin notes; the portal writes a marker here naming the account the client belongs to.
    package var notes = ""
    package var customFields: [Int: String] = [:]

    package init(
        firstName: String, lastName: String, email: String, address1: String, city: String, state: String,
        postcode: String, country: String, phoneNumber: String, groupID: Int
    ) {
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.address1 = address1
        self.city = city
        self.state = state
        self.postcode = postcode
        self.country = country
        self.phoneNumber = phoneNumber
        self.groupID = groupID
    }
}

/// A row of GetClients.
package struct WHMCSClientSummary: Sendable, Equatable {
    package var id: Int
    package var firstName: String
    package var lastName: String
    package var companyName: String
    package var email: String
    package var groupID: Int
    package var status: String

    init(_ json: LenientJSON) {
        id = json["id"]?.int ?? 0
        firstName = json["firstname"]?.string ?? ""
        lastName = json["lastname"]?.string ?? ""
        companyName = json["companyname"]?.string ?? ""
        email = json["email"]?.string ?? ""
        groupID = json["groupid"]?.int ?? 0
        status = json["status"]?.string ?? ""
    }
}

/// GetClientsDetails' `client` object.
package struct WHMCSClientDetails: Sendable, Equatable {
    package var id: Int
    package var firstName: String
    package var lastName: String
    package var companyName: String
    package var email: String
    package var address1: String
    package var city: String
    package var state: String
    package var postcode: String
    package var country: String
    package var phoneNumber: String
    package var taxID: String
    package var groupID: Int
    package var status: String
    package var notes: String
    package var customFields: [Int: String]

    init(_ json: LenientJSON) {
        id = json["client_id"]?.int ?? json["id"]?.int ?? json["userid"]?.int ?? 0
        firstName = json["firstname"]?.string ?? ""
        lastName = json["lastname"]?.string ?? ""
        companyName = json["companyname"]?.string ?? ""
        email = json["email"]?.string ?? ""
        address1 = json["address1"]?.string ?? ""
        city = json["city"]?.string ?? ""
        state = json["state"]?.string ?? ""
        postcode = json["postcode"]?.string ?? ""
        country = json["countrycode"]?.string ?? json["country"]?.string ?? ""
        phoneNumber = json["phonenumber"]?.string ?? ""
        taxID = json["tax_id"]?.string ?? ""
        groupID = json["groupid"]?.int ?? 0
        status = json["status"]?.string ?? ""
        notes = json["notes"]?.string ?? ""
        var fields: [Int: String] = [:]
        for field in json["customfields"]?.elements ?? [] {
            if let id = field["id"]?.int { fields[id] = field["value"]?.string ?? "" }
        }
        customFields = fields
    }
}

/// Fields to change with UpdateClient; nil leaves a field as it is. The group cannot be changed here:
/// a tenant's customers stay in the tenant's group.
package struct WHMCSClientUpdate: Sendable, Equatable {
    package var firstName: String?
    package var lastName: String?
    package var companyName: String?
    package var email: String?
    package var address1: String?
    package var city: String?
    package var state: String?
    package var postcode: String?
    package var country: String?
    package var phoneNumber: String?
    package var taxID: String?
    package var status: String?

    package init() {}

    var fields: [(String, PHPFormValue)] {
        let pairs: [(String, String?)] = [
            ("firstname", firstName), ("lastname", lastName), ("companyname", companyName), ("email", email),
            ("address1", address1), ("city", city), ("state", state), ("postcode", postcode), ("country", country),
            ("phonenumber", phoneNumber), ("tax_id", taxID), ("status", status),
        ]
        return pairs.compactMap { name, value in value.map { (name, .scalar($0)) } }
    }
}

/// A row of GetClientGroups.
package struct WHMCSClientGroup: Sendable, Equatable {
    package var id: Int
    package var name: String
    package var colour: String
    package var discountPercent: String

    init(_ json: LenientJSON) {
        id = json["id"]?.int ?? 0
        name = json["groupname"]?.string ?? ""
        colour = json["groupcolour"]?.string ?? ""
        discountPercent = json["discountpercent"]?.string ?? "0"
    }
}

/// The billing cycles WHMCS knows, by their API names.
package enum WHMCSBillingCycle: String, Sendable, CaseIterable {
    case monthly, quarterly, semiannually, annually, biennially, triennially
    case oneTime = "onetime"
    case free = "free"

    /// The cycles WHMCS keeps a price column for, in its order.
    package static let recurring: [WHMCSBillingCycle] = [
        .monthly, .quarterly, .semiannually, .annually, .biennially, .triennially,
    ]

    /// The cycle as WHMCS stores and shows it on a service (`Semi-Annually`, `One-Time`).
    package var displayName: String {
        switch self {
        case .monthly: "Monthly"
        case .quarterly: "Quarterly"
        case .semiannually: "Semi-Annually"
        case .annually: "Annually"
        case .biennially: "Biennially"
        case .triennially: "Triennially"
        case .oneTime: "One-Time"
        case .free: "Free Account"
        }
    }

    /// The pricing key of this cycle's setup fee (`msetupfee` for monthly, …); nil for one-time and free.
    package var setupFeeKey: String? {
        switch self {
        case .monthly: "msetupfee"
        case .quarterly: "qsetupfee"
        case .semiannually: "ssetupfee"
        case .annually: "asetupfee"
        case .biennially: "bsetupfee"
        case .triennially: "tsetupfee"
        case .oneTime, .free: nil
        }
    }
}

/// One product line of an AddOrder.
package struct WHMCSOrderItem: Sendable, Equatable {
    package var productID: Int
    package var billingCycle: WHMCSBillingCycle
    package var domain: String?
    package var configOptions: [Int: String] = [:]
    package var customFields: [Int: String] = [:]
    /// `priceoverride`: the recurring price the customer was quoted, whatever WHMCS's product says.
    package var priceOverrideMinor: Int64?

    package init(productID: Int, billingCycle: WHMCSBillingCycle, domain: String? = nil) {
        self.productID = productID
        self.billingCycle = billingCycle
        self.domain = domain
    }
}

/// What AddOrder answers.
package struct WHMCSPlacedOrder: Sendable, Equatable {
    package var orderID: Int
    package var serviceIDs: [Int]
    package var domainIDs: [Int] = []
    package var invoiceID: Int?

    init(orderID: Int, serviceIDs: [Int], invoiceID: Int?) {
        self.orderID = orderID
        self.serviceIDs = serviceIDs
        self.invoiceID = invoiceID
    }

    init(_ json: LenientJSON) throws {
        orderID = try WHMCSClient.int(json, "orderid", action: "AddOrder")
        serviceIDs = Self.idList(json["serviceids"])
        domainIDs = Self.idList(json["domainids"])
        let invoice = json["invoiceid"]?.int ?? 0
        invoiceID = invoice > 0 ? invoice : nil
    }

    /// `"1,2"` → [1, 2]; empty → [].
    static func idList(_ json: LenientJSON?) -> [Int] {
        (json?.string ?? "").split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}

/// A row of GetOrders.
package struct WHMCSOrder: Sendable, Equatable {
    package struct LineItem: Sendable, Equatable {
        package var type: String
        package var relatedID: Int
        package var product: String
        package var domain: String
        package var billingCycle: String
        package var amountMinor: Int64
        package var status: String
    }

    package var id: Int
    package var orderNumber: String
    package var clientID: Int
    package var date: String
    package var amountMinor: Int64
    package var status: String
    package var paymentStatus: String
    package var invoiceID: Int?
    package var lineItems: [LineItem]

    init(_ json: LenientJSON, currency: Currency) {
        id = json["id"]?.int ?? 0
        orderNumber = json["ordernum"]?.string ?? ""
        clientID = json["userid"]?.int ?? 0
        date = json["date"]?.string ?? ""
        amountMinor = json["amount"]?.minorUnits(in: currency) ?? 0
        status = json["status"]?.string ?? ""
        paymentStatus = json["paymentstatus"]?.string ?? ""
        let invoice = json["invoiceid"]?.int ?? 0
        invoiceID = invoice > 0 ? invoice : nil
        lineItems = (json["lineitems"]?["lineitem"]?.elements ?? []).map { item in
            LineItem(
                type: item["type"]?.string ?? "", relatedID: item["relid"]?.int ?? 0,
                product: item["product"]?.string ?? "", domain: item["domain"]?.string ?? "",
                billingCycle: item["billingcycle"]?.string ?? "",
                amountMinor: item["amount"]?.minorUnits(in: currency) ?? 0,
                status: item["status"]?.string ?? ""
            )
        }
    }
}

/// A row of GetProducts. `pricing[currency][cycle]` holds minor units; cycles not offered (`-1.00`) are absent.
package struct WHMCSProduct: Sendable, Equatable {
    package var id: Int
    package var groupID: Int
    package var type: String
    package var name: String
    package var slug: String
    package var description: String
    package var module: String
    package var payType: String
    package var pricing: [String: [String: Int64]]

    init(_ json: LenientJSON, currency: Currency) {
        id = json["pid"]?.int ?? 0
        groupID = json["gid"]?.int ?? 0
        type = json["type"]?.string ?? ""
        name = json["name"]?.string ?? ""
        slug = json["slug"]?.string ?? ""
        description = json["description"]?.string ?? ""
        module = json["module"]?.string ?? ""
        payType = json["paytype"]?.string ?? ""
        var pricing: [String: [String: Int64]] = [:]
        if case .object(let currencies) = json["pricing"] ?? .null {
            for (code, cycles) in currencies {
                // Keyed by currency code (or, in older installations, id).
                let priced = Currency.isWellFormed(code) ? Currency(code) : currency
                var prices: [String: Int64] = [:]
                for cycle in WHMCSBillingCycle.allCases {
                    if let minor = cycles[cycle.rawValue]?.minorUnits(in: priced), minor >= 0 {
                        prices[cycle.rawValue] = minor
                    }
                }
                pricing[code] = prices
            }
        }
        self.pricing = pricing
    }
}

/// A product for AddProduct. Prices are per currency id and cycle, in minor units.
package struct WHMCSNewProduct: Sendable, Equatable {
    package var name: String
    package var groupID: Int
    /// The portal's slug; a product is recognised by it within its group after a lost answer.
    package var slug = ""
    package var type = "hostingaccount"
    package var payType = "recurring"
    package var description = ""
    package var module = ""
    /// `configoption1`…`configoption6` of the provisioning module, in order; AddProduct reads no more.
    package var configOptions: [String] = []
    package static let maximumConfigOptions = 6
    /// `''`, `on`, `payment` or `order`.
    package var autoSetup = ""
    package var hidden = false
    /// By WHMCS currency id: each cycle's price.
    package var pricing: [Int: [WHMCSBillingCycle: Int64]] = [:]
    /// By WHMCS currency id: each cycle's setup fee (sent as msetupfee, qsetupfee, … next to the prices).
    package var setupFees: [Int: [WHMCSBillingCycle: Int64]] = [:]

    package init(name: String, groupID: Int) {
        self.name = name
        self.groupID = groupID
    }

    /// Eight hex digits that change whenever anything AddProduct would be sent changes, apart from the slug. WHMCS's
    /// API cannot change or delete a product (it has no UpdateProduct or DeleteProduct action), so each form of a
    /// catalogue product is its own WHMCS product, told apart by this.
    package var fingerprint: String {
        var unslugged = self
        unslugged.slug = ""
        let encoded = PHPQuery.encode(WHMCSClient.productFields(unslugged, money: .gbp))
        return SHA256.hash(data: Data(encoded.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
    }
}

/// A row of GetClientsProducts: one service.
package struct WHMCSService: Sendable, Equatable {
    package var id: Int
    package var clientID: Int
    package var orderID: Int
    package var productID: Int
    package var name: String
    package var domain: String
    package var status: String
    package var billingCycle: String
    package var recurringAmountMinor: Int64
    package var nextDueDate: String
    package var username: String
    package var suspensionReason: String

    init(_ json: LenientJSON, currency: Currency) {
        id = json["id"]?.int ?? 0
        clientID = json["clientid"]?.int ?? 0
        orderID = json["orderid"]?.int ?? 0
        productID = json["pid"]?.int ?? 0
        name = json["name"]?.string ?? ""
        domain = json["domain"]?.string ?? ""
        status = json["status"]?.string ?? ""
        billingCycle = json["billingcycle"]?.string ?? ""
        recurringAmountMinor = json["recurringamount"]?.minorUnits(in: currency) ?? 0
        nextDueDate = json["nextduedate"]?.string ?? ""
        username = json["username"]?.string ?? ""
        suspensionReason = json["suspensionreason"]?.string ?? ""
    }
}

/// A row of GetInvoices.
package struct WHMCSInvoiceSummary: Sendable, Equatable {
    package var id: Int
    package var clientID: Int
    package var number: String
    package var date: String
    package var dueDate: String
    package var totalMinor: Int64
    package var status: String
    package var currencyCode: String

    init(_ json: LenientJSON, currency: Currency) {
        id = json["id"]?.int ?? 0
        clientID = json["userid"]?.int ?? 0
        number = json["invoicenum"]?.string ?? ""
        date = json["date"]?.string ?? ""
        dueDate = json["duedate"]?.string ?? ""
        currencyCode = json["currencycode"]?.string ?? ""
        totalMinor = json["total"]?.minorUnits(in: currencyCode.isEmpty ? currency : Currency(currencyCode)) ?? 0
        status = json["status"]?.string ?? ""
    }
}

/// GetInvoice: one invoice with its lines and payments.
package struct WHMCSInvoice: Sendable, Equatable {
    package struct Item: Sendable, Equatable {
        package var id: Int
        package var type: String
        package var relatedID: Int
        package var description: String
        package var amountMinor: Int64
    }

    package struct Transaction: Sendable, Equatable {
        package var transactionID: String
        package var gateway: String
        package var amountMinor: Int64
        package var date: String
    }

    package var id: Int
    package var clientID: Int
    package var date: String
    package var dueDate: String
    /// Nil while unpaid (WHMCS sends `0000-00-00 00:00:00`).
    package var datePaid: String?
    package var subtotalMinor: Int64
    /// Credit applied from the client's balance.
    package var creditMinor: Int64
    /// The first tax level (`tax` at `taxrate` %) and the second (`tax2` at `taxrate2` %), as WHMCS computed them.
    package var taxMinor: Int64
    package var tax2Minor: Int64
    /// Percentages as WHMCS writes them, e.g. `"20.00"`; empty or zero when that level does not apply.
    package var taxRate: String
    package var taxRate2: String
    package var totalMinor: Int64
    package var balanceMinor: Int64
    package var status: String
    package var items: [Item]
    package var transactions: [Transaction]
    package var notes: String

    init(_ json: LenientJSON, currency: Currency) {
        notes = json["notes"]?.string ?? ""
        id = json["invoiceid"]?.int ?? 0
        clientID = json["userid"]?.int ?? 0
        date = json["date"]?.string ?? ""
        dueDate = json["duedate"]?.string ?? ""
        let paid = json["datepaid"]?.string ?? ""
        datePaid = paid.isEmpty || paid.hasPrefix("0000") ? nil : paid
        subtotalMinor = json["subtotal"]?.minorUnits(in: currency) ?? 0
        creditMinor = json["credit"]?.minorUnits(in: currency) ?? 0
        taxMinor = json["tax"]?.minorUnits(in: currency) ?? 0
        tax2Minor = json["tax2"]?.minorUnits(in: currency) ?? 0
        taxRate = json["taxrate"]?.string ?? ""
        taxRate2 = json["taxrate2"]?.string ?? ""
        totalMinor = json["total"]?.minorUnits(in: currency) ?? 0
        balanceMinor = json["balance"]?.minorUnits(in: currency) ?? 0
        status = json["status"]?.string ?? ""
        items = (json["items"]?["item"]?.elements ?? []).map { item in
            Item(
                id: item["id"]?.int ?? 0, type: item["type"]?.string ?? "", relatedID: item["relid"]?.int ?? 0,
                description: item["description"]?.string ?? "",
                amountMinor: item["amount"]?.minorUnits(in: currency) ?? 0
            )
        }
        transactions = (json["transactions"]?["transaction"]?.elements ?? []).map { row in
            Transaction(
                transactionID: row["transid"]?.string ?? "", gateway: row["gateway"]?.string ?? "",
                amountMinor: row["amountin"]?.minorUnits(in: currency) ?? row["amount"]?.minorUnits(in: currency) ?? 0,
                date: row["date"]?.string ?? ""
            )
        }
    }
}

/// A payment for AddInvoicePayment. `transactionID` makes it recognisable, so a lost answer can be checked.
package struct WHMCSPayment: Sendable, Equatable {
    package var invoiceID: Int
    package var transactionID: String
    package var gateway: String
    /// `YYYY-MM-DD HH:mm:ss`.
    package var date: String
    /// Nil pays the whole balance.
    package var amountMinor: Int64?

    package init(invoiceID: Int, transactionID: String, gateway: String, date: String, amountMinor: Int64? = nil) {
        self.invoiceID = invoiceID
        self.transactionID = transactionID
        self.gateway = gateway
        self.date = date
        self.amountMinor = amountMinor
    }
}

/// A ticket for OpenTicket, always on behalf of a known client.
package struct WHMCSNewTicket: Sendable, Equatable {
    package enum Priority: String, Sendable { case low = "Low", medium = "Medium", high = "High" }

    package var departmentID: Int
    package var clientID: Int
    package var subject: String
    package var message: String
    package var priority: Priority = .medium
    package var serviceID: Int?

    package init(departmentID: Int, clientID: Int, subject: String, message: String) {
        self.departmentID = departmentID
        self.clientID = clientID
        self.subject = subject
        self.message = message
    }
}

/// What OpenTicket answers: the database id, the public number and the access code.
package struct WHMCSOpenedTicket: Sendable, Equatable {
    package var id: Int
    package var number: String
    package var accessCode: String

    package init(id: Int, number: String, accessCode: String) {
        self.id = id
        self.number = number
        self.accessCode = accessCode
    }
}

/// A row of GetTickets.
package struct WHMCSTicket: Sendable, Equatable {
    package var id: Int
    package var number: String
    package var departmentID: Int
    package var clientID: Int
    package var subject: String
    package var status: String
    package var priority: String
    package var date: String
    package var lastReply: String

    init(_ json: LenientJSON) {
        id = json["id"]?.int ?? 0
        number = json["tid"]?.string ?? ""
        departmentID = json["deptid"]?.int ?? 0
        clientID = json["userid"]?.int ?? 0
        subject = json["subject"]?.string ?? ""
        status = json["status"]?.string ?? ""
        priority = json["priority"]?.string ?? ""
        date = json["date"]?.string ?? ""
        lastReply = json["lastreply"]?.string ?? ""
    }
}

/// CreateSsoToken: a single-use link valid for about a minute.
package struct WHMCSSingleSignOn: Sendable, Equatable {
    package var accessToken: String
    package var redirectURL: String

    package init(accessToken: String, redirectURL: String) {
        self.accessToken = accessToken
        self.redirectURL = redirectURL
    }
}

/// A domain to register (or transfer) in an AddOrder.
package struct WHMCSDomainOrder: Sendable, Equatable {
    package enum Kind: String, Sendable { case register, transfer }

    package var domain: String
    package var kind: Kind
    package var years: Int
    /// `domainpriceoverride`: the registration or transfer price the customer was quoted.
    package var priceOverrideMinor: Int64?

    package init(domain: String, kind: Kind = .register, years: Int = 1) {
        self.domain = domain
        self.kind = kind
        self.years = years
    }
}

/// A row of GetClientsDomains.
package struct WHMCSDomain: Sendable, Equatable {
    package var id: Int
    package var clientID: Int
    package var name: String
    package var status: String
    package var registrationDate: String
    package var expiryDate: String
    package var nextDueDate: String
    package var recurringAmountMinor: Int64

    init(_ json: LenientJSON, currency: Currency) {
        id = json["id"]?.int ?? 0
        clientID = json["userid"]?.int ?? 0
        name = json["domainname"]?.string ?? ""
        status = json["status"]?.string ?? ""
        registrationDate = json["regdate"]?.string ?? ""
        expiryDate = json["expirydate"]?.string ?? ""
        nextDueDate = json["nextduedate"]?.string ?? ""
        recurringAmountMinor = json["recurringamount"]?.minorUnits(in: currency) ?? 0
    }
}
