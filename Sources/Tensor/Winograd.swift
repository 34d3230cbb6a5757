import Synchronization

/// 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, 2015): each
/// 2×2 block of output pixels comes from a 4×4 input patch through 16 products instead of 36, so the
/// convolution becomes 16 GEMMs of `(cout × cin) · (cin × tiles)`, 2.25× fewer operations than im2col's
/// one GEMM. The transforms only add, subtract and halve, so the result differs from the direct sum by
/// float roundings (tested within 2e-6 of Σ|w·x|), not by an approximation.
///
/// Work is cut into chunks of whole tile rows, numbered across the batch and chosen from the shape alone;
/// within a chunk every output value is computed by one fixed sequence of operations, so results do not
/// depend on the thread count.
enum Winograd {
    /// Output pixels (over the whole batch) below which im2col wins: at 4² planes (32 pixels at batch 2)
    /// the 16 GEMMs would have 8 columns, while im2col's one GEMM of 32 columns runs in the narrow product
    /// (`Compute.narrowKernel`) at about 180 GFLOP/s (4²×1280: 5.2 ms). With the filters transformed
    /// block by block (see `multiplyInBlocks`), 8² planes at batch 2 (128 pixels) win: 8²×1280
    /// 18.1–18.5 ms against im2col's 21.8 ms, 15.9–16.2 ms once the 32-tile GEMMs went to the narrow
    /// product, 10.0–10.2 ms with kept filters (2 cores, Zen 4, OpenBLAS Cooperlake kernel, sgemm ≈ 195
    /// GFLOP/s). On Zen 5 (sgemm ≈ 290–400 GFLOP/s), once the filter transform streamed well (see
    /// `componentStride`): 8²×1280 6.5 ms, 6.1 ms with kept filters; 4²×1280 through im2col 2.7 ms.
    static let minimumOutputPixels = 128

