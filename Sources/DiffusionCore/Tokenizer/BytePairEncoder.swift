import Foundation

/// CLIP's byte-pair encoding of one pre-tokenised word, with a cache of the words it has seen.
///
/// The word starts as its UTF-8 bytes' symbols, the last one carrying `</w>`; the adjacent pair with the
/// lowest merge rank is merged everywhere it occurs (left to right, without overlap) until no adjacent pair
/// has a merge. This is `SimpleTokenizer.bpe` / `CLIPTokenizer.bpe` on ids instead of strings.
final class BytePairEncoder: @unchecked Sendable {
    /// When the cache holds this many words it is emptied and starts again.
    static let cacheLimit = 100_000

    private let vocabulary: ClipVocabulary
    private let lock = NSLock()
    private var cache: [[UInt8]: [Int32]] = [:]  // guarded by `lock`

    init(vocabulary: ClipVocabulary) {
        self.vocabulary = vocabulary
    }

    /// The token ids of the word whose UTF-8 is `word`.
    func encode(_ word: [UInt8]) -> [Int32] {
        if let cached = lock.withLock({ cache[word] }) { return cached }
        let ids = merge(word)
        lock.withLock {
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[word] = ids
        }
        return ids
    }

    private func merge(_ word: [UInt8]) -> [Int32] {
        guard let last = word.last else { return [] }
        var symbols = word.dropLast().map { vocabulary.byteIDs[Int($0)] }
        symbols.append(vocabulary.finalByteIDs[Int(last)])
        while symbols.count > 1, let best = lowestRankedPair(in: symbols) {
            var merged: [Int32] = []
            merged.reserveCapacity(symbols.count - 1)
            var index = 0
            while index < symbols.count {
                if index + 1 < symbols.count, symbols[index] == best.left, symbols[index + 1] == best.right {
                    merged.append(best.merge.token)
                    index += 2
                } else {
                    merged.append(symbols[index])
                    index += 1
                }
            }
            symbols = merged
        }
        return symbols
    }

    private func lowestRankedPair(in symbols: [Int32]) -> (left: Int32, right: Int32, merge: BytePairMerge)? {
        var best: (left: Int32, right: Int32, merge: BytePairMerge)?
        for index in 1 ..< symbols.count {
            let left = symbols[index - 1], right = symbols[index]
            if let merge = vocabulary.merges[ClipVocabulary.pairKey(left, right)], merge.rank < best?.merge.rank ?? .max {
                best = (left, right, merge)
            }
        }
        return best
    }
}
