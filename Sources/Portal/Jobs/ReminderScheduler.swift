import Branding
import Foundation
import Integrations
import Logging
import ServiceLifecycle
import Tenancy

/// Queues renewal reminders (30, 14, 7 and 1 days before a service's or domain's next due date) and overdue-invoice reminders
/// (1, 7 and 14 days after the due date) for every customer linked to WHMCS, counted in calendar days of the
/// tenant's time zone.
///
/// Each reminder goes out at most once per (object, due date, threshold): the record and the email are one
/// transaction. After downtime only the nearest threshold is sent, never a burst; if the clock goes back, a
/// threshold is skipped when a nearer one was already sent.
package struct ReminderScheduler: Service {
    package static let renewalThresholds = [30, 14, 7, 1]
    package static let overdueThresholds = [1, 7, 14]

    let registry: TenantRegistry
    let databases: TenantDatabases
    let upstreams: TenantUpstreams
    let flows: AccountFlows
    let realm: @Sendable (Tenant) -> any AccountRealm
    let queue: MailQueue
    /// Reads each customer's billing copy on every pass, so invoices and payments made in WHMCS itself (by staff, a
    /// gateway or a renewal) get their branded emails within an interval even when the customer never looks.
    let refresher: BillingRefresher?
    let interval: Duration
    let now: @Sendable () -> Date
    let logger: Logger

    package init(
        registry: TenantRegistry, databases: TenantDatabases, upstreams: TenantUpstreams, flows: AccountFlows,
        realm: @escaping @Sendable (Tenant) -> any AccountRealm, queue: MailQueue, refresher: BillingRefresher? = nil,
        interval: Duration = .seconds(3600),
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.registry = registry
        self.databases = databases
        self.upstreams = upstreams
        self.flows = flows
        self.realm = realm
        self.queue = queue
        self.refresher = refresher
        self.interval = interval
        self.now = now
        self.logger = logger
    }

    package func run() async throws {
        await sweep.run()
    }

    /// Every active tenant, once an hour; a brand without WHMCS is skipped quietly.
    private var sweep: TenantSweep<Tenant> {
        TenantSweep(
            name: "reminders", interval: interval, start: .afterInterval, logger: logger,
            items: { [registry] in registry.jobTenants.filter { $0.status == .active } },
            label: { $0.slug.rawValue },
            visit: { tenant in
                do {
                    return try await remind(tenant)
                } catch UpstreamError.notConfigured {
                    return 0
                }
            }
        )
    }

    /// One pass over every active tenant; returns how many reminders were queued.
    @discardableResult
    package func runOnce() async -> Int {
        await sweep.pass()
    }

    private struct Customer: Sendable {
        let account: Account
        let clientID: Int
    }

    private func remind(_ tenant: Tenant) async throws -> Int {
        let (customers, zone) = try await databases.withDatabase(for: tenant) { database in
            var customers: [Customer] = []
            for link in try await database.upstreams.billingClients() {
                if let account = try await database.accounts.account(link.accountID) {
                    customers.append(Customer(account: account, clientID: link.clientID))
                }
            }
            return (customers, try await TenantMailSettings.load(from: database.accounts).zone)
        }
        guard !customers.isEmpty else { return 0 }
        let (whmcs, _) = try await upstreams.whmcs(for: tenant)
        let realm = realm(tenant)
        let look = try await realm.emailLook(siteURL: flows.services.link(primaryHost: realm.linkHost, path: ""))
        let accountURL = flows.services.link(primaryHost: realm.linkHost, path: AccountPaths.home.link())
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: now())
        var queued = 0
        for customer in customers {
            do {
                // The customer's language writes their reminders, amounts and dates included.
                queued += try await flows.speaking(customer.account.language, look: look) {
                    try await remindCustomer(
                        customer, tenant: tenant, look: look, whmcs: whmcs, calendar: calendar, zone: zone,
                        today: today,
                        accountURL: accountURL)
                }
            } catch {
                // One customer's bad data (or a refused address) never stops the others' reminders.
                logger.warning(
                    "reminders skipped for a customer",
                    metadata: [
                        "tenant": "\(tenant.slug)", "account": "\(customer.account.id.rawValue)", "error": "\(error)",
                    ])
            }
        }
        return queued
    }

    /// Queues `customer`'s due reminders; returns how many.
    private func remindCustomer(
        _ customer: Customer, tenant: Tenant, look: EmailLook, whmcs: WHMCSClient, calendar: Calendar,
        zone: TimeZone, today: Date, accountURL: String
    ) async throws -> Int {
        var queued = 0
        try await refresher?.refresh(customer.account.id, in: tenant)
        let recipient = MailAddress(name: customer.account.name, address: customer.account.email)
        // Services and domains renew alike: one list of (object, name, domain, due date, price).
        let services = try await whmcs.services(clientID: customer.clientID, page: .init(start: 0, size: 250))
            .items
            .filter { $0.status == "Active" }
            .map { ("service:\($0.id)", $0.name, $0.domain, $0.nextDueDate, $0.recurringAmountMinor) }
        let domains = try await whmcs.domains(clientID: customer.clientID, page: .init(start: 0, size: 250))
            .items
            .filter { $0.status == "Active" }
            .map {
                ("domain:\($0.id)", "Domain registration", $0.name, $0.nextDueDate, $0.recurringAmountMinor)
            }
        for (object, name, domain, dueDate, amount) in services + domains {
            guard let due = Self.day(dueDate, calendar),
                let days = calendar.dateComponents([.day], from: today, to: due).day,
                let threshold = Self.renewalThresholds.filter({ days >= 0 && days <= $0 }).min()
            else { continue }
            let variables = [
                "service.name": name, "service.domain": domain, "renewal.date": Self.long(due, zone),
                "renewal.amount": Self.money(amount, look), "link": accountURL,
            ]
            if try await send(
                .renewalReminder, object: object, dueDate: dueDate, threshold: threshold,
                nearerIs: { $0 <= threshold }, variables: variables, to: recipient, tenant: tenant, look: look
            ) {
                queued += 1
            }
        }
        for invoice in try await whmcs.invoices(
            clientID: customer.clientID, status: "Unpaid", page: .init(start: 0, size: 250)
        ).items {
            // Only the threshold just passed (within a week): a first run never mails years-old invoices.
            guard let due = Self.day(invoice.dueDate, calendar),
                let late = calendar.dateComponents([.day], from: due, to: today).day,
                let threshold = Self.overdueThresholds.filter({ late >= $0 }).max(), late <= threshold + 7
            else { continue }
            let variables = [
                "invoice.number": invoice.number.isEmpty ? String(invoice.id) : invoice.number,
                "invoice.total": Self.money(invoice.totalMinor, look), "invoice.due_date": Self.long(due, zone),
                "days_overdue": String(late), "link": accountURL,
            ]
            if try await send(
                .invoiceOverdue, object: "invoice:\(invoice.id)", dueDate: invoice.dueDate,
                threshold: threshold,
                nearerIs: { $0 >= threshold }, variables: variables, to: recipient, tenant: tenant, look: look
            ) {
                queued += 1
            }
        }
        return queued
    }

    /// Queues one reminder unless this threshold, or a nearer one, was already sent for the object and due date.
    private func send(
        _ kind: EmailKind, object: String, dueDate: String, threshold: Int, nearerIs: (Int) -> Bool,
        variables: [String: String], to recipient: MailAddress, tenant: Tenant, look: EmailLook
    ) async throws -> Bool {
        let sent = try await databases.withDatabase(for: tenant) {
            try await $0.accounts.remindedThresholds(object: object, dueDate: dueDate)
        }
        guard !sent.contains(where: nearerIs) else { return false }
        let rendered = try flows.render(kind, look: look, to: recipient, variables: variables)
        let mail = try flows.outgoing(rendered, look: look, to: recipient, kind: kind.name)
        try await queue.willQueue(.tenant(tenant.id))
        let queued = try await databases.withDatabase(for: tenant) { database in
            try await database.accounts.queueReminder(
                object: object, dueDate: dueDate, threshold: threshold, mail: mail, now: now())
        }
        if queued { queue.notify(.tenant(tenant.id)) }
        return queued
    }

    /// `2026-12-25` as the start of that day in the tenant's zone.
    static func day(_ text: String, _ calendar: Calendar) -> Date? {
        let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, parts[0] > 1970 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    static func long(_ date: Date, _ zone: TimeZone) -> String {
        DisplayCalendar.longDate(date, in: zone)
    }

    static func money(_ minor: Int64, _ look: EmailLook) -> String {
        Money.format(minor: minor, currency: look.facts.currency)
    }
}
