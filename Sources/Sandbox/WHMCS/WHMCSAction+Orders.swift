import Foundation
import GRDB

extension WHMCSAction {
    /// The price of a product for a cycle in the client's currency; nil when the cycle is not offered.
    func price(product: Row, cycle: String, currency: Int) -> Int? {
        let pricing =
            (try? JSONDecoder().decode([String: [String: Int]].self, from: Data((product["pricing"] as String).utf8)))
            ?? [:]
        guard let amount = pricing[String(currency)]?[cycle], amount >= 0 else { return nil }
        return amount
    }

    func addOrder() throws -> JSONValue {
        guard let clientID = params.int("clientid"), let client = try clientRow(id: clientID) else {
            throw WHMCSFailure("Client ID Not Found")
        }
        guard (client["status"] as String) != "Closed" else {
            throw WHMCSFailure("Unable to add order when client status is Closed")
        }
        guard let gateway = params.nonEmpty("paymentmethod"), Self.gateways.contains(gateway) else {
            throw WHMCSFailure("Invalid Payment Method. Valid options include \(Self.gateways.joined(separator: ","))")
        }
        for key in ["billingcycle", "domain", "configoptions", "customfields", "priceoverride"] {
            if case .scalar = params.value(key), case .list = params.value("pid") {
                throw WHMCSFailure("Expecting parameter '\(key)' to be an array")
            }
        }
        let productIDs = (params.list("pid") ?? []).compactMap { Int($0) }
        let cycles = params.list("billingcycle") ?? []
        let domains = params.list("domain") ?? []
        let domainTypes = params.list("domaintype") ?? []
        let periods = params.list("regperiod") ?? []
        var registrations: [(type: String, domain: String, years: Int)] = []
        for (index, type) in domainTypes.enumerated() where !type.isEmpty {
            guard ["register", "transfer"].contains(type.lowercased()) else {
                throw WHMCSFailure("Invalid domain type: \(type)")
            }
            guard index < domains.count, !domains[index].isEmpty else {
                throw WHMCSFailure("A domain name is required for domain orders")
            }
            let years = index < periods.count ? Int(periods[index]) ?? 1 : 1
            guard (1...10).contains(years) else { throw WHMCSFailure("Invalid registration period: \(years)") }
            registrations.append(
                (type.lowercased() == "register" ? "Register" : "Transfer", domains[index].lowercased(), years))
        }
        guard !productIDs.isEmpty || !registrations.isEmpty else {
            throw WHMCSFailure("No items added to cart so order cannot proceed")
        }
        let options = params.list("configoptions") ?? []
        let overrides = params.list("priceoverride") ?? []
        let domainOverrides = params.list("domainpriceoverride") ?? []
        let currency: Int = client["currency"] ?? 1
        var lines: [(product: Row, cycle: String, amount: Int, first: Int, domain: String, options: [String: String])] =
            []
        for (index, productID) in productIDs.enumerated() {
            guard
                let product = try Row.fetchOne(
                    db, sql: "SELECT * FROM whmcs_products WHERE id = ?", arguments: [productID])
            else {
                throw WHMCSFailure("Invalid Product ID: \(productID)")
            }
            let requested = index < cycles.count ? cycles[index].lowercased() : ""
            let payType: String = product["paytype"]
            let cycle: String
            let amount: Int
            if payType == "free" {
                (cycle, amount) = ("Free Account", 0)
            } else if payType == "onetime" {
                (cycle, amount) = ("One Time", price(product: product, cycle: "monthly", currency: currency) ?? 0)
            } else if requested.isEmpty {
                guard
                    let first = Self.cycles.first(where: {
                        price(product: product, cycle: $0, currency: currency) != nil
                    })
                else {
                    throw WHMCSFailure("No pricing is configured for product ID \(productID)")
                }
                (cycle, amount) = (first, price(product: product, cycle: first, currency: currency) ?? 0)
            } else {
                guard let offered = price(product: product, cycle: requested, currency: currency) else {
                    throw WHMCSFailure("Invalid Billing Cycle Requested")
                }
                (cycle, amount) = (requested, offered)
            }
            let encoded = index < options.count ? options[index] : ""
            var recurring = amount
            if index < overrides.count, !overrides[index].isEmpty {
                guard let override = Self.minor(overrides[index]) else {
                    throw WHMCSFailure("Invalid price override: \(overrides[index])")
                }
                recurring = override
            }
            let setupKey = [
                "monthly": "msetupfee", "quarterly": "qsetupfee", "semiannually": "ssetupfee", "annually": "asetupfee",
                "biennially": "bsetupfee", "triennially": "tsetupfee",
            ][cycle]
            let setup = setupKey.flatMap { price(product: product, cycle: $0, currency: currency) } ?? 0
            lines.append(
                (
                    product, cycle, recurring, recurring + setup, index < domains.count ? domains[index] : "",
                    try customFields("configoptions", from: encoded.isEmpty ? nil : encoded)
                ))
        }
        var domainAmounts: [Int] = []
        for (offset, registration) in registrations.enumerated() {
            // Per-domain arrays share the indexes of domain[]; the registrations follow the product lines.
            let index = (domainTypes.enumerated().filter { !$0.element.isEmpty }.map(\.offset))[offset]
            if index < domainOverrides.count, !domainOverrides[index].isEmpty {
                guard let override = Self.minor(domainOverrides[index]) else {
                    throw WHMCSFailure("Invalid domain price override: \(domainOverrides[index])")
                }
                domainAmounts.append(override)
            } else {
                domainAmounts.append(Self.domainPrice * registration.years)
            }
        }
        let total = lines.reduce(0) { $0 + $1.first } + domainAmounts.reduce(0, +)
        let nameservers = (1...5).compactMap { params.nonEmpty("nameserver\($0)") }
        try db.execute(
            sql: """
                INSERT INTO whmcs_orders (ordernum, userid, date, nameservers, promocode, amount, paymentmethod, ipaddress)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                Self.randomToken(10, alphabet: "0123456789"), clientID, timestamp, nameservers.joined(separator: ","),
                params.string("promocode") ?? "", total, gateway, params.string("clientip") ?? "",
            ]
        )
        let orderID = Int(db.lastInsertedRowID)
        var serviceIDs: [Int] = []
        for line in lines {
            try db.execute(
                sql: """
                    INSERT INTO whmcs_services (userid, orderid, packageid, regdate, domain, paymentmethod, firstpaymentamount,
                        amount, billingcycle, nextduedate, ns1, ns2, configoptions)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    clientID, orderID, line.product["id"] as Int, today, line.domain, gateway, line.first, line.amount,
                    Self.displayCycle(line.cycle), today, nameservers.first ?? "", nameservers.dropFirst().first ?? "",
                    Self.encodeJSON(line.options),
                ]
            )
            serviceIDs.append(Int(db.lastInsertedRowID))
        }
        var domainIDs: [Int] = []
        for (registration, amount) in zip(registrations, domainAmounts) {
            try db.execute(
                sql: """
                    INSERT INTO whmcs_domains (userid, orderid, type, domain, registrationperiod, firstpaymentamount, recurringamount,
                        paymentmethod, nextduedate)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    clientID, orderID, registration.type, registration.domain, registration.years,
                    amount, amount, gateway, today,
                ]
            )
            domainIDs.append(Int(db.lastInsertedRowID))
        }
        var invoiceID = 0
        if !params.flag("noinvoice") {
            let due = Self.format(now.addingTimeInterval(7 * 86_400), "yyyy-MM-dd")
            try db.execute(
                sql:
                    "INSERT INTO whmcs_invoices (userid, date, duedate, subtotal, total, paymentmethod, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [clientID, today, due, total, total, gateway, total == 0 ? "Paid" : "Unpaid"]
            )
            invoiceID = Int(db.lastInsertedRowID)
            for (line, serviceID) in zip(lines, serviceIDs) {
                let name: String = line.product["name"]
                let description = line.domain.isEmpty ? name : "\(name) - \(line.domain)"
                try db.execute(
                    sql:
                        "INSERT INTO whmcs_invoice_items (invoiceid, type, relid, description, amount) VALUES (?, 'Hosting', ?, ?, ?)",
                    arguments: [invoiceID, serviceID, "\(description) (\(today))", line.first]
                )
            }
            // A promotion the order qualifies for becomes a negative line after the service it discounts.
            if let code = params.nonEmpty("promocode") {
                var used = false
                for (line, serviceID) in zip(lines, serviceIDs) {
                    guard
                        let promotion = try promotionDiscount(
                            code: code, productID: line.product["id"], cycle: line.cycle, price: line.amount,
                            setup: line.first - line.amount), promotion.amount > 0
                    else { continue }
                    try db.execute(
                        sql:
                            "INSERT INTO whmcs_invoice_items (invoiceid, type, relid, description, amount) VALUES (?, 'PromoHosting', ?, ?, ?)",
                        arguments: [invoiceID, serviceID, promotion.label, -promotion.amount])
                    try db.execute(
                        sql: "UPDATE whmcs_services SET promoid = ? WHERE id = ?", arguments: [promotion.id, serviceID])
                    used = true
                }
                if used {
                    try db.execute(sql: "UPDATE whmcs_promotions SET uses = uses + 1 WHERE code = ?", arguments: [code])
                }
            }
            for ((registration, domainID), amount) in zip(zip(registrations, domainIDs), domainAmounts) {
                try db.execute(
                    sql:
                        "INSERT INTO whmcs_invoice_items (invoiceid, type, relid, description, amount) VALUES (?, 'Domain\(registration.type)', ?, ?, ?)",
                    arguments: [
                        invoiceID, domainID,
                        "Domain \(registration.type) - \(registration.domain) - \(registration.years) Year/s",
                        amount,
                    ]
                )
            }
            try db.execute(sql: "UPDATE whmcs_orders SET invoiceid = ? WHERE id = ?", arguments: [invoiceID, orderID])
            if try taxRule() != nil {
                try db.execute(
                    sql: "UPDATE whmcs_invoice_items SET taxed = 1 WHERE invoiceid = ?", arguments: [invoiceID])
            }
            try settleInvoice(invoiceID)
            if !params.flag("noinvoiceemail") {
                try sendStockEmail(.invoiceCreated, client: clientID, about: "#\(invoiceID)")
            }
        }
        if !params.flag("noemail") { try sendStockEmail(.orderConfirmation, client: clientID, about: "#\(orderID)") }
        return [
            "orderid": Self.id(orderID), "serviceids": .string(serviceIDs.map(String.init).joined(separator: ",")),
            "addonids": "", "domainids": .string(domainIDs.map(String.init).joined(separator: ",")),
            "invoiceid": Self.id(invoiceID),
        ]
    }

    /// The sandbox registrar's price per year, in minor units.
    static let domainPrice = 999

    static func displayCycle(_ cycle: String) -> String {
        switch cycle {
        case "monthly": "Monthly"
        case "quarterly": "Quarterly"
        case "semiannually": "Semi-Annually"
        case "annually": "Annually"
        case "biennially": "Biennially"
        case "triennially": "Triennially"
        default: cycle
        }
    }

    func acceptOrder() throws -> JSONValue {
        guard let orderID = params.int("orderid"),
            let status = try String.fetchOne(
                db, sql: "SELECT status FROM whmcs_orders WHERE id = ?", arguments: [orderID]),
            status == "Pending"
        else { throw WHMCSFailure("Order ID not found or Status not Pending") }
        try db.execute(sql: "UPDATE whmcs_orders SET status = 'Active' WHERE id = ?", arguments: [orderID])
        try applyUpgrades(orderID: orderID)
        for domain in try Row.fetchAll(
            db, sql: "SELECT id, registrationperiod FROM whmcs_domains WHERE orderid = ?", arguments: [orderID])
        {
            let years: Int = domain["registrationperiod"]
            let expiry = Self.format(
                Calendar(identifier: .gregorian).date(byAdding: .year, value: years, to: now) ?? now, "yyyy-MM-dd")
            try db.execute(
                sql:
                    "UPDATE whmcs_domains SET status = 'Active', registrationdate = ?, expirydate = ?, nextduedate = ? WHERE id = ?",
                arguments: [today, expiry, expiry, domain["id"] as Int]
            )
        }
        let services = try Row.fetchAll(
            db, sql: "SELECT id, domain FROM whmcs_services WHERE orderid = ?", arguments: [orderID])
        for service in services {
            let id: Int = service["id"]
            let username = params.nonEmpty("serviceusername") ?? Self.username(for: service["domain"], id: id)
            try db.execute(
                sql: "UPDATE whmcs_services SET domainstatus = ?, username = ? WHERE id = ?",
                arguments: [params.flag("autosetup") ? "Active" : "Pending", username, id]
            )
            if params.flag("sendemail") {
                let client = try Int.fetchOne(
                    db, sql: "SELECT userid FROM whmcs_services WHERE id = ?", arguments: [id])
                try sendStockEmail(.welcome, client: client ?? 0, about: service["domain"] ?? "")
            }
        }
        return [:]
    }

    /// cPanel-style user names: up to 8 letters of the domain and the service id.
    static func username(for domain: String, id: Int) -> String {
        let letters = domain.lowercased().filter { $0.isASCII && $0.isLetter }.prefix(8)
        return (letters.isEmpty ? "user" : String(letters)) + String(id)
    }

    func getOrders() throws -> JSONValue {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let id = params.int("id") { conditions.append("id = ?"); arguments.append(id) }
        if let user = params.int("userid") { conditions.append("userid = ?"); arguments.append(user) }
        if let status = params.nonEmpty("status") { conditions.append("status = ?"); arguments.append(status) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let (start, size) = paging
        let total =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM whmcs_orders \(filter)", arguments: StatementArguments(arguments)) ?? 0
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM whmcs_orders \(filter) ORDER BY id DESC LIMIT \(size) OFFSET \(start)",
            arguments: StatementArguments(arguments)
        )
        let items = try rows.map { row -> JSONValue in
            let orderID: Int = row["id"]
            let invoiceID: Int = row["invoiceid"]
            let invoiceStatus = try String.fetchOne(
                db, sql: "SELECT status FROM whmcs_invoices WHERE id = ?", arguments: [invoiceID])
            let client = try clientRow(id: row["userid"])
            let lines = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.domain, s.billingcycle, s.firstpaymentamount, s.domainstatus, p.name, p.type
                    FROM whmcs_services s JOIN whmcs_products p ON p.id = s.packageid WHERE s.orderid = ? ORDER BY s.id
                    """,
                arguments: [orderID]
            )
            let domainLines = try Row.fetchAll(
                db, sql: "SELECT * FROM whmcs_domains WHERE orderid = ? ORDER BY id", arguments: [orderID])
            var lineItems: [JSONValue] = lines.map { line in
                [
                    "type": "product", "relid": Self.id(line["id"]), "producttype": .string(line["type"]),
                    "product": .string(line["name"]), "domain": .string(line["domain"]),
                    "billingcycle": .string(line["billingcycle"]), "amount": Self.money(line["firstpaymentamount"]),
                    "status": .string(line["domainstatus"]),
                ]
            }
            lineItems += try upgradeLines(orderID: orderID)
            lineItems += domainLines.map { line in
                [
                    "type": "domain", "relid": Self.id(line["id"]),
                    "producttype": .string("Domain \(line["type"] as String)"),
                    "product": "", "domain": .string(line["domain"]),
                    "billingcycle": .string("\(line["registrationperiod"] as Int) Year/s"),
                    "amount": Self.money(line["firstpaymentamount"]), "status": .string(line["status"]),
                ]
            }
            let firstName: String = client?["firstname"] ?? ""
            let lastName: String = client?["lastname"] ?? ""
            return [
                "id": Self.id(orderID), "ordernum": .string(row["ordernum"]), "userid": Self.id(row["userid"]),
                "contactid": "0", "requestor_id": Self.id(row["userid"]), "admin_requestor_id": "0",
                "date": .string(row["date"]), "nameservers": .string(row["nameservers"]), "transfersecret": "",
                "renewals": "",
                "renewalsByType": ["domains": .array([]), "services": .array([]), "addons": .array([])],
                "promocode": .string(row["promocode"]), "promotype": "", "promovalue": "",
                "orderdata": "[]", "amount": Self.money(row["amount"]), "paymentmethod": .string(row["paymentmethod"]),
                "invoiceid": Self.id(invoiceID), "status": .string(row["status"]),
                "ipaddress": .string(row["ipaddress"]),
                "fraudmodule": "", "fraudoutput": "", "notes": "",
                "paymentmethodname": .string(Self.gatewayName(row["paymentmethod"])),
                "paymentstatus": .string(invoiceStatus ?? ""), "name": .string("\(firstName) \(lastName)"),
                "currencyprefix": "£", "currencysuffix": " GBP", "frauddata": "", "validationdata": "",
                "lineitems": ["lineitem": .array(lineItems)],
            ]
        }
        return Self.page("orders", "order", items: items, total: total, start: start)
    }

    static func gatewayName(_ gateway: String) -> String {
        switch gateway {
        case "mailin": "Mail In Payment"
        case "banktransfer": "Bank Transfer"
        case "paypal": "PayPal"
        default: gateway
        }
    }

    func getProducts() throws -> JSONValue {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let ids = params.nonEmpty("pid") {
            let list = ids.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            conditions.append("id IN (\(list.map { _ in "?" }.joined(separator: ",")))")
            arguments += list
            if list.isEmpty { conditions.append("0") }
        }
        if let group = params.int("gid") { conditions.append("gid = ?"); arguments.append(group) }
        if let module = params.nonEmpty("module") { conditions.append("module = ?"); arguments.append(module) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM whmcs_products \(filter) ORDER BY id", arguments: StatementArguments(arguments))
        let products: [JSONValue] = rows.map { row in
            var pricing: [String: JSONValue] = [:]
            for currency in Self.currencies {
                var cycles: [String: JSONValue] = [
                    "prefix": .string(currency.prefix), "suffix": .string(currency.suffix),
                ]
                for fee in Self.setupFeeColumns {
                    cycles[fee] = Self.money(price(product: row, cycle: fee, currency: currency.id) ?? 0)
                }
                for cycle in Self.cycles {
                    cycles[cycle] = price(product: row, cycle: cycle, currency: currency.id).map(Self.money) ?? "-1.00"
                }
                pricing[currency.code] = .object(cycles)
            }
            return [
                "pid": Self.id(row["id"]), "gid": Self.id(row["gid"]), "type": .string(row["type"]),
                "name": .string(row["name"]), "slug": .string(row["slug"]), "description": .string(row["description"]),
                "module": .string(row["module"]), "paytype": .string(row["paytype"]), "allowqty": "0",
                "quantity_available": "0", "product-url": .string("\(baseURL)/store/\(row["slug"] as String)"),
                "pricing": .object(pricing), "customfields": ["customfield": []], "configoptions": ["configoption": []],
            ]
        }
        var body: [String: JSONValue] = ["totalresults": .number(Double(products.count))]
        body["products"] = Self.list("product", products)
        return .object(body)
    }

    func addProduct() throws -> JSONValue {
        let fields = try productFields(requireName: true)
        try db.execute(
            sql: """
                INSERT INTO whmcs_products (gid, type, name, slug, description, module, paytype, pricing, configoptions, autosetup, hidden)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                fields.group, fields.type, fields.name, fields.slug, fields.description, fields.module, fields.payType,
                fields.pricing, fields.configOptions, fields.autoSetup, fields.hidden,
            ]
        )
        return ["pid": Self.id(Int(db.lastInsertedRowID))]
    }

    func getCurrencies() throws -> JSONValue {
        let currencies: [JSONValue] = Self.currencies.map { currency in
            [
                "id": Self.id(currency.id), "code": .string(currency.code), "prefix": .string(currency.prefix),
                "suffix": .string(currency.suffix), "format": "1",
                "rate": .string(Self.rates[currency.code] ?? "1.00000"),
            ]
        }
        var body: [String: JSONValue] = ["totalresults": .number(Double(currencies.count))]
        body["currencies"] = Self.list("currency", currencies)
        return .object(body)
    }

    private struct ProductFields {
        var group: Int
        var type: String
        var name: String
        var slug: String
        var description: String
        var module: String
        var payType: String
        var pricing: String
        var configOptions: String
        var autoSetup: String
        var hidden: Bool
    }

    private func productFields(requireName: Bool, current: Row? = nil) throws -> ProductFields {
        let name = params.nonEmpty("name") ?? current?["name"]
        guard let name, !name.isEmpty else { throw WHMCSFailure("You must supply a name for the product") }
        guard let group = params.int("gid") ?? current?["gid"],
            try Int.fetchOne(db, sql: "SELECT id FROM whmcs_product_groups WHERE id = ?", arguments: [group]) != nil
        else { throw WHMCSFailure("You must supply a valid Product Group ID") }
        let type = params.nonEmpty("type") ?? current?["type"] ?? "other"
        let types = ["hostingaccount", "reselleraccount", "server", "other"]
        guard types.contains(type) else {
            throw WHMCSFailure(
                "Invalid product type. Must be one of \"hostingaccount\", \"reselleraccount\", \"server\" or \"other\"")
        }
        let payType = params.nonEmpty("paytype") ?? current?["paytype"] ?? "free"
        let payTypes = ["free", "onetime", "recurring"]
        guard payTypes.contains(payType) else {
            throw WHMCSFailure("Invalid pay type. Must be one of \"free\", \"onetime\" or \"recurring\"")
        }
        let autoSetup = params.string("autosetup") ?? current?["autosetup"] ?? ""
        guard ["", "on", "payment", "order"].contains(autoSetup) else {
            throw WHMCSFailure("Invalid autosetup value. Must be one of \"\", \"on\", \"order\" or \"payment\"")
        }
        var pricing: [String: [String: Int]] = [:]
        if case .list(let currencies)? = params.value("pricing") {
            for (index, value) in currencies.enumerated() {
                try addPricing(currency: String(index), value, into: &pricing)
            }
        } else if case .map(let currencies)? = params.value("pricing") {
            for entry in currencies { try addPricing(currency: entry.key, entry.value, into: &pricing) }
        }
        let storedPricing: String? = current?["pricing"]
        let encodedPricing =
            params.value("pricing") == nil && storedPricing != nil
            ? storedPricing! : String(decoding: try JSONEncoder().encode(pricing), as: UTF8.self)
        var options: [String] =
            (try? JSONDecoder().decode([String].self, from: Data(((current?["configoptions"] as String?) ?? "[]").utf8)))
            ?? []
        // AddProduct reads configoption1 to configoption6 only.
        for index in 1...6 {
            guard let value = params.string("configoption\(index)") else { continue }
            while options.count < index { options.append("") }
            options[index - 1] = value
        }
        let slug = name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.reduce(into: "") { $0.append($1) }
        return ProductFields(
            group: group, type: type, name: name, slug: params.nonEmpty("slug") ?? current?["slug"] ?? slug,
            description: params.string("description") ?? current?["description"] ?? "",
            module: params.string("module") ?? current?["module"] ?? "", payType: payType, pricing: encodedPricing,
            configOptions: String(decoding: try JSONEncoder().encode(options), as: UTF8.self), autoSetup: autoSetup,
            hidden: params.string("hidden") == nil ? (current?["hidden"] ?? false) : params.flag("hidden")
        )
    }

    private func addPricing(currency: String, _ value: FormValue, into pricing: inout [String: [String: Int]]) throws {
        guard let id = Int(currency), Self.currencies.contains(where: { $0.id == id }) else {
            throw WHMCSFailure("Invalid currency ID: \(currency)")
        }
        guard case .map(let cycles) = value else { return }
        // As WHMCS's pricing row: every column starts at 0.00, so a cycle that is not sent is offered free, and -1
        // marks one not offered. Keys WHMCS has no column for (such as `onetime`) are ignored.
        var row: [String: Int] = [:]
        for column in Self.cycles + Self.setupFeeColumns { row[column] = 0 }
        for entry in cycles where row[entry.key] != nil {
            guard case .scalar(let text) = entry.value, let amount = Self.minor(text) else {
                throw WHMCSFailure("Invalid price for \(entry.key)")
            }
            row[entry.key] = amount
        }
        pricing[currency] = row
    }

    func getClientsProducts() throws -> JSONValue {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let client = params.int("clientid") { conditions.append("s.userid = ?"); arguments.append(client) }
        if let service = params.int("serviceid") { conditions.append("s.id = ?"); arguments.append(service) }
        if let product = params.int("pid") { conditions.append("s.packageid = ?"); arguments.append(product) }
        if let domain = params.nonEmpty("domain") { conditions.append("s.domain = ?"); arguments.append(domain) }
        if let username = params.nonEmpty("username2") {
            conditions.append("s.username = ?"); arguments.append(username)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let (start, size) = paging
        let total =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM whmcs_services s \(filter)", arguments: StatementArguments(arguments))
            ?? 0
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT s.*, p.name AS productname, g.name AS groupname, o.ordernum
                FROM whmcs_services s JOIN whmcs_products p ON p.id = s.packageid
                JOIN whmcs_product_groups g ON g.id = p.gid JOIN whmcs_orders o ON o.id = s.orderid
                \(filter) ORDER BY s.id LIMIT \(size) OFFSET \(start)
                """,
            arguments: StatementArguments(arguments)
        )
        let items: [JSONValue] = rows.map { row in
            [
                "id": Self.id(row["id"]), "qty": "1", "clientid": Self.id(row["userid"]),
                "orderid": Self.id(row["orderid"]),
                "ordernumber": .string(row["ordernum"]), "pid": Self.id(row["packageid"]),
                "regdate": .string(row["regdate"]),
                "name": .string(row["productname"]), "translated_name": .string(row["productname"]),
                "groupname": .string(row["groupname"]), "translated_groupname": .string(row["groupname"]),
                "domain": .string(row["domain"]), "dedicatedip": "", "serverid": "1", "servername": "Sandbox",
                "serverip": "192.0.2.10", "serverhostname": "server.sandbox.invalid",
                "suspensionreason": .string(row["suspendreason"]),
                "firstpaymentamount": Self.money(row["firstpaymentamount"]),
                "recurringamount": Self.money(row["amount"]),
                "paymentmethod": .string(row["paymentmethod"]),
                "paymentmethodname": .string(Self.gatewayName(row["paymentmethod"])),
                "billingcycle": .string(row["billingcycle"]), "nextduedate": .string(row["nextduedate"]),
                "status": .string(row["domainstatus"]), "username": .string(row["username"]), "password": "",
                "subscriptionid": "", "promoid": "0", "overideautosuspend": "0", "overidesuspenduntil": "0000-00-00",
                "ns1": .string(row["ns1"]), "ns2": .string(row["ns2"]), "assignedips": "", "notes": "",
                "diskusage": "0", "disklimit": "0", "bwusage": "0", "bwlimit": "0", "lastupdate": "0000-00-00 00:00:00",
                "customfields": ["customfield": []], "configoptions": ["configoption": []],
            ]
        }
        var body = Self.page("products", "product", items: items, total: total, start: start, empty: .emptyString)
        if case .object(var fields) = body {
            fields["clientid"] = params.string("clientid").map(JSONValue.string) ?? ""
            fields["serviceid"] = params.string("serviceid").map(JSONValue.string) ?? ""
            fields["pid"] = params.string("pid").map(JSONValue.string) ?? ""
            fields["domain"] = params.string("domain").map(JSONValue.string) ?? ""
            body = .object(fields)
        }
        return body
    }

    enum ModuleCommand { case create, suspend, unsuspend, terminate }

    func module(_ command: ModuleCommand) throws -> JSONValue {
        guard let serviceID = params.int("serviceid") ?? params.int("accountid") else {
            throw WHMCSFailure("Service ID is required")
        }
        guard
            let service = try Row.fetchOne(
                db,
                sql:
                    "SELECT s.domainstatus, p.module FROM whmcs_services s JOIN whmcs_products p ON p.id = s.packageid WHERE s.id = ?",
                arguments: [serviceID]
            )
        else { throw WHMCSFailure("Service ID not found") }
        guard !(service["module"] as String).isEmpty else { throw WHMCSFailure("Service not assigned to a module") }
        let status: String = service["domainstatus"]
        switch command {
        case .create:
            guard status != "Active" else { throw WHMCSFailure("An account already exists for this service") }
            try db.execute(
                sql: "UPDATE whmcs_services SET domainstatus = 'Active' WHERE id = ?", arguments: [serviceID])
        case .suspend:
            guard status == "Active" || status == "Suspended" else { throw WHMCSFailure("Service is not active") }
            try db.execute(
                sql: "UPDATE whmcs_services SET domainstatus = 'Suspended', suspendreason = ? WHERE id = ?",
                arguments: [params.string("suspendreason") ?? "", serviceID]
            )
        case .unsuspend:
            guard status == "Suspended" || status == "Active" else { throw WHMCSFailure("Service is not suspended") }
            try db.execute(
                sql: "UPDATE whmcs_services SET domainstatus = 'Active', suspendreason = '' WHERE id = ?",
                arguments: [serviceID])
        case .terminate:
            guard status != "Terminated" else { throw WHMCSFailure("Service is already terminated") }
            try db.execute(
                sql: "UPDATE whmcs_services SET domainstatus = 'Terminated' WHERE id = ?", arguments: [serviceID])
        }
        return [:]
    }
}

