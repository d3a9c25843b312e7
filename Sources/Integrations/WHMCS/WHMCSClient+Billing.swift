import Foundation

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
        return Self.page(json, outer: "invoices", inner: "invoice", { WHMCSInvoiceSummary($0, currency: currency) })
    }

    /// GetInvoice; nil when there is no such invoice.
    package func invoice(id: Int) async throws -> WHMCSInvoice? {
        do {
            let json = try await perform("GetInvoice", [("invoiceid", .scalar(String(id)))], safety: .safe)
            return WHMCSInvoice(json, currency: currency)
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
        if let amount = payment.amountMinor { fields.append(("amount", .scalar(currency.decimal(amount)))) }
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
            fields.append(("itemamount\(index + 1)", .scalar(currency.decimal(line.amountMinor))))
            // Taxed by WHMCS's own tax rules for the client, as an ordered product is.
            fields.append(("itemtaxed\(index + 1)", .flag(true)))
        }
        let json = try await perform("CreateInvoice", fields, safety: .lookUpFirst) {
            try await self.invoice(clientID: clientID, marker: marker).map {
                .object(["invoiceid": .number(Double($0.id))])
            }
        }
        return try Self.int(json, "invoiceid", action: "CreateInvoice")
    }
}

/// A currency of the installation, as GetCurrencies lists it.
package struct WHMCSCurrency: Sendable, Equatable {
    package var id: Int
    package var code: String
    /// Units of this currency per unit of the installation's base currency (`"1.00000"` for the base).
    package var rate: Decimal
}

extension WHMCSClient {
    /// GetCurrencies with each currency's exchange rate.
    package func currencyRates() async throws -> [WHMCSCurrency] {
        let json = try await perform("GetCurrencies", [], safety: .safe)
        return (json["currencies"]?["currency"]?.elements ?? []).compactMap { item in
            guard let id = item["id"]?.int, let code = item["code"]?.string else { return nil }
            let rate = item["rate"]?.string.flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) }
            return WHMCSCurrency(id: id, code: code.uppercased(), rate: rate ?? 1)
        }
    }
}

/// A promotion as GetPromotions lists it (CONTRACTS.md Corrections; WHMCS API reference).
package struct WHMCSPromotion: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case percentage = "Percentage"
        case fixedAmount = "Fixed Amount"
        case priceOverride = "Price Override"
        case freeSetup = "Free Setup"
    }

    package var id: Int
    package var code: String
    /// Nil for a type the portal does not know.
    package var kind: Kind?
    /// A percentage for `percentage`, an amount in the client's currency otherwise, as WHMCS wrote it.
    package var value: String
    /// Product ids it applies to; empty applies to none.
    package var appliesTo: Set<Int>
    /// Billing cycles it is limited to, as WHMCS names them (`Monthly`, `Annually`, …); empty means any.
    package var cycles: Set<String>
    /// `YYYY-MM-DD`; nil when unset (`0000-00-00`).
    package var startDate: String?
    package var expirationDate: String?
    /// 0 means unlimited.
    package var maximumUses: Int
    package var uses: Int

    init(_ json: LenientJSON) {
        id = json["id"]?.int ?? 0
        code = json["code"]?.string ?? ""
        kind = json["type"]?.string.flatMap(Kind.init(rawValue:))
        value = json["value"]?.string ?? "0"
        appliesTo = Set(
            (json["appliesto"]?.string ?? "").split(separator: ",").compactMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            })
        cycles = Set(
            (json["cycles"]?.string ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty })
        func date(_ key: String) -> String? {
            guard let text = json[key]?.string, !text.isEmpty, !text.hasPrefix("0000") else { return nil }
            return text
        }
        startDate = date("startdate")
        expirationDate = date("expirationdate")
        maximumUses = json["maxuses"]?.int ?? 0
        uses = json["uses"]?.int ?? 0
    }
}

extension WHMCSClient {
    /// GetPromotions for one code (WHMCS compares codes without regard to case); nil when there is none.
    package func promotion(code: String) async throws -> WHMCSPromotion? {
        let json = try await perform("GetPromotions", [("code", .scalar(code))], safety: .safe)
        return (json["promotions"]?["promotion"]?.elements ?? []).map(WHMCSPromotion.init)
            .first { $0.code.caseInsensitiveCompare(code) == .orderedSame }
    }

    /// Every promotion of the installation (for reports).
    package func promotions() async throws -> [WHMCSPromotion] {
        let json = try await perform("GetPromotions", [], safety: .safe)
        return (json["promotions"]?["promotion"]?.elements ?? []).map(WHMCSPromotion.init)
    }

    /// Records money paid back on an invoice: AddTransaction with `amountout` (WHMCS has no refund action). The
    /// refund's own id is the transaction id, so a lost answer is checked with GetTransactions and never recorded
    /// twice. A refund of everything also marks the invoice `Refunded` (UpdateInvoice).
    package func recordRefund(
        invoiceID: Int, clientID: Int, transactionID: String, amountMinor: Int64, paymentMethod: String,
        description: String, fullyRefunded: Bool
    ) async throws {
        let fields: [(String, PHPFormValue)] = [
            ("paymentmethod", .scalar(paymentMethod)), ("userid", .scalar(String(clientID))),
            ("invoiceid", .scalar(String(invoiceID))), ("transid", .scalar(transactionID)),
            ("description", .scalar(description)), ("amountout", .scalar(currency.decimal(amountMinor))),
            ("amountin", .scalar(currency.decimal(0))),
        ]
        if try await !hasTransaction(transactionID) {
            _ = try await perform("AddTransaction", fields, safety: .lookUpFirst) {
                try await self.hasTransaction(transactionID) ? .object(["result": .string("success")]) : nil
            }
        }
        if fullyRefunded {
            _ = try await perform(
                "UpdateInvoice", [("invoiceid", .scalar(String(invoiceID))), ("status", .scalar("Refunded"))],
                safety: .safe)
        }
    }

    /// Whether GetTransactions knows `transactionID`.
    package func hasTransaction(_ transactionID: String) async throws -> Bool {
        let json = try await perform("GetTransactions", [("transid", .scalar(transactionID))], safety: .safe)
        return (json["transactions"]?["transaction"]?.elements ?? []).contains {
            $0["transid"]?.string == transactionID
        }
    }
}
