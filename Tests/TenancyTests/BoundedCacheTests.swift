import Testing

@testable import Tenancy

@Suite("Bounded cache")
struct BoundedCacheTests {
    @Test("a full cache drops the least recently used entries in a batch; a hit counts as a use")
    func leastRecentlyUsedGoFirst() {
        var cache = BoundedCache<Int, String>(capacity: 10)
        for key in 0..<10 { cache.insert("v\(key)", for: key) }
        // Keys 0 and 1 are read again, so 2 and 3 are now the oldest.
        #expect(cache.value(for: 0) == "v0")
        #expect(cache.value(for: 1) == "v1")
        cache.insert("v10", for: 10)
        // Over capacity by one: a batch of a tenth of the capacity (1) plus the excess (1) goes.
        #expect(cache.count == 9)
        #expect(cache.value(for: 2) == nil && cache.value(for: 3) == nil)
        for key in [0, 1, 4, 5, 6, 7, 8, 9, 10] { #expect(cache.value(for: key) == "v\(key)", "\(key)") }
        #expect(cache.value(for: 99) == nil)
        cache.insert("new", for: 4)
        #expect(cache.value(for: 4) == "new" && cache.count == 9)
        cache.removeValue(for: 4)
        #expect(cache.value(for: 4) == nil && cache.count == 8)
    }
}
