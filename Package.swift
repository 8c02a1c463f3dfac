// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ivrmedia",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ivrmedia", targets: ["IVRMediaCLI"]),
        .library(name: "DSPCore", targets: ["DSPCore"]),
        .library(name: "MediaCodecs", targets: ["MediaCodecs"]),
        .library(name: "IVRCalendar", targets: ["IVRCalendar"]),
        .library(name: "IVRConfiguration", targets: ["IVRConfiguration"]),
        .library(name: "IVRRouting", targets: ["IVRRouting"]),
        .library(name: "PromptMixer", targets: ["PromptMixer"]),
        .library(name: "AudioIO", targets: ["AudioIO"]),
        .library(name: "MediaPipeline", targets: ["MediaPipeline"]),
        // For the nested Bench package (benchmarks and the SpanDSP comparison use the synthesised battery).
        .library(name: "MediaTestSupport", targets: ["MediaTestSupport"]),
        // For the nested Fuzz package: the parsers' fuzz targets.
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // MARK: - Libraries
        .target(name: "DSPCore", dependencies: [.product(name: "RealModule", package: "swift-numerics")]),
        .target(name: "MediaCodecs", dependencies: ["DSPCore", "CSndfile", "COpus"]),
        .target(name: "IVRCalendar"),
        .target(
            name: "IVRConfiguration",
            dependencies: ["DSPCore", "IVRCalendar", .product(name: "Yams", package: "Yams")]
        ),
        .target(name: "IVRRouting", dependencies: ["DSPCore", "IVRCalendar", "IVRConfiguration"]),
        .target(name: "PromptMixer", dependencies: ["DSPCore", "MediaCodecs"]),
        .target(name: "AudioIO", dependencies: ["DSPCore", "CAlsa"]),
        .target(
            name: "MediaPipeline",
            dependencies: ["DSPCore", "IVRCalendar", "IVRConfiguration", "IVRRouting", "PromptMixer", "AudioIO"]
        ),
        // Menu files for the configuration and routing tests.
        .target(name: "MenuTestSupport", dependencies: ["IVRConfiguration"]),
        .target(
            name: "MediaTestSupport",
            dependencies: ["DSPCore", "MediaCodecs", .product(name: "RealModule", package: "swift-numerics")]
        ),

        // The fuzz targets, one per parser (Fuzz/: `make fuzz`); the suite replays their corpora.
        .target(
            name: "FuzzTargets", dependencies: ["MediaCodecs", "IVRCalendar", "IVRConfiguration", "MediaPipeline"],
            path: "Fuzz/Targets"
        ),

        // MARK: - C libraries
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CAlsa", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),

        // MARK: - Executables
        .executableTarget(
            name: "IVRMediaCLI",
            dependencies: [
                "DSPCore", "MediaCodecs", "IVRCalendar", "IVRConfiguration", "IVRRouting", "PromptMixer", "AudioIO",
                "MediaPipeline", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Tests
        .testTarget(
            name: "DSPCoreTests",
            dependencies: ["DSPCore", "MediaTestSupport", "CSndfile", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .testTarget(name: "MediaCodecsTests", dependencies: ["MediaCodecs", "MediaTestSupport", "CSndfile", "COpus"]),
        .testTarget(
            name: "MediaTestSupportTests",
            dependencies: ["MediaTestSupport", "DSPCore", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .testTarget(name: "IVRCalendarTests", dependencies: ["IVRCalendar", "MediaTestSupport"]),
        .testTarget(
            name: "IVRConfigurationTests",
            dependencies: ["IVRConfiguration", "MenuTestSupport", "DSPCore", "MediaTestSupport"]
        ),
        .testTarget(
            name: "IVRRoutingTests",
            dependencies: ["IVRRouting", "IVRConfiguration", "IVRCalendar", "MenuTestSupport", "DSPCore"]
        ),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "DSPCore", "CAlsa", "MediaTestSupport"]),
        .testTarget(name: "PromptMixerTests", dependencies: ["PromptMixer", "MediaCodecs", "MediaTestSupport", "DSPCore"]),
        .testTarget(
            name: "MediaPipelineTests",
            dependencies: [
                "MediaPipeline", "IVRRouting", "IVRConfiguration", "IVRCalendar", "PromptMixer", "AudioIO",
                "MediaCodecs", "MediaTestSupport", "DSPCore",
            ]
        ),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        .testTarget(
            name: "IVRMediaCLITests",
            dependencies: ["IVRMediaCLI", "MediaCodecs", "MediaTestSupport", "DSPCore"]
        ),
    ]
)
