import DiffusionCore
import Foundation
import Tensor

/// The executor's conditioning and metric caches behind one lock. A value is looked up and stored
/// under the lock but computed outside it, so a slow encoder never holds the lock.
final class ConditioningCaches {
    /// Where a location latent comes from: the object image's contents and the box.
    struct LocationKey: Hashable {
        let imageDigest: String
        let x0, y0, x1, y1: Int

        init(imageDigest: String, box: Box) {
            self.imageDigest = imageDigest
            (x0, y0, x1, y1) = (box.x0, box.y0, box.x1, box.y1)
        }
    }

    /// A reference image file: its path and the SHA-256 of its contents when it was read, so a file
    /// replaced in place is embedded again.
    struct ReferenceKey: Hashable {
        let path: String
        let digest: String
    }

    struct Store {
        var objectEmbeddings: LRUCache<String, Tensor>
        var locationLatents: LRUCache<LocationKey, Tensor>
        var textEmbeddings: LRUCache<String, Tensor>
        var referenceEmbeddings: LRUCache<ReferenceKey, ImageEmbeddings>
        var promptEmbeddings: LRUCache<String, UnitEmbedding>
    }

    private let lock = NSLock()
    private var store: Store  // guarded by `lock`

    init(limits: CacheLimits) {
        store = Store(objectEmbeddings: LRUCache(capacity: limits.objects), locationLatents: LRUCache(capacity: limits.locations),
                      textEmbeddings: LRUCache(capacity: limits.prompts), referenceEmbeddings: LRUCache(capacity: limits.references),
                      promptEmbeddings: LRUCache(capacity: limits.prompts))
    }

    /// The value `cache` holds for `key`, or the one `compute` gives, which is then kept.
    func value<Key, Value, Failure: Error>(
        in cache: WritableKeyPath<Store, LRUCache<Key, Value>>, for key: Key, compute: () throws(Failure) -> Value
    ) throws(Failure) -> Value {
        if let known = lock.withLock({ store[keyPath: cache].lookUp(key) }) { return known }
        let computed = try compute()
        lock.withLock { store[keyPath: cache].insert(computed, for: key) }
        return computed
    }

    var statistics: CacheStatistics {
        lock.withLock {
            CacheStatistics(objectEmbeddings: store.objectEmbeddings.counts, locationLatents: store.locationLatents.counts,
                            textEmbeddings: store.textEmbeddings.counts, referenceEmbeddings: store.referenceEmbeddings.counts,
                            promptEmbeddings: store.promptEmbeddings.counts)
        }
    }
}
