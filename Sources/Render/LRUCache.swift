/// A map of at most `capacity` entries that forgets the least recently used one to make room, and
/// counts how often it was asked. A capacity of 0 keeps nothing (every lookup misses).
///
/// Not thread-safe: `ConditioningCaches` keeps it behind a lock. Eviction scans the entries, which is
/// cheap at the few hundred entries an executor keeps.
struct LRUCache<Key: Hashable, Value> {
    let capacity: Int
    private var entries: [Key: (value: Value, lastUse: UInt64)] = [:]
    private var useClock: UInt64 = 0
    private(set) var hits = 0
    private(set) var misses = 0

    init(capacity: Int) {
        precondition(capacity >= 0, "LRUCache: capacity \(capacity) is negative")
        self.capacity = capacity
    }

    /// The value for `key`, now the most recently used; counts a hit or a miss.
    mutating func lookUp(_ key: Key) -> Value? {
        guard let entry = entries[key] else {
            misses += 1
            return nil
        }
        hits += 1
        useClock += 1
        entries[key] = (entry.value, useClock)
        return entry.value
    }

    /// Keeps `value` for `key`, forgetting the least recently used entry when full.
    mutating func insert(_ value: Value, for key: Key) {
        guard capacity > 0 else { return }
        if entries[key] == nil, entries.count >= capacity,
           let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries.removeValue(forKey: oldest)
        }
        useClock += 1
        entries[key] = (value, useClock)
    }

    /// Hits, misses and the entries held.
    var counts: CacheCounts { CacheCounts(hits: hits, misses: misses, entries: entries.count) }
}
