// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, which is whatever the clone is called.
let hotload = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// Benchmarks of the expression language, side by side with Lua 5.4 and hand-written
// Swift closures (see README.md). Separate from the main package so that its tests and
// CI do not build the benchmark tooling. Linux only, like the package it measures (see
// its Package.swift): no platform list.
let package = Package(
    name: "HotloadBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .target(name: "BenchKit", dependencies: ["CLua", .product(name: "CEL", package: hotload)]),
        .executableTarget(name: "bench-compare", dependencies: ["BenchKit", .product(name: "CEL", package: hotload)]),
        .executableTarget(name: "bench-link", dependencies: [.product(name: "HotloadModules", package: hotload)]),
        .systemLibrary(name: "CLibPQFloor", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // In C, with one thread: the propagation benchmark's floors without Swift or Hotload.
        .executableTarget(name: "notify-floor", dependencies: ["CLibPQFloor"]),
        .executableTarget(
            name: "ExpressionBenchmarks",
            dependencies: ["BenchKit", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/ExpressionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
