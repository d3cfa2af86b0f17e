// swift-tools-version:6.1
import PackageDescription

// A package of one's own stages: it depends on Switchyard by path (use the git URL in a real
// project) and builds a `custom-switchyard` binary that knows the built-in stages and these.
let package = Package(
    name: "custom-stages",
    dependencies: [
        .package(name: "switchyard", path: "../.."),
    ],
    targets: [
        .target(
            name: "CustomStages",
            dependencies: [.product(name: "SwitchyardKit", package: "switchyard")]
        ),
        .executableTarget(
            name: "custom-switchyard",
            dependencies: [
                "CustomStages",
                .product(name: "SwitchyardKit", package: "switchyard"),
                .product(name: "SwitchyardCLI", package: "switchyard"),
                .product(name: "CoreStages", package: "switchyard"),
            ]
        ),
        .testTarget(
            name: "CustomStagesTests",
            dependencies: [
                "CustomStages",
                .product(name: "SwitchyardKit", package: "switchyard"),
                .product(name: "SwitchyardTesting", package: "switchyard"),
            ]
        ),
    ]
)
