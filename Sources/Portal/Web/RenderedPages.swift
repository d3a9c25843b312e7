import Foundation
import NIOCore
import Synchronization
import Tenancy

/// Signed-in pages rendered before, kept with exactly what they were rendered from: a page is reused only when
/// every input (the data read for this request, the session's CSRF token, the brand's version) is equal, so it can
/// never be stale; it only saves the rendering, which costs more than the reads. Keyed by tenant and account, so
/// no page is ever served to another customer or another brand.
package final class RenderedPages<Inputs: Equatable & Sendable>: Sendable {
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
            return body
        }
        let body = ByteBuffer(string: try render())
        cache.withLock { $0.insert((inputs, body), for: key) }
        return body
    }
}
