/// A dictionary with a size bound that drops the least recently used entries in batches.
///
/// Hits only stamp a counter; eviction sorts once per batch of a tenth of the capacity,
/// which keeps the hit path as cheap as a dictionary update.
package struct BoundedCache<Key: Hashable, Value> {
    private var entries: [Key: (value: Value, lastUse: UInt64)] = [:]
    private var tick: UInt64 = 0
    package let capacity: Int

    package init(capacity: Int) {
        precondition(capacity > 0, "a cache needs room for at least one entry")
        self.capacity = capacity
    }

    package var count: Int { entries.count }

    package mutating func value(for key: Key) -> Value? {
        // One hash of the key: the hit is stamped in place through its index.
        guard let index = entries.index(forKey: key) else { return nil }
        tick += 1
        entries.values[index].lastUse = tick
        return entries.values[index].value
    }

    package mutating func insert(_ value: Value, for key: Key) {
        tick += 1
        entries[key] = (value, tick)
        if entries.count > capacity { evict() }
    }

    package mutating func removeValue(for key: Key) {
        entries[key] = nil
    }

    package mutating func removeAll() {
        entries.removeAll()
    }

    private mutating func evict() {
        let batch = max(1, capacity / 10) + (entries.count - capacity)
        let oldest = entries.sorted { $0.value.lastUse < $1.value.lastUse }.prefix(batch).map(\.key)
        for key in oldest { entries[key] = nil }
    }
}
