import AsyncHTTPClient
import Synchronization

/// HTTP clients that each connect one host name to one checked address (AsyncHTTPClient's `dnsOverride`), so a
/// connection never re-resolves the name. TLS still verifies the certificate for the name. Clients are kept for
/// reuse of their connections, at most `capacity` of them; the least recently used is shut down once no request
/// holds it.
package final class PinnedHTTPClients: Sendable {
    private struct Key: Hashable {
        var host: String
        var address: NetworkAddress
    }

    private struct Slot {
        var id: UInt64
        var client: HTTPClient
        var users: Int
        var lastUsed: UInt64
    }

    private struct State {
        var live: [Key: Slot] = [:]
        /// Evicted while in use: shut down when the last request lets go.
        var retiring: [UInt64: Slot] = [:]
        var tick: UInt64 = 0
    }

    private let configuration: HTTPClient.Configuration
    private let capacity: Int
    private let state = Mutex(State())

    package init(configuration: HTTPClient.Configuration, capacity: Int = 256) {
        self.configuration = configuration
        self.capacity = max(1, capacity)
    }

    /// How many clients are open, for tests and metrics.
    package var openClients: Int { state.withLock { $0.live.count + $0.retiring.count } }

    /// Runs `body` with the client for `host` pinned to `address`.
    package func withClient<T: Sendable>(
        host: String, address: NetworkAddress, _ body: (HTTPClient) async throws -> T
    ) async throws -> T {
        let key = Key(host: host, address: address)
        let (slot, evicted) = lease(key)
        if let evicted { shutDown(evicted) }
        do {
            let value = try await body(slot.client)
            release(key, slot.id)
            return value
        } catch {
            release(key, slot.id)
            throw error
        }
    }

    /// Shuts every client down; for tests and tools that make their own set.
    package func shutdown() async {
        let clients = state.withLock { state in
            let all = state.live.values.map(\.client) + state.retiring.values.map(\.client)
            state = State()
            return all
        }
        for client in clients { try? await client.shutdown() }
    }

    private func lease(_ key: Key) -> (Slot, evicted: HTTPClient?) {
        state.withLock { state in
            state.tick += 1
            if var slot = state.live[key] {
                slot.users += 1
                slot.lastUsed = state.tick
                state.live[key] = slot
                return (slot, nil)
            }
            var pinned = configuration
            // AsyncHTTPClient looks the override up by the URL's host as written, IPv6 in brackets.
            pinned.dnsOverride = [key.host: key.address.description, "[\(key.host)]": key.address.description]
            let slot = Slot(
                id: state.tick, client: HTTPClient(eventLoopGroupProvider: .singleton, configuration: pinned),
                users: 1, lastUsed: state.tick)
            state.live[key] = slot
            var evicted: HTTPClient?
            if state.live.count > capacity, let oldest = state.live.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                state.live[oldest.key] = nil
                if oldest.value.users == 0 {
                    evicted = oldest.value.client
                } else {
                    state.retiring[oldest.value.id] = oldest.value
                }
            }
            return (slot, evicted)
        }
    }

    private func release(_ key: Key, _ id: UInt64) {
        let finished: HTTPClient? = state.withLock { state in
            if var slot = state.live[key], slot.id == id {
                slot.users -= 1
                state.live[key] = slot
                return nil
            }
            guard var slot = state.retiring[id] else { return nil }
            slot.users -= 1
            if slot.users > 0 {
                state.retiring[id] = slot
                return nil
            }
            state.retiring[id] = nil
            return slot.client
        }
        if let finished { shutDown(finished) }
    }

    private func shutDown(_ client: HTTPClient) {
        Task { try? await client.shutdown() }
    }
}
