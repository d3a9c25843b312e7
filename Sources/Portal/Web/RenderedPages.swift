import Foundation
import NIOCore
import Synchronization
import Tenancy

/// What a signed-in page is rendered from.
package protocol PageInputs: Equatable, Sendable {
    /// Whether both were built from the very same reads (`StampedRead`), so equal without comparing the values.
    func sameReads(as other: Self) -> Bool
}

extension PageInputs {
    /// Inputs without stamped reads are only ever compared by value.
    package func sameReads(as other: Self) -> Bool { true }
}

/// Signed-in pages rendered before, kept with exactly what they were rendered from: a page is reused only when
/// every input (the data read for this request, the session's CSRF token, the brand's version) is equal, so it can
/// never be stale; it only saves the rendering, which costs more than the reads. Keyed by tenant and account, so
/// no page is ever served to another customer or another brand.
package final class RenderedPages<Inputs: PageInputs>: Sendable {
    private struct Key: Hashable {
        let tenant: Tenant.ID
        let account: Account.ID
    }

    private let cache: Mutex<BoundedCache<Key, (Inputs, ByteBuffer)>>

    package init(capacity: Int) {
        cache = Mutex(BoundedCache(capacity: capacity))
    }

    /// The page rendered from `inputs`, from memory when it was rendered from equal inputs before.
    package func page(tenant: Tenant.ID, account: Account.ID, inputs: Inputs, render: () throws -> String) rethrows
        -> ByteBuffer
    {
        let key = Key(tenant: tenant, account: account)
        if let (cachedInputs, body) = cache.withLock({ $0.value(for: key) }), cachedInputs == inputs {
            // Equal, but read again (after a commit elsewhere in the database): keep the newer inputs, so the next
            // request is matched on its reads' stamps rather than by comparing the values once more.
            if !cachedInputs.sameReads(as: inputs) { cache.withLock { $0.insert((inputs, body), for: key) } }
            return body
        }
        let body = ByteBuffer(string: try render())
        cache.withLock { $0.insert((inputs, body), for: key) }
        return body
    }
}
