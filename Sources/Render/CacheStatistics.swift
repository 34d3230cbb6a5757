/// How many entries each of a `GeneratorExecutor`'s caches may hold; 0 turns a cache off.
public struct CacheLimits: Sendable, Hashable {
    /// Objects: CLIP image embeddings of object images (a few KB each).
    public var objects: Int
    /// Location latents, one per object image and box (16 KB each at 256 px).
    public var locations: Int
    /// Prompts: text embeddings for the model (about 300 KB each for customnet-v1), and CLIP-T
    /// embeddings for the metrics.
    public var prompts: Int
    /// Metric embeddings of reference images, the object images included (a few KB each).
    public var references: Int

    /// Limits, in entries.
    public init(objects: Int = 32, locations: Int = 64, prompts: Int = 256, references: Int = 128) {
        self.objects = objects
        self.locations = locations
        self.prompts = prompts
        self.references = references
    }
}

/// How often one cache was asked and answered, and what it holds.
public struct CacheCounts: Sendable, Hashable, CustomStringConvertible {
    /// Lookups answered from the cache.
    public var hits: Int
    /// Lookups that had to compute the value.
    public var misses: Int
    /// Entries held now.
    public var entries: Int

    /// Counts as read from a cache.
    public init(hits: Int, misses: Int, entries: Int) {
        self.hits = hits
        self.misses = misses
        self.entries = entries
    }

    /// `3/4 hits, 2 held`.
    public var description: String { "\(hits)/\(hits + misses) hits, \(entries) held" }
}

/// The counts of every cache of a `GeneratorExecutor`, for tests and logs.
public struct CacheStatistics: Sendable, Hashable, CustomStringConvertible {
    /// CLIP image embeddings of object images, keyed by the image's SHA-256.
    public var objectEmbeddings: CacheCounts
    /// Location latents, keyed by the object image's SHA-256 and the box.
    public var locationLatents: CacheCounts
    /// The model's text embeddings, keyed by prompt.
    public var textEmbeddings: CacheCounts
    /// Metric (DINO and CLIP image) embeddings of reference images, keyed by path and SHA-256.
    public var referenceEmbeddings: CacheCounts
    /// CLIP-T text embeddings, keyed by prompt.
    public var promptEmbeddings: CacheCounts

    /// One line for a log.
    public var description: String {
        "objects \(objectEmbeddings); locations \(locationLatents); prompts \(textEmbeddings); "
            + "metric references \(referenceEmbeddings); metric prompts \(promptEmbeddings)"
    }
}
