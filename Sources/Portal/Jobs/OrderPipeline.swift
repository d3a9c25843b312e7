import Foundation
import Integrations
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import Tenancy

/// How often and how long a pipeline step is retried after a failure.
package struct PipelineRetryPolicy: Sendable {
    package var maximumAttempts = 6
    package var baseDelay: TimeInterval = 15
    package var maximumDelay: TimeInterval = 900
    /// How often a live order's invoice is checked for payment: first after `paymentPollMinimum`, then less often
    /// the longer it stays unpaid, at most every `paymentPollMaximum`.
    package var paymentPollMinimum: TimeInterval = 30
    package var paymentPollMaximum: TimeInterval = 3600

    package init() {}

    /// The wait after failed attempt `attempt` (1-based): exponential, capped, with jitter.
    func delay(afterAttempt attempt: Int) -> TimeInterval {
        min(maximumDelay, baseDelay * pow(2, Double(attempt - 1))) * Double.random(in: 0.5...1)
    }
}

/// Carries orders through their steps (client → order → payment → accept → provision), one job at a time per
/// tenant so a customer's orders never race each other upstream, several tenants at once.
///
/// Every step first looks at what it stored and at the upstream before it writes: a crash or a lost answer at
/// any point resumes with exactly one WHMCS client, one WHMCS order and one WHM account.
package struct OrderPipeline: Service {
    static let parallelTenants = 4

    let steps: OrderSteps
    let queue: OrderQueue
    let registry: TenantRegistry
    let databases: TenantDatabases
    let platform: PlatformDatabase
    let policy: PipelineRetryPolicy
    /// Held (flock) while this process runs jobs, so two processes on one data folder never run the same job.
    let lockPath: String
    /// Card payments and refunds to carry into WHMCS, in the same per-tenant worker as the tenant's jobs.
    let cards: CardPayments?
    /// Told after every pass of the worker, for `/internal/ready`.
    let heartbeat: @Sendable () -> Void
    /// Told when an order is parked: its brand's owners and admins are alerted.
    let alerts: AlertDesk?
    let now: @Sendable () -> Date
    let logger: Logger

    package init(
        steps: OrderSteps, queue: OrderQueue, registry: TenantRegistry, databases: TenantDatabases,
        platform: PlatformDatabase,
        policy: PipelineRetryPolicy, lockPath: String, cards: CardPayments? = nil,
        heartbeat: @escaping @Sendable () -> Void = {}, alerts: AlertDesk? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.alerts = alerts
        self.lockPath = lockPath
        self.cards = cards
        self.heartbeat = heartbeat
        self.steps = steps
        self.queue = queue
        self.registry = registry
        self.databases = databases
        self.platform = platform
        self.policy = policy
        self.now = now
        self.logger = logger
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            // One process per data folder runs jobs; a second one (an overlapping restart) waits for the lock, which
            // the kernel releases the moment the holder exits, even by SIGKILL.
            guard let lock = await acquireLock() else { return }
            defer { close(lock) }
            await sweep()
            await QueueDrain(
                parallel: Self.parallelTenants, now: now, takeDue: { queue.takeDue(now: $0) },
                putBack: { queue.notify($0, at: $1) }, work: { await work($0) }, onRound: heartbeat
            ).run()
        }
    }

    private func acquireLock() async -> Int32? {
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            logger.error(
                "the order pipeline lock cannot be opened; orders will not be processed",
                metadata: ["path": "\(lockPath)"])
            return nil
        }
        var warned = false
        while !Task.isCancelled {
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return descriptor }
            if !warned {
                logger.warning(
                    "another portal process runs the order pipeline for this data folder; waiting for it to stop")
                warned = true
            }
            try? await Task.sleep(for: .seconds(1))
        }
        close(descriptor)
        return nil
    }

    /// At start: every tenant on the pending list gets its next job scheduled; no other database is opened.
    private func sweep() async {
        do {
            for id in try await platform.tenantsWithPendingJobs() {
                queue.notify(id)
            }
        } catch {
            logger.error("the pending order list could not be read", metadata: ["error": "\(error)"])
        }
    }

    /// Runs the tenant's due jobs one after another, then schedules the next or clears the pending hint.
    private func work(_ id: Tenant.ID) async {
        // Gone, or held by another node of the cluster (which runs its jobs): nothing to do here.
        guard let tenant = registry.snapshot.tenantsByID[id], registry.holds(id) else {
            try? await platform.clearJobsPending(id, checkedAt: now())
            return
        }
        // Held here, but the job lease is not (yet) this node's: a tenant that just arrived. Look again shortly.
        guard registry.runsJobs(id) else {
            queue.notify(id, at: now().addingTimeInterval(1))
            return
        }
        do {
            // Card payments first: applying one wakes the order waiting for it, which then runs below.
            let cardsWaiting = await cards?.applyPending(tenant) ?? false
            var ran = 0
            while !Task.isCancelled, ran < 20,
                let job = try await databases.withDatabase(for: tenant, { try await $0.orders.nextDueJob(now: now()) })
            {
                // Unstructured: a started step finishes and records its outcome even during shutdown.
                let step = Task { await run(job, tenant: tenant) }
                await step.value
                ran += 1
            }
            let checkedAt = now()
            let (nextJob, figures) = try await databases.withDatabase(
                for: tenant, { try await $0.orders.nextJobTimeAndFigures() })
            var next = nextJob
            try await BlockingIO.run { [platform] in try platform.recordJobFigures(figures, of: id) }
            if cardsWaiting {
                // WHMCS or Stripe did not answer: try the card work again in a minute.
                let retry = now().addingTimeInterval(60)
                next = min(next ?? retry, retry)
            }
            if let next {
                // Still work (a retry, a live payment to wait for): keep the durable hint for a restart to find.
                try await platform.markJobsPending(id)
                queue.notify(id, at: next)
            } else {
                try await platform.clearJobsPending(id, checkedAt: checkedAt)
            }
        } catch {
            logger.error("order jobs could not be read", metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            queue.notify(id, at: now().addingTimeInterval(30))
        }
    }

    /// Owners and admins hear once that an order (or a renewal) waits for them; the alert clears when staff retry,
    /// complete or cancel it (`AlertWatch`).
    private func alertParked(_ order: Order, reason: String, tenant: Tenant) async {
        let renewal = order.renewalOf != nil
        await alerts?.raise(
            tenant, incident: "order:\(order.id!.rawValue)", kind: renewal ? "renewal" : "order",
            title: renewal
                ? "The renewal of \(order.domain) failed (order \(order.number))"
                : "Order \(order.number) is waiting for staff",
            detail: "\(reason). Retry, complete or cancel it in the staff area.",
            actionPath: AdminPaths.order.link(order.id!.rawValue))
    }

    /// One attempt of one job; whatever happens, the job is finished, rescheduled or parked.
    private func run(_ job: OrderJob, tenant: Tenant) async {
        let started = ContinuousClock.now
        let running = Meter(label: "portal_pipeline_jobs_running")
        running.increment()
        defer { running.decrement() }
        var outcome = "done"
        do {
            switch try await steps.perform(job, tenant: tenant) {
            case .finished:
                break
            case .waiting(let reason, let retryAt):
                outcome = "waiting"
                try await databases.withDatabase(for: tenant) {
                    try await $0.orders.reschedule(job, error: reason, runAfter: retryAt, countAttempt: false)
                }
            }
        } catch {
            let reason = OrderSteps.describe(error)
            let attempts = job.attempts + 1
            do {
                if OrderSteps.isPermanent(error) || attempts >= policy.maximumAttempts {
                    outcome = "parked"
                    let order = try await databases.withDatabase(for: tenant) {
                        try await $0.orders.park(job, error: reason, now: now())
                        return try await $0.orders.order(job.orderID)
                    }
                    if let order { await alertParked(order, reason: reason, tenant: tenant) }
                } else {
                    outcome = "retry"
                    let retryAt = now().addingTimeInterval(policy.delay(afterAttempt: attempts))
                    try await databases.withDatabase(for: tenant) {
                        try await $0.orders.reschedule(job, error: reason, runAfter: retryAt)
                    }
                }
            } catch {
                logger.error(
                    "order job outcome could not be stored",
                    metadata: ["tenant": "\(tenant.slug)", "error": "\(error)"])
            }
            logger.warning(
                "order step failed",
                metadata: [
                    "tenant": "\(tenant.slug)", "order": "\(job.orderID)", "step": "\(job.step.rawValue)",
                    "attempt": "\(attempts)",
                    "outcome": "\(outcome)", "reason": "\(reason)",
                ]
            )
            return
        }
        let duration = ContinuousClock.now - started
        logger.info(
            "order step",
            metadata: [
                "tenant": "\(tenant.slug)", "order": "\(job.orderID)", "step": "\(job.step.rawValue)",
                "outcome": "\(outcome)",
                "duration_ms":
                    "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)",
            ]
        )
    }
}
