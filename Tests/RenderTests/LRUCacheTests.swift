import Testing
@testable import Render

struct LRUCacheTests {
    @Test func forgetsTheLeastRecentlyUsedEntryAndCounts() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.insert(1, for: "a")
        cache.insert(2, for: "b")
        #expect(cache.lookUp("a") == 1)  // "b" is now the least recently used
        cache.insert(3, for: "c")
        #expect(cache.lookUp("b") == nil)
        #expect(cache.lookUp("a") == 1 && cache.lookUp("c") == 3)
        #expect(cache.counts == CacheCounts(hits: 3, misses: 1, entries: 2))
    }

    @Test func capacityZeroKeepsNothing() {
        var cache = LRUCache<String, Int>(capacity: 0)
        cache.insert(1, for: "a")
        #expect(cache.lookUp("a") == nil)
        #expect(cache.counts == CacheCounts(hits: 0, misses: 1, entries: 0))
    }
}