    /// Whether F(2×2, 3×3) pays for itself here: 3×3, stride 1, enough input channels for the 16 GEMMs'
    /// reduction (the UNet's and VAE's first convolutions have 8 and 3), and enough output pixels that
    /// the GEMMs are not bound by reading the weights (see `minimumOutputPixels`).
    static func suits(_ g: ConvolutionGeometry, batch: Int) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1 && g.inChannels >= 32 && batch * g.outPlane >= minimumOutputPixels
    }

    /// Floats of transformed input per chunk (8 MiB), so that it and the products stay in the
    /// last-level cache between the transforms and the GEMMs.
    static let chunkFloats = 2 << 20

    /// Output channels per block when filters too large to transform once per call are worked in
    /// blocks: each block's filter transform (unless they are kept), 16 GEMMs and output transform run
    /// as one task on one thread, so its filters and products stay in cache. 64 gave 12.5–13.0 ms at
    /// 16²×640 against 13.3–13.5 ms with 32 (im2col: 20.5 ms), and keeps the UNet's 640–1280-channel
    /// convolutions at 10–20 blocks for the threads.
    static let outChannelsPerBlock = 64

    /// Transformed filters above this many floats (16 MiB, half of this machine's last-level cache) are
    /// transformed block by block inside each chunk instead of once for the whole call: a block's
    /// filters stay in cache for its 16 GEMMs, while a whole-call buffer (105 MB for 1280→1280) would be
    /// read back from memory by every chunk.
    static let largestFiltersTransformedOnce = 4 << 20

    /// `output (n, cout, ho, wo) = conv2d(x, weight) + bias`; `g` describes one image. `chunkFloats` and
    /// `largestFiltersTransformedOnce` are there for tests, which need several chunks and filters
    /// transformed per block on small shapes.
    /// `filters`: the transformed weights from `transformedFilters(_:)`, or nil to transform them here.
    static func convolve(_ x: Tensor, weight: Tensor, filters: WinogradFilters? = nil, bias: Tensor?, geometry g: ConvolutionGeometry,
                         into output: UnsafeMutablePointer<Float>, chunkFloats: Int = chunkFloats,
                         largestFiltersTransformedOnce: Int = largestFiltersTransformedOnce) {
        let batch = x.shape[0], inChannels = g.inChannels, outChannels = weight.shape[0]
        let tileRows = (g.outHeight + 1) / 2, tileColumns = (g.outWidth + 1) / 2
        // Tile rows are numbered across the batch (image · tileRows + row), so small planes share GEMMs.
        let allTileRows = batch * tileRows
        let rowsPerChunk = max(1, min(allTileRows, chunkFloats / (16 * inChannels * tileColumns)))
        let chunkTiles = rowsPerChunk * tileColumns

        if let filters {
            precondition(filters.outChannels == outChannels && filters.inChannels == inChannels,
                         "Winograd: filters for \(filters.outChannels) × \(filters.inChannels) channels are not those of weight \(weight.shape)")
        }
        // Large filters are worked in blocks of output channels, transforming each block's own in every
        // chunk unless they are kept: one transform per chunk, worth it only for filters too large to stay
        // in cache. Kept or not, the same shapes take the same path, so the same products.
        let inBlocks = 16 * outChannels * inChannels > largestFiltersTransformedOnce
        let wholeFilters = inBlocks ? nil : (filters ?? transformedFilters(weight))
        let transformedInput = UnsafeMutablePointer<Float>.allocate(capacity: 16 * inChannels * chunkTiles)
        defer { transformedInput.deallocate() }

        let layout = TileLayout(geometry: g, tileRows: tileRows, tileColumns: tileColumns)
        var firstRow = 0
        while firstRow < allTileRows {
            let rows = min(rowsPerChunk, allTileRows - firstRow), tiles = rows * tileColumns
            Compute.parallelFor(inChannels) { channel in
                transformInput(x.basePointer, channel: channel, layout: layout, firstTileRow: firstRow, tileRows: rows,
                               into: transformedInput + channel * tiles, componentStride: inChannels * tiles)
            }
            let chunk = Chunk(layout: layout, firstTileRow: firstRow, tileRows: rows, input: transformedInput, inChannels: inChannels,
                              outChannels: outChannels, bias: bias, output: output)
            if let wholeFilters {
                multiply(chunk, by: wholeFilters)
            } else {
                multiplyInBlocks(chunk, filters: filters, weight: weight)
            }
            firstRow += rows
        }
    }

    /// One chunk of tile rows whose input is transformed: `input` holds component `e` of input channel
    /// `c` for tile `t` at `(e · inChannels + c) · tiles + t`.
    struct Chunk {
        let layout: TileLayout
        let firstTileRow, tileRows: Int
        let input: UnsafeMutablePointer<Float>
        let inChannels, outChannels: Int
        let bias: Tensor?
        let output: UnsafeMutablePointer<Float>
        var tiles: Int { tileRows * layout.tileColumns }

        /// `Y = Aᵀ M A + bias` for output channels `first ..< first + count`: component `e` of channel
        /// `first + o` is at `products + e · componentStride + o · tiles`.
        func transformOutput(_ products: UnsafePointer<Float>, first: Int, count: Int, componentStride: Int) {
            for o in 0..<count {
                Winograd.transformOutput(products + o * tiles, componentStride: componentStride, bias: bias?.basePointer[first + o] ?? 0,
                                         channel: first + o, outChannels: outChannels, layout: layout, firstTileRow: firstTileRow,
                                         tileRows: tileRows, into: output)
            }
        }
    }

    /// The chunk's 16 GEMMs over all output channels at once, one per thread at a time, then its output
    /// transform.
    private static func multiply(_ chunk: Chunk, by filters: WinogradFilters) {
        let outChannels = chunk.outChannels, inChannels = chunk.inChannels, tiles = chunk.tiles
        let products = UnsafeMutablePointer<Float>.allocate(capacity: 16 * outChannels * tiles)
        defer { products.deallocate() }
        Compute.parallelFor(16) { component in
            Compute.productOnThisThread(m: outChannels, n: tiles, k: inChannels,
                                        a: filters.component(component), lda: inChannels,
                                        b: chunk.input + component * inChannels * tiles, ldb: tiles,
                                        c: products + component * outChannels * tiles, ldc: tiles)
        }
        Compute.parallelFor(outChannels) { channel in
            chunk.transformOutput(products + channel * tiles, first: channel, count: 1, componentStride: outChannels * tiles)
        }
    }

    /// The chunk's work in blocks of `outChannelsPerBlock` output channels, each a task on one thread:
    /// the block's 16 GEMMs and its output transform, after transforming the block's filters into a
    /// buffer of its own unless they are kept (`filters`). Kept filters go through the same products,
    /// of the same shapes, so they give the same bits: OpenBLAS picks its kernels, and so its order of
    /// summation, by shape (at full size, whole-matrix GEMMs for kept filters against 64-row ones per
    /// block gave a different ε).
    private static func multiplyInBlocks(_ chunk: Chunk, filters: WinogradFilters?, weight: Tensor) {
        let outChannels = chunk.outChannels, inChannels = chunk.inChannels, tiles = chunk.tiles
        let blockSize = outChannelsPerBlock
        let blocks = (outChannels + blockSize - 1) / blockSize
        let weights = weight.basePointer, kernels = KernelSet.active
        Compute.parallelFor(blocks) { block in
            let first = block * blockSize, count = min(blockSize, outChannels - first)
            let products = UnsafeMutablePointer<Float>.allocate(capacity: 16 * count * tiles)
            defer { products.deallocate() }
            let blockFilters: UnsafePointer<Float>, filterStride: Int
            var transformed: UnsafeMutablePointer<Float>?
            defer { transformed?.deallocate() }
            if let filters {
                blockFilters = filters.component(0) + first * inChannels
                filterStride = filters.componentStride
            } else {
                filterStride = componentStride(filters: count * inChannels)
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 16 * filterStride)
                for o in 0..<count {
                    kernels.winogradFilters(weights + (first + o) * inChannels * 9, buffer + o * inChannels, inChannels, filterStride)
                }
                transformed = buffer
                blockFilters = UnsafePointer(buffer)
            }
            for component in 0..<16 {
                Compute.productOnThisThread(m: count, n: tiles, k: inChannels,
                                            a: blockFilters + component * filterStride, lda: inChannels,
                                            b: chunk.input + component * inChannels * tiles, ldb: tiles,
                                            c: products + component * count * tiles, ldc: tiles)
            }
            chunk.transformOutput(products, first: first, count: count, componentStride: count * tiles)
        }
    }

    /// Where tile row `r` (numbered across the batch) lies: its image and its row in that image.
    struct TileLayout {
        let geometry: ConvolutionGeometry
        let tileRows, tileColumns: Int
        func image(ofTileRow r: Int) -> Int { r / tileRows }
        func rowInImage(ofTileRow r: Int) -> Int { r % tileRows }
    }

    /// The distance in floats between the components of `filters` transformed filters: `filters`
    /// rounded up to an odd number of 64-byte lines, so that the 16 streams of stores in
    /// `Kernels.winogradFilters` fall in 16 different sets of the L1 cache. At a multiple of 4 KiB (a
    /// block of 64 × 1280 filters is 320 KiB) they all fell in one: 1280 × 1280 filters took 6.6 ms on
    /// one core instead of 3.3 ms in a standalone copy of the loop (Zen 5).
    static func componentStride(filters: Int) -> Int {
        let lines = (filters + 15) / 16
        return (lines | 1) * 16
    }

    /// `U = G g Gᵀ` for every (cout, cin) filter of `weight` `(cout, cin, 3, 3)`.
    static func transformedFilters(_ weight: Tensor) -> WinogradFilters {
        let outChannels = weight.shape[0], inChannels = weight.shape[1], kernels = KernelSet.active
        let stride = componentStride(filters: outChannels * inChannels)
        let (storage, u) = Tensor.uninitialized([16 * stride])
        let w = weight.basePointer
        Compute.parallelFor(outChannels) { o in
            kernels.winogradFilters(w + o * inChannels * 9, u + o * inChannels, inChannels, stride)
        }
        return WinogradFilters(storage: storage, outChannels: outChannels, inChannels: inChannels, componentStride: stride)
    }

    /// `V = Bᵀ d B` for every 4×4 patch `d` of one input channel in the chunk's tile rows; component `e`
    /// of the chunk's tile `t` goes to `v[e · componentStride + t]`. The patch rows are first copied
    /// into a zero-padded buffer, so the kernel needs no bounds checks.
    private static func transformInput(_ input: UnsafePointer<Float>, channel: Int, layout: TileLayout, firstTileRow: Int,
                                       tileRows: Int, into v: UnsafeMutablePointer<Float>, componentStride: Int) {
        let g = layout.geometry, n = layout.tileColumns, kernels = KernelSet.active
        // Room for the kernel's full-vector reads past the last tile (see `winogradInput`).
        let rowStride = 2 * n + 34
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: 4 * rowStride)
        defer { rows.deallocate() }
        rows.initialize(repeating: 0, count: 4 * rowStride)
        // Input columns 0 ..< width land at padded columns left ..< left + width, clipped to the patches.
        let firstColumn = max(0, -g.padding.left), lastColumn = min(g.width, 2 * n + 2 - g.padding.left)
        for tileRow in 0..<tileRows {
            let globalRow = firstTileRow + tileRow
            let plane = input + (layout.image(ofTileRow: globalRow) * g.inChannels + channel) * g.height * g.width
            for r in 0..<4 {
                let y = 2 * layout.rowInImage(ofTileRow: globalRow) + r - g.padding.top
                let row = rows + r * rowStride
                if y >= 0 && y < g.height && lastColumn > firstColumn {
                    (row + firstColumn + g.padding.left).update(from: plane + y * g.width + firstColumn, count: lastColumn - firstColumn)
                } else {
                    row.update(repeating: 0, count: rowStride)
                }
            }
            kernels.winogradInput(rows, rowStride, n, v + tileRow * n, componentStride)
        }
    }

    /// `Y = Aᵀ M A + bias` for every tile of one output channel in the chunk's tile rows; writes the 2×2
    /// blocks, cut to the output plane.
    private static func transformOutput(_ m: UnsafePointer<Float>, componentStride: Int, bias: Float, channel: Int, outChannels: Int,
                                        layout: TileLayout, firstTileRow: Int, tileRows: Int, into output: UnsafeMutablePointer<Float>) {
        let g = layout.geometry, n = layout.tileColumns, kernels = KernelSet.active
        let rowStride = 2 * n
        let pixels = UnsafeMutablePointer<Float>.allocate(capacity: 2 * rowStride)
        defer { pixels.deallocate() }
        for tileRow in 0..<tileRows {
            let globalRow = firstTileRow + tileRow
            let plane = output + (layout.image(ofTileRow: globalRow) * outChannels + channel) * g.outPlane
            kernels.winogradOutput(m + tileRow * n, componentStride, n, bias, pixels, rowStride)
            for a in 0..<2 {
                let y = 2 * layout.rowInImage(ofTileRow: globalRow) + a
                if y < g.outHeight { (plane + y * g.outWidth).update(from: pixels + a * rowStride, count: g.outWidth) }
            }
        }
    }
}

