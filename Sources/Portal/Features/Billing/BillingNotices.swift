import Branding
import Foundation
import Tenancy

/// The branded "invoice created" and "payment received" emails, for invoices and payments made anywhere: by the
/// portal's pipeline, by staff in WHMCS, by a gateway or by a WHMCS renewal. WHMCS is told never to email a customer
/// itself, so these are the customer's only notice. The billing mirror finds them by comparing a customer's copy
/// before and after each read, and each one is queued exactly once (its record and the email are one transaction),
/// however often or concurrently the copy is read, and across restarts.
package struct BillingNotices: Sendable {
    /// An invoice first seen more than this many days after its date is not announced: the first read of an old
    /// customer's invoices never mails their history.
    package static let recentDays = 7

    package enum Notice: Equatable, Sendable {
        case created(MirroredInvoice)
        case paid(MirroredInvoice)
    }

    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let queue: MailQueue
    let now: @Sendable () -> Date

    /// What changed between two copies of one customer's invoices. `today` is `yyyy-MM-dd`.
    package static func notices(previous: [MirroredInvoice], current: [MirroredInvoice], today: String) -> [Notice] {
        let known = Dictionary(previous.map { ($0.whmcsInvoiceID, $0) }, uniquingKeysWith: { first, _ in first })
        let horizon = day(today, offset: -recentDays)
        var notices: [Notice] = []
        for invoice in current.sorted(by: { $0.whmcsInvoiceID < $1.whmcsInvoiceID }) {
            let before = known[invoice.whmcsInvoiceID]
            let recent = before != nil || String(invoice.date.prefix(10)) >= horizon
            guard recent else { continue }
            switch invoice.status {
            case "Unpaid", "Payment Pending", "Overdue":
                if before == nil { notices.append(.created(invoice)) }
            case "Paid":
                if before?.status != "Paid" { notices.append(.paid(invoice)) }
            default:
                break
            }
        }
        return notices
    }

    /// Queues each notice for `account` unless it was queued before; returns how many were queued.
    @discardableResult
    package func send(_ notices: [Notice], to account: Account, in tenant: Tenant, databases: TenantDatabases)
        async throws -> Int
    {
        guard !notices.isEmpty else { return 0 }
        let realm = realm(tenant)
        let look = try await realm.emailLook(siteURL: flows.services.link(primaryHost: realm.linkHost, path: ""))
        let zone = try await databases.withDatabase(for: tenant) {
            try await TenantMailSettings.load(from: $0.accounts).zone
        }
        let recipient = MailAddress(name: account.name, address: account.email)
        return try await flows.speaking(account.language, look: look) {
            try await queue(
                notices, look: look, zone: zone, realm: realm, to: recipient, in: tenant, databases: databases)
        }
    }

    private func queue(
        _ notices: [Notice], look: EmailLook, zone: TimeZone, realm: any AccountRealm, to recipient: MailAddress,
        in tenant: Tenant, databases: TenantDatabases
    ) async throws -> Int {
        var queued = 0
        for notice in notices {
            let (kind, invoice, object): (EmailKind, MirroredInvoice, String) =
                switch notice {
                case .created(let invoice): (.invoiceCreated, invoice, "invoice_created:\(invoice.whmcsInvoiceID)")
                case .paid(let invoice): (.paymentReceived, invoice, "payment_received:\(invoice.whmcsInvoiceID)")
                }
            let total = Money.format(
                minor: invoice.totalMinor, currency: invoice.currency.isEmpty ? look.facts.currency : invoice.currency)
            var variables = [
                "invoice.number": invoice.number, "invoice.total": total,
                "invoice.due_date": Self.long(invoice.dueDate, zone),
                "link": flows.services.link(
                    primaryHost: realm.linkHost, path: AccountPaths.invoice.link(invoice.whmcsInvoiceID)),
            ]
            if kind == .paymentReceived {
                variables["payment.amount"] = total
                variables["payment.date"] = ReminderScheduler.long(now(), zone)
            }
            if try await queueOnce(
                kind, object: object, version: invoice.date, variables: variables, look: look, to: recipient,
                in: tenant, databases: databases)
            {
                queued += 1
            }
        }
        return queued
    }

    /// The branded "ticket reply" email for a staff reply written in WHMCS itself (which is told never to email the
    /// customer), once per reply: `index` counts the thread's staff replies.
    @discardableResult
    package func sendStaffReply(
        _ reply: String, index: Int, on ticket: Ticket, to account: Account, in tenant: Tenant,
        databases: TenantDatabases
    ) async throws -> Bool {
        guard let local = ticket.id else { return false }
        let realm = realm(tenant)
        let look = try await realm.emailLook(siteURL: flows.services.link(primaryHost: realm.linkHost, path: ""))
        return try await queueOnce(
            .ticketReply, object: "ticket_reply:\(local):\(index)", version: "",
            variables: [
                "ticket.number": ticket.number, "ticket.subject": ticket.subject,
                "reply.excerpt": String(reply.prefix(300)),
                "link": flows.services.link(primaryHost: realm.linkHost, path: AccountPaths.ticket.link(local)),
            ], look: look, to: MailAddress(name: account.name, address: account.email), in: tenant,
            databases: databases)
    }

    /// Renders `kind` and queues it unless `object` (at `version`) was queued before: the record and the email are
    /// one transaction, so it goes once however often it is asked for. True when queued now.
    private func queueOnce(
        _ kind: EmailKind, object: String, version: String, variables: [String: String], look: EmailLook,
        to recipient: MailAddress, in tenant: Tenant, databases: TenantDatabases
    ) async throws -> Bool {
        let rendered = try flows.render(kind, look: look, to: recipient, variables: variables)
        let mail = try flows.outgoing(rendered, look: look, to: recipient, kind: kind.name)
        try await queue.willQueue(.tenant(tenant.id))
        let sent = try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.queueReminder(
                object: object, dueDate: version, threshold: 0, mail: mail, now: now())
        }
        if sent { queue.notify(.tenant(tenant.id)) }
        return sent
    }

    /// `yyyy-MM-dd` moved by `offset` days.
    static func day(_ text: String, offset: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = ReminderScheduler.day(text, calendar),
            let moved = calendar.date(byAdding: .day, value: offset, to: date)
        else { return text }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: moved)
    }

    static func long(_ text: String, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return ReminderScheduler.day(text, calendar).map { ReminderScheduler.long($0, zone) } ?? text
    }
}
