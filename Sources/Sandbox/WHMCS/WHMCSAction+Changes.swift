import Foundation
import GRDB

/// Cancellation requests and product upgrades (AddCancelRequest, UpgradeProduct).
extension WHMCSAction {
    static let changesSQL = """
        CREATE TABLE whmcs_cancel_requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            relid INTEGER NOT NULL UNIQUE REFERENCES whmcs_services(id),
            type TEXT NOT NULL,
            reason TEXT NOT NULL,
            date TEXT NOT NULL
        );
        CREATE TABLE whmcs_upgrades (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            orderid INTEGER NOT NULL REFERENCES whmcs_orders(id),
            relid INTEGER NOT NULL REFERENCES whmcs_services(id),
            newproductid INTEGER NOT NULL,
            newcycle TEXT NOT NULL,
            amount INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'Pending'
        );
        """

    /// AddCancelRequest: one request per service; "Immediate" cancels at once in the sandbox (WHMCS does it on its
    /// next automation run), "End of Billing Period" leaves the service active until its due date.
    func addCancelRequest() throws -> JSONValue {
        guard let serviceID = params.int("serviceid"),
            let service = try Row.fetchOne(db, sql: "SELECT * FROM whmcs_services WHERE id = ?", arguments: [serviceID])
        else { throw WHMCSFailure("Service ID Not Found") }
        let type = params.nonEmpty("type") ?? "End of Billing Period"
        guard ["Immediate", "End of Billing Period"].contains(type) else {
            throw WHMCSFailure("Invalid Cancellation Type. Must be one of \"Immediate\", \"End of Billing Period\"")
        }
        guard
            try Int.fetchOne(db, sql: "SELECT 1 FROM whmcs_cancel_requests WHERE relid = ?", arguments: [serviceID])
                == nil
        else {
            throw WHMCSFailure("Existing Cancellation Request Exists")
        }
        try db.execute(
            sql: "INSERT INTO whmcs_cancel_requests (relid, type, reason, date) VALUES (?, ?, ?, ?)",
            arguments: [serviceID, type, params.string("reason") ?? "", timestamp]
        )
        if type == "Immediate" {
            try db.execute(
                sql: "UPDATE whmcs_services SET domainstatus = 'Cancelled' WHERE id = ?", arguments: [serviceID])
        }
        return ["serviceid": Self.id(serviceID), "userid": Self.id(service["userid"])]
    }