/// A convolution's filters in the Winograd domain, one `(cout × cin)` row-major matrix per component:
/// component `e` of filter `(o, c)` is at `e · componentStride + o · inChannels + c`.
struct WinogradFilters: Sendable {
    let storage: Tensor
    let outChannels, inChannels, componentStride: Int

    /// Where the matrix of component `e` starts.
    func component(_ e: Int) -> UnsafePointer<Float> { storage.basePointer + e * componentStride }
}

/// One convolution's filters in the Winograd domain, kept after the first call that needs them so later
/// calls skip the transform. They take 16/9 of the 3×3
/// weights' memory: about 2.3 GB for the customnet-v1 UNet. A layer owns one per convolution and passes
/// it to `Ops.conv2d` while `Compute.keepsWinogradFilters` is on.
public final class WinogradFilterCache: Sendable {
    private let filters = Mutex<WinogradFilters?>(nil)

    public init() {}

    /// Whether the filters have been computed and kept.
    public var isFilled: Bool { filters.withLock { $0 != nil } }

    /// The transformed `weight`, computed on the first call. `weight` must be the same tensor every time.
    func filters(for weight: Tensor) -> WinogradFilters {
        filters.withLock { kept in
            if let kept { return kept }
            let computed = Winograd.transformedFilters(weight)
            kept = computed
            return computed
        }
    }
}