extension WHMCSAction {
    func getClientsDomains() throws -> JSONValue {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let client = params.int("clientid") { conditions.append("userid = ?"); arguments.append(client) }
        if let id = params.int("domainid") { conditions.append("id = ?"); arguments.append(id) }
        if let domain = params.nonEmpty("domain") {
            conditions.append("domain = ?"); arguments.append(domain.lowercased())
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let (start, size) = paging
        let total =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM whmcs_domains \(filter)", arguments: StatementArguments(arguments)) ?? 0
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM whmcs_domains \(filter) ORDER BY id LIMIT \(size) OFFSET \(start)",
            arguments: StatementArguments(arguments)
        )
        let items: [JSONValue] = rows.map { row in
            [
                "id": Self.id(row["id"]), "userid": Self.id(row["userid"]), "orderid": Self.id(row["orderid"]),
                "regtype": .string(row["type"]), "domainname": .string(row["domain"]),
                "registrar": .string(row["registrar"]),
                "regperiod": Self.id(row["registrationperiod"]),
                "firstpaymentamount": Self.money(row["firstpaymentamount"]),
                "recurringamount": Self.money(row["recurringamount"]), "paymentmethod": .string(row["paymentmethod"]),
                "paymentmethodname": .string(Self.gatewayName(row["paymentmethod"])),
                "regdate": .string(row["registrationdate"]),
                "expirydate": .string(row["expirydate"]), "nextduedate": .string(row["nextduedate"]),
                "status": .string(row["status"]),
                "subscriptionid": "", "promoid": "0", "dnsmanagement": "0", "emailforwarding": "0", "idprotection": "0",
                "donotrenew": "0", "notes": "",
            ]
        }
        var body = Self.page("domains", "domain", items: items, total: total, start: start, empty: .emptyString)
        if case .object(var fields) = body {
            fields["clientid"] = params.string("clientid").map(JSONValue.string) ?? ""
            body = .object(fields)
        }
        return body
    }
}