    /// UpgradeProduct (type=product): with `calconly` the prorated price only; otherwise a pending order and an
    /// invoice for that price, carried out when the order is accepted.
    func upgradeProduct() throws -> JSONValue {
        guard let serviceID = params.int("serviceid"),
            let service = try Row.fetchOne(db, sql: "SELECT * FROM whmcs_services WHERE id = ?", arguments: [serviceID])
        else { throw WHMCSFailure("Service ID Not Found") }
        guard (params.nonEmpty("type") ?? "") == "product" else { throw WHMCSFailure("Invalid Upgrade Type") }
        guard let newProductID = params.int("newproductid"),
            let product = try Row.fetchOne(
                db, sql: "SELECT * FROM whmcs_products WHERE id = ?", arguments: [newProductID])
        else { throw WHMCSFailure("Invalid New Product ID") }
        let cycle = (params.nonEmpty("newproductbillingcycle") ?? "").lowercased()
        let client = try clientRow(id: service["userid"])
        let currency: Int = client?["currency"] ?? 1
        guard Self.cycles.contains(cycle), let newPrice = price(product: product, cycle: cycle, currency: currency)
        else {
            throw WHMCSFailure("Invalid Billing Cycle Requested")
        }
        guard (service["domainstatus"] as String) == "Active" else {
            throw WHMCSFailure("Service must be Active to upgrade")
        }
        let oldProduct = try Row.fetchOne(
            db, sql: "SELECT * FROM whmcs_products WHERE id = ?", arguments: [service["packageid"] as Int])
        // Days left in the current term over its length, charged as the difference in price (never below zero).
        let calendar = Calendar(identifier: .gregorian)
        let due = Self.date(service["nextduedate"]) ?? now
        let months =
            ["monthly": 1, "quarterly": 3, "semiannually": 6, "annually": 12, "biennially": 24, "triennially": 36][
                cycle] ?? 1
        let termStart = calendar.date(byAdding: .month, value: -months, to: due) ?? now
        let totalDays = max(1, calendar.dateComponents([.day], from: termStart, to: due).day ?? 1)
        let daysLeft = max(
            0, min(totalDays, calendar.dateComponents([.day], from: calendar.startOfDay(for: now), to: due).day ?? 0))
        let oldAmount: Int = service["amount"]
        let charge = max(0, (newPrice - oldAmount) * daysLeft / totalDays)
        let quote: [String: JSONValue] = [
            "oldproductid": Self.id(service["packageid"]), "oldproductname": .string(oldProduct?["name"] ?? ""),
            "newproductid": Self.id(newProductID), "newproductname": .string(product["name"]),
            "daysuntilrenewal": .number(Double(daysLeft)), "totaldays": .number(Double(totalDays)),
            "newproductbillingcycle": .string(cycle), "price": Self.formatted(charge, currency: currency),
        ]
        if params.flag("calconly") { return .object(quote) }
        guard let gateway = params.nonEmpty("paymentmethod"), Self.gateways.contains(gateway) else {
            throw WHMCSFailure("Invalid Payment Method. Valid options include \(Self.gateways.joined(separator: ","))")
        }
        let userID: Int = service["userid"]
        try db.execute(
            sql:
                "INSERT INTO whmcs_orders (ordernum, userid, date, nameservers, promocode, amount, paymentmethod, ipaddress) VALUES (?, ?, ?, '', '', ?, ?, '')",
            arguments: [Self.randomToken(10, alphabet: "0123456789"), userID, timestamp, charge, gateway]
        )
        let orderID = Int(db.lastInsertedRowID)
        try db.execute(
            sql: "INSERT INTO whmcs_upgrades (orderid, relid, newproductid, newcycle, amount) VALUES (?, ?, ?, ?, ?)",
            arguments: [orderID, serviceID, newProductID, cycle, newPrice]
        )
        let due7 = Self.format(now.addingTimeInterval(7 * 86_400), "yyyy-MM-dd")
        try db.execute(
            sql:
                "INSERT INTO whmcs_invoices (userid, date, duedate, subtotal, total, paymentmethod, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [userID, today, due7, charge, charge, gateway, charge == 0 ? "Paid" : "Unpaid"]
        )
        let invoiceID = Int(db.lastInsertedRowID)
        try db.execute(
            sql:
                "INSERT INTO whmcs_invoice_items (invoiceid, type, relid, description, amount) VALUES (?, 'Upgrade', ?, ?, ?)",
            arguments: [
                invoiceID, serviceID,
                "Upgrade: \(oldProduct?["name"] as String? ?? "") => \(product["name"] as String)", charge,
            ]
        )
        try db.execute(sql: "UPDATE whmcs_orders SET invoiceid = ? WHERE id = ?", arguments: [invoiceID, orderID])
        try settleInvoice(invoiceID)
        // A stock WHMCS emails both, with no flag to stop it (upgradefunctions.php).
        try sendStockEmail(.orderConfirmation, client: userID, about: "#\(orderID)")
        try sendStockEmail(.invoiceCreated, client: userID, about: "#\(invoiceID)")
        var answer = quote
        answer["orderid"] = Self.id(orderID)
        answer["invoiceid"] = Self.id(invoiceID)
        return .object(answer)
    }

    /// UpdateClientProduct: sets the given fields of a service (`pid`, `billingcycle` in its display form,
    /// `recurringamount`, `nextduedate`, `domain`, `status`); nothing is emailed.
    func updateClientProduct() throws -> JSONValue {
        guard let serviceID = params.int("serviceid"),
            try Int.fetchOne(db, sql: "SELECT id FROM whmcs_services WHERE id = ?", arguments: [serviceID]) != nil
        else { throw WHMCSFailure("Service ID Not Found") }
        if let product = params.int("pid") {
            guard try Int.fetchOne(db, sql: "SELECT id FROM whmcs_products WHERE id = ?", arguments: [product]) != nil
            else { throw WHMCSFailure("Product ID Not Found") }
            try db.execute(
                sql: "UPDATE whmcs_services SET packageid = ? WHERE id = ?", arguments: [product, serviceID])
        }
        if let cycle = params.nonEmpty("billingcycle") {
            let known = Self.cycles.map(Self.displayCycle) + ["One-Time", "Free Account"]
            guard known.contains(cycle) else { throw WHMCSFailure("Invalid Billing Cycle") }
            try db.execute(
                sql: "UPDATE whmcs_services SET billingcycle = ? WHERE id = ?", arguments: [cycle, serviceID])
        }
        if let raw = params.nonEmpty("recurringamount") {
            guard let amount = Self.minor(raw), amount >= 0 else { throw WHMCSFailure("Invalid recurring amount") }
            try db.execute(sql: "UPDATE whmcs_services SET amount = ? WHERE id = ?", arguments: [amount, serviceID])
        }
        for (field, column) in [("nextduedate", "nextduedate"), ("domain", "domain"), ("status", "domainstatus")] {
            if let value = params.nonEmpty(field) {
                try db.execute(
                    sql: "UPDATE whmcs_services SET \(column) = ? WHERE id = ?", arguments: [value, serviceID])
            }
        }
        return ["serviceid": Self.id(serviceID)]
    }

