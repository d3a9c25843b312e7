import Foundation
import Logging
import ServiceLifecycle

/// The loop every periodic job shares: every `interval`, one pass over the items the job picks (usually tenants),
/// each visited in turn with an optional pause between them, until the server shuts down.
///
/// A failure is logged with the item's label and never stops the pass, so one broken tenant cannot starve the others.
package struct TenantSweep<Item: Sendable>: Sendable {
    /// When the first pass runs.
    package enum Start: Sendable {
        /// At once: the job has catching up to do (health, backups).
        case immediately
        /// After one interval, so a restart storm never sweeps every tenant at once (reminders, renewals).
        case afterInterval
    }

    /// Names the job in log lines ("reminders", "backups").
    let name: String
    let interval: Duration
    let start: Start
    /// The items of one pass, read afresh each time.
    let items: @Sendable () async throws -> [Item]
    /// The pause before each item after the first, given how many there are.
    let pause: @Sendable (_ count: Int) -> Duration
    /// Does the job's work for one item; returns how much it did (reminders queued, renewals placed …).
    let visit: @Sendable (Item) async throws -> Int
    /// How an item is named in log lines.
    let label: @Sendable (Item) -> String
    let logger: Logger
    let sleep: @Sendable (Duration) async throws -> Void

    package init(
        name: String, interval: Duration, start: Start, logger: Logger,
        pause: @escaping @Sendable (_ count: Int) -> Duration = { _ in .zero },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        items: @escaping @Sendable () async throws -> [Item],
        label: @escaping @Sendable (Item) -> String,
        visit: @escaping @Sendable (Item) async throws -> Int
    ) {
        self.name = name
        self.interval = interval
        self.start = start
        self.items = items
        self.pause = pause
        self.visit = visit
        self.label = label
        self.logger = logger
        self.sleep = sleep
    }

    /// Runs passes until the task is cancelled or the server shuts down gracefully.
    package func run() async {
        await cancelWhenGracefulShutdown {
            var first = true
            while !Task.isCancelled {
                if !first || start == .immediately {
                    let done = await pass()
                    if done > 0 { logger.info("\(name) pass", metadata: ["job": "\(name)", "count": "\(done)"]) }
                }
                first = false
                do {
                    try await sleep(interval)
                } catch {
                    return
                }
            }
        }
    }

    /// One pass over the items; returns the total the visits reported.
    @discardableResult
    package func pass() async -> Int {
        let list: [Item]
        do {
            list = try await items()
        } catch {
            logger.error("\(name) could not list its work", metadata: ["job": "\(name)", "error": "\(error)"])
            return 0
        }
        let gap = pause(list.count)
        var done = 0
        for (index, item) in list.enumerated() {
            if Task.isCancelled { break }
            if index > 0, gap > .zero {
                do { try await sleep(gap) } catch { break }
            }
            do {
                done += try await visit(item)
            } catch is CancellationError {
                break
            } catch {
                logger.warning(
                    "\(name) skipped one", metadata: ["job": "\(name)", "item": "\(label(item))", "error": "\(error)"]
                )
            }
        }
        return done
    }
}
