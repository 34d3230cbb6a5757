import Synchronization

/// 3×3 stride-1 convolution by Winograd's minimal filtering (Lavin & Gray, 2015). F(m×m, 3×3) computes
/// each m×m block of output pixels from an (m + 2)×(m + 2) input patch through (m + 2)² products, so the
/// convolution becomes (m + 2)² GEMMs of `(cout × cin) · (cin × tiles)`: F(2×2, 3×3) does 2.25× fewer
/// operations than im2col's one GEMM, F(4×4, 3×3) 4× fewer. F(2×2, 3×3)'s transforms only add, subtract
/// and halve (tested within 2e-6 of Σ|w·x| of the direct sum); F(4×4, 3×3)'s multiply by up to 8 and by
/// ⅙, which costs more roundings (tested within 5e-6).
///
/// Work is cut into chunks of whole tile rows, numbered across the batch and chosen from the shape alone;
/// within a chunk every output value is computed by one fixed sequence of operations, so results do not
/// depend on the thread count.
enum Winograd {
    /// One of the two algorithms: `outputSide` 2 or 4 output pixels per tile side.
    struct Algorithm: Sendable, Equatable, CustomStringConvertible {
        let outputSide: Int
        var inputSide: Int { outputSide + 2 }
        /// Products per tile, and GEMMs per chunk: 16 or 36.
        var components: Int { inputSide * inputSide }
        var transforms: KernelSet.WinogradTransforms { outputSide == 2 ? KernelSet.active.winograd2x2 : KernelSet.active.winograd4x4 }
        var description: String { "F(\(outputSide)×\(outputSide), 3×3)" }

        static let f2x2 = Algorithm(outputSide: 2), f4x4 = Algorithm(outputSide: 4)
    }

    /// Output pixels (over the whole batch) below which im2col wins: at 4² planes (32 pixels at batch 2)
    /// the 16 GEMMs have 8 columns and both ways are bound by reading the weights. With the filters
    /// transformed block by block (see `multiplyTransformingFilters`), 8² planes at batch 2 (128 pixels)
    /// win too: 8²×1280 18.1–18.5 ms against im2col's 21.8 ms, 14.0–14.3 ms with kept filters (2 cores,
    /// OpenBLAS Cooperlake kernel, sgemm ≈ 195 GFLOP/s); the UNet step 1.94–1.97 s → 1.86–1.90 s.
    static let minimumOutputPixels = 128

    /// Tiles (over the whole batch) from which F(4×4, 3×3) beats F(2×2, 3×3): its 36 GEMMs need enough
    /// columns to run near the BLAS peak.
    static let minimumTilesFor4x4 = 128

    /// The algorithm for this convolution, or nil where im2col is faster: Winograd needs 3×3, stride 1,
    /// enough input channels for the GEMMs' reduction (the UNet's and VAE's first convolutions have 8
    /// and 3), and enough output pixels that the GEMMs are not bound by reading the weights (see
    /// `minimumOutputPixels`); F(4×4, 3×3) where it has `minimumTilesFor4x4` tiles.
    static func algorithm(for g: ConvolutionGeometry, batch: Int) -> Algorithm? {
        guard g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1 && g.inChannels >= 32
              && batch * g.outPlane >= minimumOutputPixels else { return nil }
        let tiles4x4 = batch * ((g.outHeight + 3) / 4) * ((g.outWidth + 3) / 4)
        return tiles4x4 >= minimumTilesFor4x4 ? .f4x4 : .f2x2
    }

    /// Floats of transformed input per chunk (8 MiB), so that it and the products stay in the
    /// last-level cache between the transforms and the GEMMs.
    static let chunkFloats = 2 << 20

    /// Output channels per block when filters are transformed block by block: each block's filter
    /// transform, GEMMs and output transform run as one task on one thread, so its filters and
    /// products stay in cache. 64 gave 12.5–13.0 ms at 16²×640 against 13.3–13.5 ms with 32 (im2col:
    /// 20.5 ms), and keeps the UNet's 640–1280-channel convolutions at 10–20 blocks for the threads.
    static let outChannelsPerBlock = 64

    /// Transformed filters above this many floats (16 MiB, half of this machine's last-level cache) are
    /// transformed block by block inside each chunk instead of once for the whole call: a block's
    /// filters stay in cache for its GEMMs, while a whole-call buffer (105 MB for 1280→1280 in
    /// F(2×2, 3×3)) would be read back from memory by every chunk.
    static let largestFiltersTransformedOnce = 4 << 20

