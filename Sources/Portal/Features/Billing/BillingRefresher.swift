import Foundation
import Integrations
import Logging
import Synchronization
import Tenancy

/// Keeps each customer's local copy of their WHMCS services and invoices fresh: read through WHMCS's paged lists,
/// replaced in one transaction. Pages read the copy only, so they stay fast when WHMCS is slow or down.
package final class BillingRefresher: Sendable {
    /// A copy older than this is refreshed when the customer next looks at it.
    package static let freshFor: TimeInterval = 300

    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    /// The branded emails for invoices and payments the copy finds new.
    let notices: BillingNotices?
    let logger: Logger
    /// The latest refresh per (tenant, account): a new one runs after it, so an older read never overwrites a newer.
    private let chains = Mutex<[String: Task<Void, any Error>]>([:])
    /// Background refreshes asked for by page views and not yet finished, so a busy page asks only once.
    private let scheduled = Mutex<Set<String>>([])

    package init(
        databases: TenantDatabases, upstreams: TenantUpstreams, notices: BillingNotices? = nil, logger: Logger
    ) {
        self.databases = databases
        self.upstreams = upstreams
        self.notices = notices
        self.logger = logger
    }

    /// Reads the customer's services and invoices from WHMCS now, after any refresh of theirs already running. A
    /// customer with no WHMCS client has none.
    package func refresh(_ account: Account.ID, in tenant: Tenant) async throws {
        let key = "\(tenant.id.rawValue)/\(account.rawValue)"
        let task = chains.withLock { chains in
            let previous = chains[key]
            let task = Task<Void, any Error> {
                _ = await previous?.result
                try await self.read(account, in: tenant)
            }
            chains[key] = task
            return task
        }
        defer {
            chains.withLock { chains in
                if chains[key] == task { chains[key] = nil }
            }
        }
        try await task.value
    }

    private func read(_ account: Account.ID, in tenant: Tenant) async throws {
        guard
            let link = try await databases.withDatabase(
                for: tenant, { try await $0.upstreams.billingClient(of: account) })
        else {
            try await databases.withDatabase(for: tenant) {
                try await $0.billing.replace(account, services: [], invoices: [])
            }
            return
        }
        let (client, _) = try await upstreams.whmcs(for: tenant)
        var services: [MirroredService] = []
        var start = 0
        while true {
            let page = try await client.services(clientID: link.clientID, page: .init(start: start, size: 100))
            services += page.items.filter { $0.clientID == link.clientID }.map { service in
                MirroredService(
                    whmcsServiceID: service.id, accountID: account, whmcsOrderID: service.orderID,
                    whmcsProductID: service.productID,
                    productName: service.name, domain: service.domain, status: service.status,
                    billingCycle: service.billingCycle, recurringMinor: service.recurringAmountMinor,
                    nextDueDate: service.nextDueDate == "0000-00-00" ? "" : service.nextDueDate,
                    username: service.username
                )
            }
            start += page.items.count
            if page.items.isEmpty || start >= page.total || start >= 2_000 { break }
        }
        var invoices: [MirroredInvoice] = []
        start = 0
        while true {
            let page = try await client.invoices(clientID: link.clientID, page: .init(start: start, size: 100))
            invoices += page.items.filter { $0.clientID == link.clientID }.map { invoice in
                MirroredInvoice(
                    whmcsInvoiceID: invoice.id, accountID: account,
                    number: invoice.number.isEmpty ? String(invoice.id) : invoice.number,
                    date: invoice.date, dueDate: invoice.dueDate, totalMinor: invoice.totalMinor,
                    status: invoice.status,
                    currency: invoice.currencyCode
                )
            }
            start += page.items.count
            if page.items.isEmpty || start >= page.total || start >= 2_000 { break }
        }
        var statuses: [Int: String] = [:]
        var lastReplies: [Int: String] = [:]
        start = 0
        while true {
            let page = try await client.tickets(clientID: link.clientID, page: .init(start: start, size: 100))
            for ticket in page.items where ticket.clientID == link.clientID {
                statuses[ticket.id] = ticket.status
                lastReplies[ticket.id] = ticket.lastReply
            }
            start += page.items.count
            if page.items.isEmpty || start >= page.total || start >= 2_000 { break }
        }
        let ticketStatuses = statuses
        let replies = lastReplies
        let mirrored = invoices
        let previous = try await databases.withDatabase(for: tenant) { database in
            let previous = try await database.billing.invoices(of: account, filter: .all, today: "", limit: 2_000).items
            try await database.billing.replace(account, services: services, invoices: mirrored)
            try await database.tickets.updateStatuses(ticketStatuses, of: account)
            return previous
        }
        let customer = try await databases.withDatabase(for: tenant) { try await $0.accounts.account(account) }
        if let notices, let customer {
            try await notices.send(
                BillingNotices.notices(
                    previous: previous, current: invoices, today: String(OrderSteps.whmcsDate(notices.now()).prefix(10))
                ),
                to: customer, in: tenant, databases: databases)
        }
        // Threads with activity the copy has not seen (a reply written in WHMCS itself) are read again whole.
        let stale = try await databases.withDatabase(for: tenant) { try await $0.tickets.stale(replies, of: account) }
        let customerName = customer?.name ?? ""
        for (local, whmcsID) in stale.prefix(50) {
            let thread = try await client.ticketThread(id: whmcsID)
            let messages = thread.messages.map { message in
                (
                    author: message.admin.isEmpty ? "customer" : "staff",
                    name: message.admin.isEmpty ? customerName : message.admin,
                    body: message.message, date: Self.whmcsDate(message.date)
                )
            }
            let before = try await databases.withDatabase(for: tenant) { database in
                let before = try await database.tickets.ticket(local, of: account)
                try await database.tickets.replaceThread(
                    local, status: thread.status, lastReply: thread.lastReply, messages: messages)
                return before
            }
            // Staff replies written in WHMCS itself: the customer hears of each from the brand, once.
            if let notices, let (ticket, known) = before, let customer {
                let staff = messages.filter { $0.author == "staff" }
                let seen = known.filter { $0.author == "staff" }.count
                for (index, reply) in staff.enumerated() where index >= seen {
                    try await notices.sendStaffReply(
                        reply.body, index: index, on: ticket, to: customer, in: tenant, databases: databases)
                }
            }
        }
    }

    /// WHMCS's `yyyy-MM-dd HH:mm:ss` (UTC here); now when it cannot be read.
    static func whmcsDate(_ text: String) -> Date {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).compactMap { Int($0) }
        guard parts.count >= 5 else { return Date() }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(
            from: DateComponents(
                year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4],
                second: parts.count > 5 ? parts[5] : 0
            )) ?? Date()
    }

    /// Refreshes in the background when the copy (last refreshed at `refreshed`, which the page read with its data)
    /// is stale; the page shows what it has meanwhile.
    package func refreshIfStale(_ account: Account.ID, in tenant: Tenant, refreshedAt refreshed: Date?, now: Date) {
        if let refreshed, now.timeIntervalSince(refreshed) < Self.freshFor { return }
        let key = "\(tenant.id.rawValue)/\(account.rawValue)"
        guard scheduled.withLock({ $0.insert(key).inserted }) else { return }
        Task {
            defer { _ = self.scheduled.withLock { $0.remove(key) } }
            do {
                try await self.refresh(account, in: tenant)
            } catch {
                self.logger.warning(
                    "billing copy not refreshed",
                    metadata: [
                        "tenant": "\(tenant.slug)", "account": "\(account.rawValue)",
                        "reason": "\(TenantUpstreams.describe(error))",
                    ]
                )
            }
        }
    }
}
