import Foundation
import GRDB

/// Tax, promotions, refunds (money out) and invoice status changes, as WHMCS's API reference describes them.
extension WHMCSAction {
    // MARK: Tax and totals

    /// The sandbox's one tax rule, set by tests and the demo: a rate (`"20.00"`) and whether prices include it.
    func taxRule() throws -> (rate: Decimal, text: String, inclusive: Bool)? {
        guard
            let text = try String.fetchOne(
                db, sql: "SELECT value FROM sandbox_settings WHERE key = 'whmcs.tax.rate'"),
            let rate = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), rate > 0
        else { return nil }
        let inclusive =
            try String.fetchOne(db, sql: "SELECT value FROM sandbox_settings WHERE key = 'whmcs.tax.inclusive'") == "1"
        return (rate, text, inclusive)
    }

    /// Totals an invoice from its items as WHMCS does: tax on taxed items at the rule's rate (added on top, or taken
    /// out of inclusive prices), rounded to the cent; then, with auto-capture on (a stored card charged at once),
    /// the invoice is paid.
    func settleInvoice(_ invoiceID: Int) throws {
        let items = try Row.fetchAll(
            db, sql: "SELECT amount, taxed FROM whmcs_invoice_items WHERE invoiceid = ?", arguments: [invoiceID])
        let sum = items.reduce(0) { $0 + ($1["amount"] as Int) }
        let taxedSum = items.filter { ($0["taxed"] as Int) != 0 }.reduce(0) { $0 + ($1["amount"] as Int) }
        var subtotal = sum
        var tax = 0
        var rateText = "0.00"
        if let rule = try taxRule(), taxedSum > 0 {
            rateText = rule.text
            let base = Decimal(taxedSum)
            var raw = rule.inclusive ? base - base / (1 + rule.rate / 100) : base * rule.rate / 100
            var rounded = Decimal()
            NSDecimalRound(&rounded, &raw, 0, .plain)
            tax = NSDecimalNumber(decimal: rounded).intValue
            if rule.inclusive { subtotal = sum - tax }
        }
        let total = subtotal + tax
        try db.execute(
            sql: """
                UPDATE whmcs_invoices SET subtotal = ?, tax = ?, taxrate = ?, total = ?,
                    status = CASE WHEN ? = 0 AND status = 'Unpaid' THEN 'Paid' ELSE status END
                WHERE id = ?
                """,
            arguments: [subtotal, tax, rateText, total, total, invoiceID])
        if total > 0,
            try String.fetchOne(db, sql: "SELECT value FROM sandbox_settings WHERE key = 'whmcs.autocapture'") == "1",
            let row = try Row.fetchOne(
                db, sql: "SELECT userid, paymentmethod, status FROM whmcs_invoices WHERE id = ?", arguments: [invoiceID]
            ),
            (row["status"] as String) == "Unpaid"
        {
            try db.execute(
                sql: """
                    INSERT INTO whmcs_transactions (invoiceid, userid, transid, gateway, date, amountin, description)
                    VALUES (?, ?, ?, ?, ?, ?, 'Invoice Payment')
                    """,
                arguments: [
                    invoiceID, row["userid"] as Int, "autocapture-\(invoiceID)", row["paymentmethod"] as String,
                    timestamp, total,
                ])
            try db.execute(
                sql: "UPDATE whmcs_invoices SET status = 'Paid', datepaid = ? WHERE id = ?",
                arguments: [timestamp, invoiceID])
            try advanceDueDates(paidInvoice: invoiceID)
        }
    }

    // MARK: Promotions

    func getPromotions() throws -> JSONValue {
        var sql = "SELECT * FROM whmcs_promotions"
        var arguments: StatementArguments = []
        if let code = params.nonEmpty("code") {
            sql += " WHERE code = ?"
            arguments = [code]
        }
        let rows = try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments)
        let items: [JSONValue] = rows.map { row in
            [
                "id": .number(Double(row["id"] as Int)), "code": .string(row["code"]), "type": .string(row["type"]),
                "recurring": .number(Double(row["recurring"] as Int)), "value": .string(row["value"]),
                "cycles": .string(row["cycles"]), "appliesto": .string(row["appliesto"]), "requires": "",
                "requiresexisting": 0, "startdate": .string(row["startdate"]),
                "expirationdate": .string(row["expirationdate"]), "maxuses": .number(Double(row["maxuses"] as Int)),
                "uses": .number(Double(row["uses"] as Int)), "lifetimepromo": 0, "applyonce": 0, "newsignups": 0,
                "existingclient": 0, "onceperclient": 0, "recurfor": 0, "upgrades": 0, "upgradeconfig": "",
                "notes": "",
            ]
        }
        return [
            "totalresults": .number(Double(items.count)),
            "promotions": items.isEmpty ? "" : ["promotion": .array(items)],
        ]
    }

    /// The discount `code` gives one product line, as WHMCS applies promotions on AddOrder: only to the products
    /// and cycles it lists, inside its dates and use limit; nil when it does not apply.
    func promotionDiscount(code: String, productID: Int, cycle: String, price: Int, setup: Int) throws -> (
        id: Int, amount: Int, label: String
    )? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM whmcs_promotions WHERE code = ?", arguments: [code])
        else { return nil }
        let today = self.today
        let start: String = row["startdate"]
        let end: String = row["expirationdate"]
        if !start.hasPrefix("0000"), today < start { return nil }
        if !end.hasPrefix("0000"), today > end { return nil }
        let maximum: Int = row["maxuses"]
        if maximum > 0, (row["uses"] as Int) >= maximum { return nil }
        let applies = (row["appliesto"] as String).split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard applies.contains(productID) else { return nil }
        let cycles = (row["cycles"] as String).split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "-", with: "")
        }
        if !cycles.isEmpty, !cycles.contains(cycle.lowercased()) { return nil }
        let type: String = row["type"]
        let value = Decimal(string: row["value"], locale: Locale(identifier: "en_US_POSIX")) ?? 0
        var amount: Decimal
        switch type {
        case "Percentage": amount = Decimal(price) * value / 100
        case "Fixed Amount": amount = min(Decimal(price), value * 100)
        case "Price Override": amount = max(0, Decimal(price) - value * 100)
        case "Free Setup": amount = Decimal(setup)
        default: return nil
        }
        var rounded = Decimal()
        NSDecimalRound(&rounded, &amount, 0, .plain)
        let label =
            type == "Percentage" ? "\(row["value"] as String)% Discount" : type == "Free Setup" ? "Free Setup" : type
        return (row["id"], NSDecimalNumber(decimal: rounded).intValue, "Promotional Code: \(code) - \(label)")
    }

    // MARK: Transactions

    /// AddTransaction: `paymentmethod` is required; `amountout` records money paid back. A transaction id must be
    /// unique unless `allowduplicatetransid`.
    func addTransaction() throws -> JSONValue {
        guard let gateway = params.nonEmpty("paymentmethod") else { throw WHMCSFailure("Payment Method is required") }
        guard Self.gateways.contains(gateway) else { throw WHMCSFailure("Invalid Payment Method") }
        let userID = params.int("userid") ?? 0
        let invoiceID = params.int("invoiceid") ?? 0
        if invoiceID > 0 {
            guard
                let owner = try Int.fetchOne(
                    db, sql: "SELECT userid FROM whmcs_invoices WHERE id = ?", arguments: [invoiceID])
            else { throw WHMCSFailure("Invoice ID Not Found") }
            if userID > 0, owner != userID { throw WHMCSFailure("User ID does not own the given Invoice ID") }
        }
        let transactionID = params.string("transid") ?? ""
        if !transactionID.isEmpty, !params.flag("allowduplicatetransid"),
            try Int.fetchOne(db, sql: "SELECT 1 FROM whmcs_transactions WHERE transid = ?", arguments: [transactionID])
                != nil
        {
            throw WHMCSFailure("Transaction ID must be Unique")
        }
        guard let amountIn = Self.minor(params.string("amountin") ?? "0"),
            let amountOut = Self.minor(params.string("amountout") ?? "0"), amountIn >= 0, amountOut >= 0
        else { throw WHMCSFailure("Invalid amount") }
        try db.execute(
            sql: """
                INSERT INTO whmcs_transactions (invoiceid, userid, transid, gateway, date, amountin, amountout,
                    description)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                invoiceID, userID, transactionID, gateway, timestamp, amountIn, amountOut,
                params.string("description") ?? "",
            ])
        return [:]
    }

    /// GetTransactions by `invoiceid`, `clientid` or `transid`; every value a string, as the documented example.
    func getTransactions() throws -> JSONValue {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let invoice = params.int("invoiceid") { conditions.append("invoiceid = ?"); arguments.append(invoice) }
        if let client = params.int("clientid") { conditions.append("userid = ?"); arguments.append(client) }
        if let transaction = params.nonEmpty("transid") {
            conditions.append("transid = ?")
            arguments.append(transaction)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM whmcs_transactions \(filter) ORDER BY id", arguments: StatementArguments(arguments))
        let items: [JSONValue] = rows.map { row in
            [
                "id": Self.id(row["id"]), "userid": Self.id(row["userid"]), "currency": "0",
                "gateway": .string(row["gateway"]), "date": .string(row["date"]),
                "description": .string(row["description"]), "amountin": Self.money(row["amountin"]),
                "fees": Self.money(row["fees"]), "amountout": Self.money(row["amountout"]), "rate": "1.00000",
                "transid": .string(row["transid"]), "invoiceid": Self.id(row["invoiceid"]), "refundid": "0",
            ]
        }
        return [
            "totalresults": .number(Double(items.count)),
            "transactions": items.isEmpty ? "" : ["transaction": .array(items)],
        ]
    }

    /// UpdateInvoice: `invoiceid` required; the portal changes only `status` (for example to `Refunded`).
    func updateInvoice() throws -> JSONValue {
        guard let invoiceID = params.int("invoiceid"),
            try Int.fetchOne(db, sql: "SELECT 1 FROM whmcs_invoices WHERE id = ?", arguments: [invoiceID]) != nil
        else { throw WHMCSFailure("Invoice ID Not Found") }
        if let status = params.nonEmpty("status") {
            try db.execute(
                sql: "UPDATE whmcs_invoices SET status = ? WHERE id = ?", arguments: [status, invoiceID])
        }
        return ["invoiceid": Self.id(invoiceID)]
    }
}
