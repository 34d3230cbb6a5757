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
    /// Output pixels (over the whole batch) below which im2col wins when the filters are transformed on
    /// every call: the transform reads the weights and writes 16/9 of them again, which small planes do
    /// not earn back. Measured on the UNet at batch 2 (2 cores, Zen 4): 16² planes (512 pixels) took
    /// 0.64 s per step with Winograd against 0.45 s with im2col; 32² planes (2048) 0.25 s against 0.45 s.
    static let minimumOutputPixels = 1024

    /// The same with filters kept in a `WinogradFilterCache`: 8² planes at batch 2 (128 pixels, 1280
    /// channels) took 20 ms against im2col's 30 ms; the whole UNet step 2.31–2.38 s against 2.80–3.16 s.
    static let minimumOutputPixelsWithCachedFilters = 128

    /// Whether F(2×2, 3×3) pays for itself here: 3×3, stride 1, enough input channels for the 16 GEMMs'
    /// reduction (the UNet's and VAE's first convolutions have 8 and 3), and enough output pixels that
    /// the GEMMs are compute-bound (see `minimumOutputPixels`).
    static func suits(_ g: ConvolutionGeometry, batch: Int, filtersCached: Bool) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1 && g.inChannels >= 32
            && batch * g.outPlane >= (filtersCached ? minimumOutputPixelsWithCachedFilters : minimumOutputPixels)
    }

    /// Floats of transformed input per chunk (8 MiB), so that it and the products stay in the
    /// last-level cache between the transforms and the GEMMs.
    static let chunkFloats = 2 << 20

    /// `output (n, cout, ho, wo) = conv2d(x, weight) + bias`; `g` describes one image. `chunkFloats` is
    /// there for tests, which need several chunks on small shapes.
    /// `filters`: the transformed weights from `transformedFilters(_:)`, or nil to transform them here.
    static func convolve(_ x: Tensor, weight: Tensor, filters: Tensor? = nil, bias: Tensor?, geometry g: ConvolutionGeometry,
                         into output: UnsafeMutablePointer<Float>, chunkFloats: Int = chunkFloats) {
        let batch = x.shape[0], inChannels = g.inChannels, outChannels = weight.shape[0]
        let tileRows = (g.outHeight + 1) / 2, tileColumns = (g.outWidth + 1) / 2
        // Tile rows are numbered across the batch (image · tileRows + row), so small planes share GEMMs.
        let allTileRows = batch * tileRows
        let rowsPerChunk = max(1, min(allTileRows, chunkFloats / (16 * inChannels * tileColumns)))
        let chunkTiles = rowsPerChunk * tileColumns

        let filters = filters ?? transformedFilters(weight)
        precondition(filters.shape == [16, outChannels, inChannels], "Winograd: filters \(filters.shape) are not those of weight \(weight.shape)")
        let transformedWeights = filters.basePointer
        let transformedInput = UnsafeMutablePointer<Float>.allocate(capacity: 16 * inChannels * chunkTiles)
        let products = UnsafeMutablePointer<Float>.allocate(capacity: 16 * outChannels * chunkTiles)
        defer { transformedInput.deallocate(); products.deallocate() }
        Compute.prepareSingleThreadedBLAS()

        let layout = TileLayout(geometry: g, tileRows: tileRows, tileColumns: tileColumns)
        var firstRow = 0
        while firstRow < allTileRows {
            let rows = min(rowsPerChunk, allTileRows - firstRow), tiles = rows * tileColumns
            Compute.parallelFor(inChannels) { channel in
                transformInput(x.basePointer, channel: channel, layout: layout, firstTileRow: firstRow, tileRows: rows,
                               into: transformedInput + channel * tiles, componentStride: inChannels * tiles)
            }
            Compute.parallelFor(16) { component in
                BLAS.sgemm(.none, .none, m: outChannels, n: tiles, k: inChannels,
                           a: transformedWeights + component * outChannels * inChannels, lda: inChannels,
                           b: transformedInput + component * inChannels * tiles, ldb: tiles,
                           c: products + component * outChannels * tiles, ldc: tiles)
            }
            Compute.parallelFor(outChannels) { channel in
                transformOutput(products + channel * tiles, componentStride: outChannels * tiles, bias: bias?.basePointer[channel] ?? 0,
                                channel: channel, outChannels: outChannels, layout: layout, firstTileRow: firstRow, tileRows: rows,
                                into: output)
            }
            firstRow += rows
        }
    }

    /// Where tile row `r` (numbered across the batch) lies: its image and its row in that image.
    struct TileLayout {
        let geometry: ConvolutionGeometry
        let tileRows, tileColumns: Int
        func image(ofTileRow r: Int) -> Int { r / tileRows }
        func rowInImage(ofTileRow r: Int) -> Int { r % tileRows }
    }

    /// `U = G g Gᵀ` for every (cout, cin) filter of `weight` `(cout, cin, 3, 3)`: `(16, cout, cin)`, one
    /// matrix per component.
    static func transformedFilters(_ weight: Tensor) -> Tensor {
        let outChannels = weight.shape[0], inChannels = weight.shape[1], kernels = KernelSet.active
        let (filters, u) = Tensor.uninitialized([16, outChannels, inChannels])
        let w = weight.basePointer
        Compute.parallelFor(outChannels) { o in
            kernels.winogradFilters(w + o * inChannels * 9, u + o * inChannels, inChannels, outChannels * inChannels)
        }
        return filters
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

/// One convolution's filters in the Winograd domain, kept after the first call that needs them so later
/// calls skip the transform (and small planes can use F(2×2, 3×3) too). They take 16/9 of the 3×3
/// weights' memory: about 2.4 GB for the customnet-v1 UNet. A layer owns one per convolution and passes
/// it to `Ops.conv2d` while `Compute.keepsWinogradFilters` is on.
public final class WinogradFilterCache: Sendable {
    private let filters = Mutex<Tensor?>(nil)

    public init() {}

    /// Whether the filters have been computed and kept.
    public var isFilled: Bool { filters.withLock { $0 != nil } }

    /// The transformed `weight`, computed on the first call. `weight` must be the same tensor every time.
    func filters(for weight: Tensor) -> Tensor {
        filters.withLock { kept in
            if let kept { return kept }
            let computed = Winograd.transformedFilters(weight)
            kept = computed
            return computed
        }
    }
}
