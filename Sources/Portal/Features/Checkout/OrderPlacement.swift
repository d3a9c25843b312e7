import Foundation
import Tenancy

/// Writes a new order (and its first job, and its email) under a random public number, announcing the work to the
/// pipeline and the mail worker before and after the commit: one path for checkout and for service changes.
struct OrderPlacement {
    let databases: TenantDatabases
    let queue: OrderQueue
    let mailQueue: MailQueue

    /// `make` builds the order (and its optional email, profile) for a number; a number already taken (one in
    /// ninety million) is drawn again. A replayed idempotency key returns the first order.
    func place(
        in tenant: Tenant, mailbox: Mailbox, actor: Account, ip: String, now: Date,
        make: (_ number: String) async throws -> (order: Order, profile: CustomerProfile?, mail: OutgoingMail?)
    ) async throws -> Order {
        try await queue.willQueue(tenant.id)
        for _ in 0..<3 {
            let (order, profile, mail) = try await make(String(Int.random(in: 10_000_000...99_999_999)))
            if mail != nil { try await mailQueue.willQueue(mailbox) }
            do {
                let placed = try await databases.withDatabase(for: tenant) { database in
                    try await database.orders.place(
                        order, profile: profile, confirmation: mail, actor: actor, ip: ip, now: now
                    ).order
                }
                // Again after the commit: the pipeline may have cleared the hint between the first mark and the commit.
                try await queue.willQueue(tenant.id)
                queue.notify(tenant.id)
                if mail != nil { mailQueue.notify(mailbox) }
                return placed
            } catch OrderError.numberTaken {
                continue
            }
        }
        throw OrderError.notFound
    }
}
