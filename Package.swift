// swift-tools-version:6.1
import PackageDescription

/// Settings every Switchyard target shares.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "switchyard",
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
        .library(name: "SwitchyardKit", targets: ["SwitchyardKit"]),
        .library(name: "SwitchyardTesting", targets: ["SwitchyardTesting"]),
        .library(name: "CoreStages", targets: ["CoreStages"]),
        .library(name: "WebSocketStages", targets: ["WebSocketStages"]),
        .library(name: "HTTPStages", targets: ["HTTPStages"]),
        .library(name: "SQLiteStages", targets: ["SQLiteStages"]),
        .library(name: "ExecStages", targets: ["ExecStages"]),
        .library(name: "WasmStages", targets: ["WasmStages"]),
        .library(name: "NATSStages", targets: ["NATSStages"]),
        .library(name: "NATSClient", targets: ["NATSClient"]),
        .library(name: "SwitchyardAPI", targets: ["SwitchyardAPI"]),
        .library(name: "SwitchyardCLI", targets: ["SwitchyardCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/swiftwasm/WasmKit", from: "0.4.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The core: event model, codec, stage protocols, registry, config, graph, runtime.
        // It imports no stage module.
        .target(
            name: "SwitchyardKit",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        // Stage modules live under Plugins/, one module per dependency family.
        .target(
            name: "CoreStages",
            dependencies: [
                "SwitchyardKit", .product(name: "Logging", package: "swift-log"), .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            path: "Plugins/CoreStages",
            swiftSettings: strictSettings
        ),
        .target(
            name: "WebSocketStages",
            dependencies: [
                "SwitchyardKit",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/WebSocketStages",
            swiftSettings: strictSettings
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "HTTPStages",
            dependencies: [
                "SwitchyardKit",
                "SwitchyardAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                "CZlib",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/HTTPStages",
            swiftSettings: strictSettings
        ),
        .target(
            name: "SQLiteStages",
            dependencies: [
                "SwitchyardKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/SQLiteStages",
            swiftSettings: strictSettings
        ),
        .target(
            name: "ExecStages",
            dependencies: ["SwitchyardKit", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/ExecStages",
            swiftSettings: strictSettings
        ),
        .target(
            name: "WasmStages",
            dependencies: [
                "SwitchyardKit",
                .product(name: "WasmKit", package: "WasmKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/WasmStages",
            swiftSettings: strictSettings
        ),
        // A NATS client (core protocol and the JetStream calls the nats stages use) on SwiftNIO.
        .target(
            name: "NATSClient",
            dependencies: [
                "SwitchyardKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/NATSClient",
            swiftSettings: strictSettings
        ),
        .target(
            name: "NATSStages",
            dependencies: [
                "SwitchyardKit", "NATSClient", .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/NATSStages",
            swiftSettings: strictSettings
        ),
        // The HTTP API (/health, /ready, /metrics), kept out of the core for its dependencies.
        .target(
            name: "SwitchyardAPI",
            dependencies: [
                "SwitchyardKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SwitchyardTesting",
            dependencies: ["SwitchyardKit"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SwitchyardCLI",
            dependencies: [
                "SwitchyardKit",
                "SwitchyardAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: [
                "SwitchyardKit", "SwitchyardCLI", "CoreStages", "WebSocketStages", "HTTPStages", "SQLiteStages", "ExecStages", "WasmStages",
                "NATSStages",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchyardKitTests",
            dependencies: ["SwitchyardKit", "SwitchyardTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CoreStagesTests",
            dependencies: ["CoreStages", "SwitchyardKit", "SwitchyardTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WebSocketStagesTests",
            dependencies: [
                "WebSocketStages", "SwitchyardKit", "SwitchyardTesting", "SwitchyardAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SQLiteStagesTests",
            dependencies: [
                "SQLiteStages", "SwitchyardKit", "SwitchyardTesting", "CoreStages",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HTTPStagesTests",
            dependencies: [
                "HTTPStages", "SwitchyardKit", "SwitchyardTesting", "SwitchyardAPI", "CoreStages",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ExecStagesTests",
            dependencies: ["ExecStages", "SwitchyardKit", "SwitchyardTesting", "CoreStages"],
            exclude: ["Programs"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WasmStagesTests",
            dependencies: ["WasmStages", "SwitchyardKit", "SwitchyardTesting", "CoreStages"],
            exclude: ["Modules"],
            swiftSettings: strictSettings
        ),
        // A real nats-server for the NATS tests (not a test target: both test targets use it).
        .target(
            name: "NATSTestSupport",
            dependencies: ["NATSClient"],
            path: "Tests/NATSTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NATSClientTests",
            dependencies: [
                "NATSClient", "NATSTestSupport", "SwitchyardKit", .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NATSStagesTests",
            dependencies: [
                "NATSStages", "NATSClient", "NATSTestSupport", "SwitchyardKit", "SwitchyardTesting", "CoreStages",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SwitchyardCLITests",
            dependencies: [
                "switchyard", "SwitchyardKit", "SwitchyardTesting", "CoreStages", "WebSocketStages", "HTTPStages", "SQLiteStages",
                "ExecStages", "WasmStages", "NATSStages",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["Scripts"],
            swiftSettings: strictSettings
        ),
    ]
)
