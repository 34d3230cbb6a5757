import ArgumentParser
import Tensor

/// `--keep-winograd-filters`, for the commands that run the generator.
struct WinogradFilterOption: ParsableArguments {
    @Flag(help: """
        Keep each 3×3 convolution's Winograd-transformed filters after their first use: the customnet-v1 UNet \
        step is about 5–10 % faster on 2 cores, for about 2.3 GB more memory. The images are the same as \
        without it.
        """)
    var keepWinogradFilters = false

    /// Sets the process-wide switch the convolutions read.
    func apply() { Compute.keepsWinogradFilters = keepWinogradFilters }
}
