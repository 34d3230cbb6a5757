import ArgumentParser
import Tensor

/// `--keep-winograd-filters`, for the commands that run the generator.
struct WinogradFilterOption: ParsableArguments {
    @Flag(help: """
        Keep each 3×3 convolution's Winograd-transformed filters after their first use: the customnet-v1 UNet \
        step is about 15 % faster on 2 cores, for about 2.4 GB more memory. Pixels can differ from a render \
        without it by float rounding, so give every worker of a sweep the same setting.
        """)
    var keepWinogradFilters = false

    /// Sets the process-wide switch the convolutions read.
    func apply() { Compute.keepsWinogradFilters = keepWinogradFilters }
}
