// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "convtop",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "convtop", targets: ["convtop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Pure, deterministic simulation core: graphs, zoo, lowering, GPU model, policies, simulator.
        // Optimised in debug builds too: the tests simulate whole networks (the README examples run `convtop validate`
        // and an IOS search), which unoptimised code makes ten times slower; debugging the core wants -Onone back.
        .target(name: "ConvtopCore", dependencies: ["CZlib"], swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Terminal-free UI: state, reducer, key table, layout and widgets drawing into a cell buffer.
        .target(name: "ConvtopUI", dependencies: ["ConvtopCore"]),
        // ncursesw binding (the only C in the project).
        .systemLibrary(
            name: "CNcurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"])]
        ),
        // zlib, for .gz models and traces (CRC and size checked by zlib itself).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .executableTarget(
            name: "convtop",
            dependencies: [
                "ConvtopCore", "ConvtopUI", "CNcurses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ConvtopCoreTests", dependencies: ["ConvtopCore"], exclude: ["Fixtures"]),
        .testTarget(name: "ConvtopUITests", dependencies: ["ConvtopUI", "ConvtopCore"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
