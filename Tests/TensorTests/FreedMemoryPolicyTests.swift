import CMalloc
import Testing
import Tensor

/// `FreedMemoryPolicy` really moves glibc's mmap threshold: once applied, a 24 MB block comes from the
/// heap (reusable after `free` without page faults) instead of a fresh mapping. glibc's default
/// threshold starts at 128 KiB, so without the policy the block is mapped and the test fails.
struct FreedMemoryPolicyTests {
    @Test func blocksBelowTheLargestThresholdComeFromTheHeap() {
        FreedMemoryPolicy.keepFreedBlocksForReuse()
        let bytes = 24 << 20
        let mappedBefore = mallinfo2().hblkhd
        let block = malloc(bytes)
        let mappedAfter = mallinfo2().hblkhd
        free(block)
        #expect(block != nil)
        #expect(mappedAfter - mappedBefore < bytes, "a \(bytes)-byte block was mapped afresh (\(mappedAfter - mappedBefore) bytes more in mmapped regions)")
    }
}
