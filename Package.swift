// swift-tools-version: 6.0
// The CustomNet render farm. Module map and the one-way rules: README.md, "Modules".
import PackageDescription

let package = Package(
    name: "customnet-farm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "customnet", targets: ["customnet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries. Each folder holds a module map and a shim header; `ops/setup` installs the providers.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),

        // Engine side: knows nothing of the farm.
        .target(name: "Tensor", dependencies: ["COpenBLAS"]),
        .target(name: "ImageIO", dependencies: ["CPNG", "CTurboJPEG"]),
        .target(name: "DiffusionCore", dependencies: ["Tensor", "ImageIO"]),

        // Farm side: knows nothing of the engine.
        .target(name: "Farm", dependencies: ["CZeroMQ", .product(name: "Logging", package: "swift-log")]),

        // The composition root.
        .executableTarget(name: "customnet", dependencies: [
            "Tensor", "ImageIO", "DiffusionCore", "Farm",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"]),
        .testTarget(name: "DiffusionCoreTests", dependencies: ["DiffusionCore"]),
        .testTarget(name: "FarmTests", dependencies: ["Farm"]),
    ]
)
