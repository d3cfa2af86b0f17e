// swift-tools-version:6.1
import PackageDescription

/// Settings every Switchyard target shares.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "switchyard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
        .library(name: "SwitchyardKit", targets: ["SwitchyardKit"]),
        .library(name: "SwitchyardTesting", targets: ["SwitchyardTesting"]),
        .library(name: "CoreStages", targets: ["CoreStages"]),
        .library(name: "SwitchyardCLI", targets: ["SwitchyardCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The core: event model, codec, stage protocols, registry, config, graph, runtime.
        // It imports no stage module.
        .target(
            name: "SwitchyardKit",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Stage modules live under Plugins/, one module per dependency family.
        .target(
            name: "CoreStages",
            dependencies: ["SwitchyardKit", .product(name: "Logging", package: "swift-log")],
            path: "Plugins/CoreStages",
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
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "switchyard",
            dependencies: ["SwitchyardKit", "SwitchyardCLI", "CoreStages"],
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
            name: "SwitchyardCLITests",
            dependencies: ["switchyard", "SwitchyardKit", "CoreStages"],
            swiftSettings: strictSettings
        ),
    ]
)