    /// Carries out an accepted order's upgrades.
    func applyUpgrades(orderID: Int) throws {
        for upgrade in try Row.fetchAll(
            db, sql: "SELECT * FROM whmcs_upgrades WHERE orderid = ? AND status = 'Pending'", arguments: [orderID])
        {
            try db.execute(
                sql: "UPDATE whmcs_services SET packageid = ?, billingcycle = ?, amount = ? WHERE id = ?",
                arguments: [
                    upgrade["newproductid"] as Int, Self.displayCycle(upgrade["newcycle"]), upgrade["amount"] as Int,
                    upgrade["relid"] as Int,
                ]
            )
            try db.execute(
                sql: "UPDATE whmcs_upgrades SET status = 'Completed' WHERE id = ?", arguments: [upgrade["id"] as Int])
        }
    }

    /// GetOrders line items for an order's upgrades.
    func upgradeLines(orderID: Int) throws -> [JSONValue] {
        try Row.fetchAll(db, sql: "SELECT * FROM whmcs_upgrades WHERE orderid = ?", arguments: [orderID]).map { line in
            [
                "type": "upgrade", "relid": Self.id(line["relid"]), "producttype": "Upgrade", "product": "",
                "domain": "",
                "billingcycle": .string(Self.displayCycle(line["newcycle"])), "amount": Self.money(line["amount"]),
                "status": .string(line["status"]),
            ]
        }
    }
}

extension WHMCSAction {
    /// CreateInvoice: an unpaid invoice with the `itemdescriptionN` / `itemamountN` lines, due `duedate` (today by
    /// default), with the notes given.
    func createInvoice() throws -> JSONValue {
        guard let userID = params.int("userid"),
            try Int.fetchOne(db, sql: "SELECT 1 FROM whmcs_clients WHERE id = ?", arguments: [userID]) != nil
        else {
            throw WHMCSFailure("Client ID Not Found")
        }
        if params.flag("draft"), params.flag("sendinvoice") {
            throw WHMCSFailure(
                "Cannot create and send a draft invoice in a single API request. Please create and send separately.")
        }
        let gateway = params.nonEmpty("paymentmethod") ?? Self.gateways[0]
        guard Self.gateways.contains(gateway) else {
            throw WHMCSFailure("Invalid Payment Method. Valid options include \(Self.gateways.joined(separator: ","))")
        }
        var lines: [(String, Int, Bool)] = []
        var index = 1
        while let description = params.nonEmpty("itemdescription\(index)") {
            guard let amount = params.string("itemamount\(index)").flatMap(Self.minor) else {
                throw WHMCSFailure("Invalid item amount \(index)")
            }
            lines.append((description, amount, params.flag("itemtaxed\(index)")))
            index += 1
        }
        let total = lines.reduce(0) { $0 + $1.1 }
        let date = params.nonEmpty("date") ?? Self.format(now, "yyyy-MM-dd")
        let due = params.nonEmpty("duedate") ?? date
        let status = params.flag("draft") ? "Draft" : (params.nonEmpty("status") ?? "Unpaid")
        try db.execute(
            sql:
                "INSERT INTO whmcs_invoices (userid, date, duedate, subtotal, total, paymentmethod, status, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [userID, date, due, total, total, gateway, status, params.string("notes") ?? ""]
        )
        let invoiceID = Int(db.lastInsertedRowID)
        for (description, amount, taxed) in lines {
            try db.execute(
                sql:
                    "INSERT INTO whmcs_invoice_items (invoiceid, type, relid, description, amount, taxed) VALUES (?, '', 0, ?, ?, ?)",
                arguments: [invoiceID, description, amount, taxed ? 1 : 0]
            )
        }
        try settleInvoice(invoiceID)
        if params.flag("sendinvoice"), status != "Draft" {
            try sendStockEmail(.invoiceCreated, client: userID, about: "#\(invoiceID)")
        }
        return ["result": "success", "invoiceid": Self.id(invoiceID), "status": .string(status)]
    }
}
