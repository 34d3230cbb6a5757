import CMalloc

/// How the C allocator treats the blocks the ops free: kept for reuse, or handed back to the kernel.
///
/// A UNet step allocates and frees hundreds of megabytes in blocks of 0.1–32 MB (activations, im2col
/// columns, Winograd buffers). By default glibc maps blocks above its threshold afresh and trims the
/// heap's free top, so reusing memory costs a page fault and a zeroed page per 4 KiB: about 1.3 million
/// faults per `customnet bench generator` run here, 7–15 % of a UNet step's wall time (2.09–2.30 s
/// against 1.95–1.96 s, 2 cores, Zen 4). Keeping freed blocks makes the process hold its high-water
/// mark (the peak resident memory is the same) instead of returning memory between ops.
public enum FreedMemoryPolicy {
    /// glibc's largest mmap threshold on 64-bit systems; blocks above it are always mapped afresh.
    static let largestMmapThreshold: Int32 = 32 << 20

    /// Serves blocks up to 32 MB from the heap and never trims it. Process-wide; call once at start-up,
    /// before the first op.
    public static func keepFreedBlocksForReuse() {
        _ = mallopt(M_MMAP_THRESHOLD, largestMmapThreshold)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
    }
}