    /// `output (n, cout, ho, wo) = conv2d(x, weight) + bias` by `algorithm`; `g` describes one image.
    /// `chunkFloats` and `largestFiltersTransformedOnce` are there for tests, which need several chunks
    /// and filters transformed per block on small shapes.
    /// `filters`: the transformed weights from `transformedFilters(_:algorithm:)`, or nil to transform them here.
    static func convolve(_ x: Tensor, weight: Tensor, filters: Tensor? = nil, bias: Tensor?, geometry g: ConvolutionGeometry,
                         algorithm: Algorithm, into output: UnsafeMutablePointer<Float>, chunkFloats: Int = chunkFloats,
                         largestFiltersTransformedOnce: Int = largestFiltersTransformedOnce) {
        let batch = x.shape[0], inChannels = g.inChannels, outChannels = weight.shape[0]
        let side = algorithm.outputSide, components = algorithm.components
        let tileRows = (g.outHeight + side - 1) / side, tileColumns = (g.outWidth + side - 1) / side
        // Tile rows are numbered across the batch (image · tileRows + row), so small planes share GEMMs.
        let allTileRows = batch * tileRows
        let rowsPerChunk = max(1, min(allTileRows, chunkFloats / (components * inChannels * tileColumns)))
        let chunkTiles = rowsPerChunk * tileColumns

        if let filters {
            precondition(filters.shape == [components, outChannels, inChannels],
                         "Winograd \(algorithm): filters \(filters.shape) are not those of weight \(weight.shape)")
        }
        // Filters for the whole call, or nil when each block transforms its own in every chunk: that
        // costs one transform per chunk, worth it only for filters too large to stay in cache.
        let wholeFilters = filters
            ?? (components * outChannels * inChannels > largestFiltersTransformedOnce ? nil : transformedFilters(weight, algorithm: algorithm))
        let transformedInput = UnsafeMutablePointer<Float>.allocate(capacity: components * inChannels * chunkTiles)
        defer { transformedInput.deallocate() }
        Compute.prepareSingleThreadedBLAS()

        let layout = TileLayout(geometry: g, algorithm: algorithm, tileRows: tileRows, tileColumns: tileColumns)
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
                multiplyTransformingFilters(chunk, weight: weight)
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
        var components: Int { layout.algorithm.components }

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

    /// The chunk's GEMMs over all output channels at once, one per thread at a time, then its output
    /// transform.
    private static func multiply(_ chunk: Chunk, by filters: Tensor) {
        let outChannels = chunk.outChannels, inChannels = chunk.inChannels, tiles = chunk.tiles
        let products = UnsafeMutablePointer<Float>.allocate(capacity: chunk.components * outChannels * tiles)
        defer { products.deallocate() }
        Compute.parallelFor(chunk.components) { component in
            Compute.productOnThisThread(m: outChannels, n: tiles, k: inChannels,
                                        a: filters.basePointer + component * outChannels * inChannels, lda: inChannels,
                                        b: chunk.input + component * inChannels * tiles, ldb: tiles,
                                        c: products + component * outChannels * tiles, ldc: tiles)
        }
        Compute.parallelFor(outChannels) { channel in
            chunk.transformOutput(products + channel * tiles, first: channel, count: 1, componentStride: outChannels * tiles)
        }
    }

    /// The chunk's work in blocks of `outChannelsPerBlock` output channels, each a task on one thread:
    /// transform the block's filters, its GEMMs, its output transform.
    private static func multiplyTransformingFilters(_ chunk: Chunk, weight: Tensor) {
        let outChannels = chunk.outChannels, inChannels = chunk.inChannels, tiles = chunk.tiles, components = chunk.components
        let blockSize = outChannelsPerBlock
        let blocks = (outChannels + blockSize - 1) / blockSize
        let weights = weight.basePointer, transformFilters = chunk.layout.algorithm.transforms.filters
        Compute.parallelFor(blocks) { block in
            let first = block * blockSize, count = min(blockSize, outChannels - first)
            let filters = UnsafeMutablePointer<Float>.allocate(capacity: components * count * inChannels)
            let products = UnsafeMutablePointer<Float>.allocate(capacity: components * count * tiles)
            defer { filters.deallocate(); products.deallocate() }
            for o in 0..<count {
                transformFilters(weights + (first + o) * inChannels * 9, filters + o * inChannels, inChannels, count * inChannels)
            }
            for component in 0..<components {
                Compute.productOnThisThread(m: count, n: tiles, k: inChannels,
                                            a: filters + component * count * inChannels, lda: inChannels,
                                            b: chunk.input + component * inChannels * tiles, ldb: tiles,
                                            c: products + component * count * tiles, ldc: tiles)
            }
            chunk.transformOutput(products, first: first, count: count, componentStride: count * tiles)
        }
    }

    /// Where tile row `r` (numbered across the batch) lies: its image and its row in that image.
    struct TileLayout {
        let geometry: ConvolutionGeometry
        let algorithm: Algorithm
        let tileRows, tileColumns: Int
        func image(ofTileRow r: Int) -> Int { r / tileRows }
        func rowInImage(ofTileRow r: Int) -> Int { r % tileRows }
    }

    /// `U = G g Gᵀ` for every (cout, cin) filter of `weight` `(cout, cin, 3, 3)`: `(components, cout,
    /// cin)`, one matrix per component.
    static func transformedFilters(_ weight: Tensor, algorithm: Algorithm) -> Tensor {
        let outChannels = weight.shape[0], inChannels = weight.shape[1], transform = algorithm.transforms.filters
        let (filters, u) = Tensor.uninitialized([algorithm.components, outChannels, inChannels])
        let w = weight.basePointer
        Compute.parallelFor(outChannels) { o in
            transform(w + o * inChannels * 9, u + o * inChannels, inChannels, outChannels * inChannels)
        }
        return filters
    }

    /// `V = Bᵀ d B` for every input patch `d` of one input channel in the chunk's tile rows; component
    /// `e` of the chunk's tile `t` goes to `v[e · componentStride + t]`. The patch rows are first copied
    /// into a zero-padded buffer, so the kernel needs no bounds checks.
    private static func transformInput(_ input: UnsafePointer<Float>, channel: Int, layout: TileLayout, firstTileRow: Int,
                                       tileRows: Int, into v: UnsafeMutablePointer<Float>, componentStride: Int) {
        let g = layout.geometry, n = layout.tileColumns, side = layout.algorithm.outputSide, patchSide = layout.algorithm.inputSide
        let transform = layout.algorithm.transforms.input
        // The patches cover padded columns 0 ..< side · n + 2; the kernels read full vectors up to 64
        // floats past the last tile (see `Kernels.winograd2x2Input` and `…4x4Input`).
        let rowStride = side * n + 64
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: patchSide * rowStride)
        defer { rows.deallocate() }
        rows.initialize(repeating: 0, count: patchSide * rowStride)
        // Input columns 0 ..< width land at padded columns left ..< left + width, clipped to the patches.
        let firstColumn = max(0, -g.padding.left), lastColumn = min(g.width, side * n + 2 - g.padding.left)
        for tileRow in 0..<tileRows {
            let globalRow = firstTileRow + tileRow
            let plane = input + (layout.image(ofTileRow: globalRow) * g.inChannels + channel) * g.height * g.width
            for r in 0..<patchSide {
                let y = side * layout.rowInImage(ofTileRow: globalRow) + r - g.padding.top
                let row = rows + r * rowStride
                if y >= 0 && y < g.height && lastColumn > firstColumn {
                    (row + firstColumn + g.padding.left).update(from: plane + y * g.width + firstColumn, count: lastColumn - firstColumn)
                } else {
                    row.update(repeating: 0, count: rowStride)
                }
            }
            transform(rows, rowStride, n, v + tileRow * n, componentStride)
        }
    }

