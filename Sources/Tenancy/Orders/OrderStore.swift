import Foundation
import GRDB

/// Why an order action was refused.
package enum OrderError: Error, Equatable, CustomStringConvertible {
    case notFound
    case notRetryable
    case notCancellable
    case noSetupTask
    /// Another order already has this public number (drawn at random): draw again.
    case numberTaken
    /// An open order already renews this object; `detail` is the storage's own words, for the log.
    case renewalAlreadyOpen(detail: String)

    package var description: String {
        switch self {
        case .numberTaken: "another order already has this number"
        case .renewalAlreadyOpen(let detail): "a renewal of this object is already open (\(detail))"
        case .notFound: "no such order"
        case .notRetryable: "only a failed order can be retried"
        case .notCancellable: "an active or cancelled order cannot be cancelled here"
        case .noSetupTask: "this order has no open setup task"
        }
    }
}

/// An order with its jobs, for the order pages.
package struct OrderDetail: Sendable, Hashable {
    package var order: Order
    package var jobs: [OrderJob]
    package var setupTask: SetupTask?
    package var customer: Account?
}

/// Orders, their pipeline jobs and billing profiles of one tenant: each method is one transaction.
package struct OrderStore: Sendable {
    let pool: DatabasePool

    // MARK: Customers

    package func profile(of account: Account.ID) async throws -> CustomerProfile? {
        try await pool.read { db in try CustomerProfile.fetchOne(db, key: account.rawValue) }
    }

    package func saveProfile(_ profile: CustomerProfile) async throws {
        try await pool.write { db in try profile.save(db) }
    }

    /// Writes the order, its first job, its confirmation email and an audit entry together. A second submission
    /// with the same idempotency key returns the first order and writes nothing.
    package func place(
        _ order: Order, profile: CustomerProfile?, confirmation: OutgoingMail?, actor: Account, ip: String,
        now: Date = Date()
    ) async throws -> (order: Order, isNew: Bool) {
        do {
            return try await insertOrder(
                order, profile: profile, confirmation: confirmation, actor: actor, ip: ip, now: now)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            if (error.message ?? "").contains("orders.number") { throw OrderError.numberTaken }
            if order.renewalOf != nil { throw OrderError.renewalAlreadyOpen(detail: error.message ?? "") }
            throw error
        }
    }

    private func insertOrder(
        _ order: Order, profile: CustomerProfile?, confirmation: OutgoingMail?, actor: Account, ip: String, now: Date
    ) async throws -> (order: Order, isNew: Bool) {
        try await pool.write { db in
            if let existing = try Order.filter(
                Column("account_id") == order.accountID && Column("idempotency_key") == order.idempotencyKey
            )
            .fetchOne(db) {
                return (existing, false)
            }
            if let profile { try profile.save(db) }
            var order = order
            try order.insert(db)
            var job = OrderJob(orderID: order.id!, step: .client, now: now)
            try job.insert(db)
            if let confirmation { try AccountStore.insertMail(db, confirmation, now: now) }
            try AccountStore.appendAudit(
                db, "order.placed", actor: actor, target: "order \(order.number)",
                detail: "\(order.productName) \(order.cycle?.rawValue ?? "") \(order.domain)".trimmingCharacters(
                    in: .whitespaces),
                ip: ip, now: now
            )
            return (order, true)
        }
    }

    /// The customer's order placed with this form's idempotency key, if any.
    package func order(idempotencyKey key: String, of account: Account.ID) async throws -> Order? {
        try await pool.read { db in
            try Order.filter(Column("account_id") == account.rawValue && Column("idempotency_key") == key).fetchOne(db)
        }
    }

    package func order(_ id: Order.ID) async throws -> Order? {
        try await pool.read { db in try Order.fetchOne(db, key: id.rawValue) }
    }

    /// The order only when it belongs to `account`: another customer's id reads as missing.
    package func order(_ id: Order.ID, of account: Account.ID) async throws -> OrderDetail? {
        try await pool.read { db in
            guard
                let order = try Order.filter(Column("id") == id.rawValue && Column("account_id") == account).fetchOne(
                    db)
            else {
                return nil
            }
            return try Self.detail(db, order)
        }
    }

    package func detail(_ id: Order.ID) async throws -> OrderDetail? {
        try await pool.read { db in
            guard let order = try Order.fetchOne(db, key: id.rawValue) else { return nil }
            return try Self.detail(db, order)
        }
    }

    private static func detail(_ db: Database, _ order: Order) throws -> OrderDetail {
        OrderDetail(
            order: order,
            jobs: try OrderJob.filter(Column("order_id") == order.id).order(Column("id")).fetchAll(db),
            setupTask: try SetupTask.fetchOne(
                db, sql: "SELECT * FROM setup_tasks WHERE order_id = ?", arguments: [order.id]),
            customer: try Account.fetchOne(db, key: order.accountID.rawValue)
        )
    }

    /// A customer's orders, newest first.
    package func orders(of account: Account.ID, limit: Int = 50, offset: Int = 0) async throws -> [Order] {
        try await pool.read { db in
            try Order.filter(Column("account_id") == account).order(Column("id").desc).limit(limit, offset: offset)
                .fetchAll(db)
        }
    }

    /// Orders for staff, newest first, optionally of some statuses; with the total for paging.
    package func orders(statuses: Set<Order.Status>? = nil, limit: Int = 50, offset: Int = 0) async throws -> (
        orders: [Order], total: Int
    ) {
        try await pool.read { db in
            var request = Order.all()
            if let statuses { request = request.filter(statuses.map(\.rawValue).contains(Column("status"))) }
            return (
                try request.order(Column("id").desc).limit(limit, offset: offset).fetchAll(db),
                try request.fetchCount(db)
            )
        }
    }

    package func statusCounts() async throws -> [Order.Status: Int] {
        try await pool.read { db in
            var counts: [Order.Status: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM orders GROUP BY status") {
                if let status = Order.Status(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    // MARK: Pipeline

    /// The oldest queued job that is due, if any.
    package func nextDueJob(now: Date) async throws -> OrderJob? {
        try await pool.read { db in
            try OrderJob.filter(Column("state") == "queued" && Column("run_after") <= now).order(Column("id")).fetchOne(
                db)
        }
    }

    /// Whether one of the account's orders was billed on WHMCS invoice `invoice`.
    package func hasOrder(of account: Account.ID, invoice: Int) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM orders WHERE account_id = ? AND whmcs_invoice_id = ? LIMIT 1",
                arguments: [account, invoice]) ?? false
        }
    }

    /// How many orders the brand has (a currency can change only before the first).
    package func count() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM orders") ?? 0 }
    }

    /// When the next queued job is due; nil when none is queued.
    package func nextJobTime() async throws -> Date? {
        try await pool.read { db in
            try Date.fetchOne(db, sql: "SELECT min(run_after) FROM order_jobs WHERE state = 'queued'")
        }
    }

    /// When the next queued job is due, and the tenant's job and outbox figures, in one read.
    package func nextJobTimeAndFigures() async throws -> (Date?, JobFigures) {
        try await pool.read { db in
            (
                try Date.fetchOne(db, sql: "SELECT min(run_after) FROM order_jobs WHERE state = 'queued'"),
                try JobFigures.read(db)
            )
        }
    }

    /// Stores what a step learnt before it goes on (a client id, an order baseline), so a crash resumes from it.
    @discardableResult
    package func update(_ id: Order.ID, now: Date = Date(), _ change: @Sendable (inout Order) -> Void) async throws
        -> Order
    {
        try await pool.write { db in
            guard var order = try Order.fetchOne(db, key: id.rawValue) else { throw OrderError.notFound }
            change(&order)
            order.updatedAt = now
            try order.update(db)
            return order
        }
    }

    /// Finishes a job: records the order's changes, queues the next step (or marks the order done), writes the
    /// optional email and setup task, all in one transaction. A job that is no longer queued is left alone.
    @discardableResult
    package func finish(
        _ job: OrderJob, now: Date = Date(), mail: OutgoingMail? = nil, setupTask: String? = nil,
        _ change: @Sendable (inout Order) -> Void = { _ in }
    ) async throws -> Order? {
        try await pool.write { db -> Order? in
            guard var current = try OrderJob.fetchOne(db, key: job.id), current.state == .queued,
                var order = try Order.fetchOne(db, key: job.orderID.rawValue)
            else { return nil }
            current.state = .done
            current.finishedAt = now
            current.lastError = nil
            try current.update(db)
            change(&order)
            if let next = job.step.next {
                var nextJob = OrderJob(orderID: job.orderID, step: next, now: now)
                try nextJob.insert(db)
                order.status = next.orderStatus
            } else if let setupTask {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO setup_tasks (order_id, description, created_at) VALUES (?, ?, ?)",
                    arguments: [order.id, setupTask, now]
                )
                order.status = .needsSetup
                try AccountStore.appendSystemAudit(
                    db, "order.needs_setup", system: "pipeline", target: "order \(order.number)", detail: setupTask,
                    now: now)
            } else {
                order.status = .active
                order.activatedAt = now
                try AccountStore.appendSystemAudit(
                    db, "order.activated", system: "pipeline", target: "order \(order.number)", now: now)
            }
            order.failure = nil
            order.updatedAt = now
            try order.update(db)
            if let mail { try AccountStore.insertMail(db, mail, now: now) }
            return order
        }
    }

    /// A failed attempt that will be tried again at `runAfter`.
    package func reschedule(_ job: OrderJob, error: String, runAfter: Date, countAttempt: Bool = true) async throws {
        try await pool.write { db in
            guard var current = try OrderJob.fetchOne(db, key: job.id), current.state == .queued else { return }
            if countAttempt { current.attempts += 1 }
            current.lastError = String(error.prefix(500))
            current.runAfter = runAfter
            try current.update(db)
        }
    }

    /// Parks a job that ran out of retries: the order is failed with the reason, for staff to retry or cancel.
    package func park(_ job: OrderJob, error: String, now: Date = Date()) async throws {
        try await pool.write { db in
            guard var current = try OrderJob.fetchOne(db, key: job.id), current.state == .queued,
                var order = try Order.fetchOne(db, key: job.orderID.rawValue)
            else { return }
            current.state = .failed
            current.attempts += 1
            current.lastError = String(error.prefix(500))
            current.finishedAt = now
            try current.update(db)
            order.status = .failed
            order.failure = "\(job.step.rawValue): \(error.prefix(480))"
            order.updatedAt = now
            try order.update(db)
            try AccountStore.appendSystemAudit(
                db, "order.failed", system: "pipeline", target: "order \(order.number)", detail: order.failure ?? "",
                now: now)
        }
    }

    /// Queues the failed step again.
    package func retry(_ id: Order.ID, actor: Account, ip: String, now: Date = Date()) async throws -> Order {
        try await pool.write { db in
            guard var order = try Order.fetchOne(db, key: id.rawValue) else { throw OrderError.notFound }
            guard order.status == .failed,
                let failed = try OrderJob.filter(Column("order_id") == id.rawValue && Column("state") == "failed")
                    .order(Column("id").desc).fetchOne(db)
            else { throw OrderError.notRetryable }
            var job = OrderJob(orderID: id, step: failed.step, now: now)
            try job.insert(db)
            order.status = failed.step.orderStatus
            order.updatedAt = now
            try order.update(db)
            try AccountStore.appendAudit(
                db, "order.retried", actor: actor, target: "order \(order.number)", detail: failed.step.rawValue,
                ip: ip, now: now)
            return order
        }
    }

    /// Cancels an order that is not active: queued jobs stop. What already exists upstream is left for staff.
    package func cancel(_ id: Order.ID, actor: Account, ip: String, now: Date = Date()) async throws -> Order {
        try await pool.write { db in
            guard var order = try Order.fetchOne(db, key: id.rawValue) else { throw OrderError.notFound }
            guard order.status != .active, order.status != .cancelled else { throw OrderError.notCancellable }
            try db.execute(
                sql:
                    "UPDATE order_jobs SET state = 'cancelled', finished_at = ? WHERE order_id = ? AND state = 'queued'",
                arguments: [now, id.rawValue]
            )
            try db.execute(
                sql: "UPDATE setup_tasks SET status = 'done', done_at = ? WHERE order_id = ? AND status = 'open'",
                arguments: [now, id.rawValue])
            order.status = .cancelled
            order.updatedAt = now
            try order.update(db)
            try AccountStore.appendAudit(
                db, "order.cancelled", actor: actor, target: "order \(order.number)", detail: "", ip: ip, now: now)
            return order
        }
    }

    /// Staff finished a manual setup: the order becomes active, with the activation email.
    package func completeSetup(_ id: Order.ID, actor: Account, ip: String, mail: OutgoingMail?, now: Date = Date())
        async throws -> Order
    {
        try await pool.write { db in
            guard var order = try Order.fetchOne(db, key: id.rawValue), order.status == .needsSetup else {
                throw OrderError.noSetupTask
            }
            try db.execute(
                sql: "UPDATE setup_tasks SET status = 'done', done_at = ? WHERE order_id = ?",
                arguments: [now, id.rawValue])
            order.status = .active
            order.activatedAt = now
            order.updatedAt = now
            try order.update(db)
            if let mail { try AccountStore.insertMail(db, mail, now: now) }
            try AccountStore.appendAudit(
                db, "order.setup_completed", actor: actor, target: "order \(order.number)", detail: "", ip: ip, now: now
            )
            return order
        }
    }

    /// An upgrade or cancellation of the service that is still under way, if any.
    package func pendingChange(of serviceID: Int, account: Account.ID) async throws -> Order? {
        try await pool.read { db in
            try Order.filter(
                Column("target_service_id") == serviceID && Column("account_id") == account.rawValue
                    && ["awaiting_payment", "paid", "provisioning", "failed", "needs_setup"].contains(Column("status"))
            ).fetchOne(db)
        }
    }

    /// WHMCS order ids already taken by other orders of this tenant, so a lost-answer lookup never adopts them.
    package func claimedWHMCSOrders(except id: Order.ID) async throws -> Set<Int> {
        try await pool.read { db in
            Set(
                try Int.fetchAll(
                    db, sql: "SELECT whmcs_order_id FROM orders WHERE whmcs_order_id IS NOT NULL AND id != ?",
                    arguments: [id.rawValue]))
        }
    }

    /// Whether the customer already has a hosting account (or one being made) on `domain`.
    package func hasHosting(_ account: Account.ID, domain: String) async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT 1 FROM hosting_accounts WHERE account_id = ? AND domain = ?",
                arguments: [account.rawValue, domain])
                ?? false
        }
    }
}

extension TenantDatabase {
    /// Orders, pipeline jobs and billing profiles.
    package var orders: OrderStore { OrderStore(pool: pool) }
}
