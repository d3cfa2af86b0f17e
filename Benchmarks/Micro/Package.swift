// swift-tools-version: 6.1
// Micro-benchmarks of Switchyard's hot paths with ordo-one/benchmark. Not built by `swift test`:
//   cd Benchmarks/Micro && swift package --disable-sandbox benchmark
import PackageDescription

let package = Package(
    name: "SwitchyardMicro",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "switchyard", path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "SwitchyardMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SwitchyardKit", package: "switchyard"),
                .product(name: "CoreStages", package: "switchyard"),
                .product(name: "SwitchyardTesting", package: "switchyard"),
            ],
            path: "Benchmarks/SwitchyardMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