    /// `Y = Aᵀ M A + bias` for every tile of one output channel in the chunk's tile rows; writes the
    /// blocks of output pixels, cut to the output plane.
    private static func transformOutput(_ m: UnsafePointer<Float>, componentStride: Int, bias: Float, channel: Int, outChannels: Int,
                                        layout: TileLayout, firstTileRow: Int, tileRows: Int, into output: UnsafeMutablePointer<Float>) {
        let g = layout.geometry, n = layout.tileColumns, side = layout.algorithm.outputSide
        let transform = layout.algorithm.transforms.output
        let rowStride = side * n
        let pixels = UnsafeMutablePointer<Float>.allocate(capacity: side * rowStride)
        defer { pixels.deallocate() }
        for tileRow in 0..<tileRows {
            let globalRow = firstTileRow + tileRow
            let plane = output + (layout.image(ofTileRow: globalRow) * outChannels + channel) * g.outPlane
            transform(m + tileRow * n, componentStride, n, bias, pixels, rowStride)
            for a in 0..<side {
                let y = side * layout.rowInImage(ofTileRow: globalRow) + a
                if y < g.outHeight { (plane + y * g.outWidth).update(from: pixels + a * rowStride, count: g.outWidth) }
            }
        }
    }
}

/// One convolution's filters in the Winograd domain, kept after the first call that needs them so later
/// calls skip the transform. They take 16/9 of the 3×3 weights' memory in F(2×2, 3×3) and 4× in
/// F(4×4, 3×3): about 2.4 GB for the customnet-v1 UNet. A layer owns one per convolution and passes it to
/// `Ops.conv2d` while `Compute.keepsWinogradFilters` is on.
public final class WinogradFilterCache: Sendable {
    private let filters = Mutex<[Int: Tensor]>([:])

    public init() {}

    /// Whether filters have been computed and kept.
    public var isFilled: Bool { filters.withLock { !$0.isEmpty } }

    /// The transformed `weight` for `algorithm`, computed on the first call. `weight` must be the same
    /// tensor every time.
    func filters(for weight: Tensor, algorithm: Winograd.Algorithm) -> Tensor {
        filters.withLock { kept in
            if let filters = kept[algorithm.outputSide] { return filters }
            let computed = Winograd.transformedFilters(weight, algorithm: algorithm)
            kept[algorithm.outputSide] = computed
            return computed
        }
    }
}
