// swift-tools-version: 6.0
// The CustomNet render farm. Module map and the one-way rules: README.md, "Modules".
import PackageDescription

/// Sources/TensorKernels/Kernels.swift compiled again for newer x86-64 instruction sets (the folders
/// hold symbolic links to it; the AVX-512 one also holds the fused attention kernel and the narrow matrix
/// product, which need its 32 vector registers); Tensor picks one at start-up from the CPU's features.
var x86KernelVariants: [Target] {
    #if arch(x86_64)
    return [
        .target(name: "TensorKernelsX86V3", dependencies: ["CPrefetch"],
                swiftSettings: [.define("HAS_FMA"), .unsafeFlags(["-Xcc", "-march=x86-64-v3"])]),
        .target(name: "TensorKernelsX86V4", dependencies: ["CPrefetch"],
                swiftSettings: [.define("HAS_FMA"), .unsafeFlags(["-Xcc", "-march=x86-64-v4", "-Xcc", "-mprefer-vector-width=512"])]),
    ]
    #else
    return []
    #endif
}

let package = Package(
    name: "customnet-farm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "customnet", targets: ["customnet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // System libraries. Each folder holds a module map and a shim header; `ops/setup` installs the providers.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CPrefetch"),

        // Engine side: knows nothing of the farm.
        .target(name: "TensorKernels", dependencies: ["CPrefetch"]),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "CMalloc", "TensorKernels"] + x86KernelVariants.map { .target(name: $0.name) }),
        .target(name: "ImageIO", dependencies: ["CPNG", "CTurboJPEG"]),
        .target(name: "DiffusionCore", dependencies: ["Tensor", "ImageIO", "CZlib"]),

        // Farm side: knows nothing of the engine.
        .target(name: "FarmProtocol"),
        .target(name: "Farm", dependencies: [
            "FarmProtocol", "CZeroMQ", "ImageIO",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),

        // The bridge: runs a farm task (FarmProtocol's TaskAssignment) through the engine.
        .target(name: "Render", dependencies: [
            "FarmProtocol", "DiffusionCore", "Tensor", "ImageIO",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // The composition root.
        .executableTarget(name: "customnet", dependencies: [
            "Tensor", "ImageIO", "DiffusionCore", "FarmProtocol", "Farm", "Render",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TensorKernels", "CMalloc"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"]),
        .testTarget(name: "DiffusionCoreTests", dependencies: ["DiffusionCore"]),
        .testTarget(name: "FarmProtocolTests", dependencies: ["FarmProtocol"]),
        .testTarget(name: "FarmTests", dependencies: ["Farm"]),
        .testTarget(name: "RenderTests", dependencies: ["Render"]),
        // Runs the built `customnet` as a user does (real processes, real files); speaks the wire protocol
        // to those processes where a test plays a misbehaving peer.
        .testTarget(name: "EndToEndTests", dependencies: ["customnet", "Farm", "FarmProtocol"]),
    ] + x86KernelVariants
)
