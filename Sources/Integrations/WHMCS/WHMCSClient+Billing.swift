/// Invoices and payments.
extension WHMCSClient {
    /// GetInvoices for one client, optionally by status (`Unpaid`, `Paid`, `Overdue`, …), newest first.
    package func invoices(clientID: Int? = nil, status: String? = nil, page: WHMCSPageRequest = .init()) async throws
        -> WHMCSPage<WHMCSInvoiceSummary>
    {
        var fields = Self.paging(page) + [("orderby", .scalar("id")), ("order", .scalar("desc"))]
        if let clientID { fields.append(("userid", .scalar(String(clientID)))) }
        if let status { fields.append(("status", .scalar(status))) }
        let json = try await perform("GetInvoices", fields, safety: .safe)
        return Self.page(json, outer: "invoices", inner: "invoice", WHMCSInvoiceSummary.init)
    }

    /// GetInvoice; nil when there is no such invoice.
    package func invoice(id: Int) async throws -> WHMCSInvoice? {
        do {
            let json = try await perform("GetInvoice", [("invoiceid", .scalar(String(id)))], safety: .safe)
            return WHMCSInvoice(json)
        } catch UpstreamError.apiError(_, _, let message) where message.lowercased().contains("not found") {
            return nil
        }
    }

    /// AddInvoicePayment. After a lost answer the invoice is read: a transaction with the same id means the
    /// payment was recorded, so it is never recorded twice.
    package func addPayment(_ payment: WHMCSPayment) async throws {
        var fields: [(String, PHPFormValue)] = [
            ("invoiceid", .scalar(String(payment.invoiceID))), ("transid", .scalar(payment.transactionID)),
            ("gateway", .scalar(payment.gateway)), ("date", .scalar(payment.date)),
            // The portal sends the branded receipt itself.
            ("noemail", .flag(true)),
        ]
        if let amount = payment.amountMinor { fields.append(("amount", .scalar(Money.decimal(amount)))) }
        let invoiceID = payment.invoiceID
        let transactionID = payment.transactionID
        _ = try await perform("AddInvoicePayment", fields, safety: .lookUpFirst) {
            guard let invoice = try await self.invoice(id: invoiceID),
                invoice.transactions.contains(where: { $0.transactionID == transactionID })
            else { return nil }
            return .object(["result": .string("success")])
        }
    }
}

/// Decimal strings for WHMCS amounts.
enum Money {
    /// 1250 → "12.50"; -5 → "-0.05".
    static func decimal(_ minor: Int64) -> String {
        let sign = minor < 0 ? "-" : ""
        let magnitude = minor.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}

extension WHMCSClient {
    /// GetCurrencies: the installation's currencies, by id and ISO code.
    package func currencies() async throws -> [(id: Int, code: String)] {
        let json = try await perform("GetCurrencies", [], safety: .safe)
        return (json["currencies"]?["currency"]?.elements ?? []).compactMap { item in
            guard let id = item["id"]?.int, let code = item["code"]?.string else { return nil }
            return (id, code.uppercased())
        }
    }
}

extension WHMCSClient {
    /// The client's invoice whose notes are `marker`, among its 25 newest; how a created invoice is found again.
    package func invoice(clientID: Int, marker: String) async throws -> WHMCSInvoice? {
        for summary in try await invoices(clientID: clientID, page: .init(start: 0, size: 25)).items {
            if let invoice = try await invoice(id: summary.id), invoice.notes == marker { return invoice }
        }
        return nil
    }

    /// CreateInvoice with `lines` for the client, its notes set to `marker` (unique per purpose, such as a renewal
    /// order), so an invoice made behind a lost answer, or before a crash, is found instead of made twice.
    package func createInvoice(
        clientID: Int, lines: [(description: String, amountMinor: Int64)], paymentMethod: String, marker: String
    ) async throws -> Int {
        if let existing = try await invoice(clientID: clientID, marker: marker) { return existing.id }
        var fields: [(String, PHPFormValue)] = [
            ("userid", .scalar(String(clientID))), ("paymentmethod", .scalar(paymentMethod)),
            ("notes", .scalar(marker)),
            // The portal sends the branded "invoice created" email itself.
            ("sendinvoice", .flag(false)),
        ]
        for (index, line) in lines.enumerated() {
            fields.append(("itemdescription\(index + 1)", .scalar(line.description)))
            fields.append(("itemamount\(index + 1)", .scalar(Money.decimal(line.amountMinor))))
        }
        let json = try await perform("CreateInvoice", fields, safety: .lookUpFirst) {
            try await self.invoice(clientID: clientID, marker: marker).map {
                .object(["invoiceid": .number(Double($0.id))])
            }
        }
        return try Self.int(json, "invoiceid", action: "CreateInvoice")
    }
}
