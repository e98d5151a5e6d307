// swift-tools-version: 6.1
import PackageDescription

/// The Markdown files under each target's folder (every folder has a README), excluded from
/// the target so that SwiftPM does not warn about unhandled files. Listed rather than found
/// on disk: SwiftPM caches an evaluated manifest by its text, so a listing computed while
/// evaluating goes stale when a README is added. `PackageDocsTests` checks the list against
/// the folders.
let docs: [String: [String]] = [
    "PQ": ["README.md"],
    "CEL": ["README.md", "API/README.md", "Checker/README.md", "Library/README.md", "Library/Regex/README.md",
            "Planner/README.md", "Syntax/README.md", "Values/README.md"],
    "HotloadModules": ["README.md", "Syntax/README.md"],
    "HotloadStore": ["README.md", "Controller/README.md", "Diff/README.md", "Rollout/README.md", "Signing/README.md"],
    "HotloadNode": ["README.md"],
    "HotloadSidecar": ["README.md"],
    "HotloadBench": ["README.md"],
    "PostgresHarness": ["README.md"],
    "HotloadCLI": ["README.md", "Options/README.md"],
    "CELConformance": ["README.md"],
]

// Linux only: PQ waits on sockets with epoll and eventfd (`CEpoll`) and links libpq found
// through pkg-config (`CLibPQ`). SwiftPM cannot declare Linux in `platforms`, so the list is
// left out rather than naming a platform the package does not build on.
let package = Package(
    name: "Hotload",
    products: [
        .library(name: "CEL", targets: ["CEL"]),
        .library(name: "PQ", targets: ["PQ"]),
        .library(name: "HotloadModules", targets: ["HotloadModules"]),
        .library(name: "HotloadStore", targets: ["HotloadStore"]),
        .library(name: "HotloadNode", targets: ["HotloadNode"]),
        .executable(name: "hotload", targets: ["HotloadCLI"]),
        .executable(name: "hotload-conformance", targets: ["HotloadConformance"]),
        .executable(name: "hotload-check", targets: ["hotload-check"]),
        .plugin(name: "HotloadCheckPlugin", targets: ["HotloadCheckPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
    ],
    targets: [
        // Layer 1: libpq as a system library.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // epoll and eventfd for PQ's socket reactor (Linux headers; no library to link).
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        // zlib, which compresses the signed release a notification carries.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Layer 2: a small Swift wrapper over libpq.
        .target(name: "PQ", dependencies: ["CLibPQ", "CEpoll"], exclude: docs["PQ"] ?? []),
        // Layer 3: the Common Expression Language.
        .target(name: "CEL", exclude: docs["CEL"] ?? []),
        // Layer 4: modules (import / let / fn) over CEL.
        .target(name: "HotloadModules", dependencies: ["CEL"], exclude: docs["HotloadModules"] ?? []),
        // Layer 5: the PostgreSQL store: schema, push, history.
        .target(
            name: "HotloadStore",
            dependencies: [
                "PQ", "HotloadModules", "CEL", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            exclude: docs["HotloadStore"] ?? []
        ),
        // Layer 6: nodes that follow the store.
        .target(
            name: "HotloadNode",
            dependencies: [
                "HotloadStore", "HotloadModules", "CEL", "PQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            exclude: docs["HotloadNode"] ?? []
        ),
        // The HTTP sidecar of `hotload node` (Hummingbird), kept out of the node library.
        .target(
            name: "HotloadSidecar",
            dependencies: [
                "HotloadNode", "HotloadModules", "CEL",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            exclude: docs["HotloadSidecar"] ?? [],
            // The OpenAPI document served at /openapi.json, compiled into the binary.
            resources: [.embedInCode("openapi.json")]
        ),
        // Measurements shared by `hotload bench` and the tests: batched timing of a call and
        // the propagation benchmark (a fleet of nodes against one store).
        .target(
            name: "HotloadBench",
            dependencies: [
                "HotloadNode", "HotloadStore", "PQ",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: docs["HotloadBench"] ?? []
        ),
        // A private throwaway PostgreSQL server for tests, `hotload dev` and the demo.
        .target(name: "PostgresHarness", exclude: docs["PostgresHarness"] ?? []),
        // Layer 7: shells.
        .executableTarget(
            name: "HotloadCLI",
            dependencies: [
                "CEL", "HotloadModules", "HotloadStore", "HotloadNode", "HotloadSidecar", "HotloadBench", "PQ",
                "PostgresHarness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            exclude: docs["HotloadCLI"] ?? []
        ),
        // The conformance runner (test tooling, not a product): `hotload-conformance` and CELTests.
        .target(name: "CELConformance", dependencies: ["CEL"], exclude: docs["CELConformance"] ?? []),
        .executableTarget(name: "HotloadConformance", dependencies: ["CEL", "CELConformance"]),
        .executableTarget(name: "hotload-check", dependencies: ["HotloadModules"]),
        .plugin(
            name: "HotloadCheckPlugin",
            capability: .buildTool(),
            dependencies: ["hotload-check"]
        ),
        // An application embedding the module layer; its rules/ are checked by the plugin.
        .executableTarget(
            name: "EmbeddedHostExample",
            dependencies: ["CEL", "HotloadModules"],
            path: "Examples/EmbeddedHost",
            resources: [.copy("rules")],
            plugins: ["HotloadCheckPlugin"]
        ),
        // Helpers shared by test targets (running hostile input on a small-stack thread).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "CELTests", dependencies: ["CEL", "CELConformance", "TestSupport"], resources: [.copy("Data")]),
        .testTarget(name: "ModuleTests", dependencies: ["HotloadModules", "CEL", "TestSupport"], resources: [.copy("Data")]),
        .testTarget(name: "PQTests", dependencies: ["PQ", "PostgresHarness"]),
        .testTarget(name: "StoreTests", dependencies: ["HotloadStore", "HotloadModules", "CEL", "PQ", "PostgresHarness"]),
        .testTarget(
            name: "NodeTests",
            dependencies: [
                "HotloadNode", "HotloadSidecar", "HotloadBench", "HotloadStore", "HotloadModules", "CEL", "PQ",
                "PostgresHarness", "HotloadCLI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
    ]
)
