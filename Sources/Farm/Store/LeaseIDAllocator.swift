import GRDB
import Synchronization

/// Hands out lease ids (fencing tokens) that only ever grow, also across restarts and crashes.
///
/// Ids are reserved from the persisted high-water mark in `meta` a block at a time, inside the write
/// transaction that uses the first id of the block, so no id above the persisted mark is ever stored.
/// If that transaction rolls back, `forgetReservation()` drops the in-memory block; the next
/// allocation reserves again above both the persisted mark and every id already handed out.
final class LeaseIDAllocator: Sendable {
    private struct Block {
        /// The next id to hand out.
        var next: Int64
        /// The last id of the reserved block; `next > last` means no block is held.
        var last: Int64
    }

    /// How many ids one reservation covers.
    let blockSize: Int64
    private let block = Mutex(Block(next: 1, last: 0))

    init(blockSize: Int64) {
        self.blockSize = max(blockSize, 1)
    }

    /// The next id, reserving a new block in `db` (the caller's write transaction) when needed.
    func allocate(in db: Database) throws -> Int64 {
        try block.withLock { block in
            if block.next > block.last {
                let persisted = try FarmStore.metaInteger(FarmStoreSchema.MetaKey.leaseIDHighWaterMark, in: db)
                let first = max(block.next, persisted + 1)
                let last = first + blockSize - 1
                try FarmStore.setMeta(FarmStoreSchema.MetaKey.leaseIDHighWaterMark, to: String(last), in: db)
                block = Block(next: first, last: last)
            }
            defer { block.next += 1 }
            return block.next
        }
    }

    /// Drops the in-memory block, whose reservation may not have been persisted.
    func forgetReservation() {
        block.withLock { $0.last = $0.next - 1 }
    }
}
