import Foundation
import GRDB

/// The emails a stock WHMCS sends its clients by itself, recorded instead of sent (its `tblemails`), so a test can
/// show that no upstream email ever reached a reseller's customer. Each is sent unless the call's documented flag
/// stops it, read with PHP's loose truthiness.
extension WHMCSAction {
    /// The stock email templates the sandbox stands in for.
    enum StockEmail: String {
        case clientSignup = "Client Signup Email"
        case orderConfirmation = "Order Confirmation"
        case invoiceCreated = "Invoice Created"
        case welcome = "Hosting Account Welcome Email"
        case paymentConfirmation = "Invoice Payment Confirmation"
        case ticketOpened = "Support Ticket Opened"
        case ticketReply = "Support Ticket Reply"
    }

    /// Records that WHMCS emailed `template` to the client, about `subject` (an invoice or order number).
    func sendStockEmail(_ template: StockEmail, client clientID: Int, about subject: String) throws {
        guard clientID != 0,
            let address = try String.fetchOne(
                db, sql: "SELECT email FROM whmcs_clients WHERE id = ?", arguments: [clientID])
        else { return }
        try db.execute(
            sql: #"INSERT INTO whmcs_emails (userid, subject, message, date, "to") VALUES (?, ?, ?, ?, ?)"#,
            arguments: [
                clientID, "\(template.rawValue) \(subject)".trimmingCharacters(in: .whitespaces),
                "<p>\(template.rawValue)</p>", timestamp, address,
            ]
        )
    }

    /// GetEmails: the emails sent to one client, newest first.
    func getEmails() throws -> JSONValue {
        guard let clientID = params.int("clientid"), try clientRow(id: clientID) != nil else {
            throw WHMCSFailure("Client ID Not Found")
        }
        let start = max(0, params.int("limitstart") ?? 0)
        let limit = max(1, params.int("limitnum") ?? 25)
        let total =
            try Int.fetchOne(db, sql: "SELECT count(*) FROM whmcs_emails WHERE userid = ?", arguments: [clientID]) ?? 0
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM whmcs_emails WHERE userid = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            arguments: [clientID, limit, start])
        let emails: [JSONValue] = rows.map { row in
            [
                "id": Self.id(row["id"]), "userid": Self.id(row["userid"]), "subject": .string(row["subject"]),
                "message": .string(row["message"]), "date": .string(row["date"]), "to": .string(row["to"]),
                "cc": "", "bcc": "", "attachments": "", "pending": "0",
            ]
        }
        return [
            "totalresults": .number(Double(total)), "startnumber": .number(Double(start)),
            "numreturned": .number(Double(rows.count)), "emails": ["email": .array(emails)],
        ]
    }

    /// An amount as WHMCS formats it for display in the client's currency: `"$-8.67 USD"`.
    static func formatted(_ minor: Int, currency id: Int) -> JSONValue {
        let currency = currencies.first { $0.id == id } ?? currencies[0]
        return .string(currency.prefix + (money(minor).string ?? "0.00") + currency.suffix)
    }
}
