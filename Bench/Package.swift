// swift-tools-version: 6.1
import PackageDescription

// A nested package so that benchmark dependencies (package-benchmark, SpanDSP) never reach users of
// ivrmedia or `swift test`. Run from this folder:
//   swift package benchmark                      # G.711, Opus, DTMF receiver, mixer per 20 ms frame; 30-line loop
//   swift package benchmark thresholds check     # fails (exit 2) if any frame allocates
//   swift run -c release dtmf-compare            # our receiver against SpanDSP: accuracy, latency, speed
//   swift run -c release simulate-speed          # `ivrmedia simulate` over an hour of calls, times real time
//   swift run -c release e1-bench                # the live per-frame path of 30 lines (an E1): per-period times
//   swift run -c release soak                    # 100,000 simulated calls, then 24 h of 30 live lines: flat memory
// What drives the whole engine needs: E1Scenario (the live loop of the benchmarks) and soak.
let engineDependencies: [Target.Dependency] = [
    "BenchSupport",
    .product(name: "DSPCore", package: "ivrmedia"),
    .product(name: "AudioIO", package: "ivrmedia"),
    .product(name: "IVRCalendar", package: "ivrmedia"),
    .product(name: "IVRConfiguration", package: "ivrmedia"),
    .product(name: "PromptMixer", package: "ivrmedia"),
    .product(name: "MediaPipeline", package: "ivrmedia"),
    .product(name: "MediaTestSupport", package: "ivrmedia"),
]

let package = Package(
    name: "ivrmedia-bench",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dtmf-compare", targets: ["DTMFCompare"]),
        .executable(name: "simulate-speed", targets: ["SimulateSpeed"]),
        .executable(name: "e1-bench", targets: ["E1Bench"]),
        .executable(name: "soak", targets: ["Soak"]),
    ],
    dependencies: [
        // Named, because a path dependency is otherwise known by its folder name (main, a worktree, a CI clone).
        .package(name: "ivrmedia", path: ".."),
        .package(
            url: "https://github.com/ordo-one/package-benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        // Already a dependency of package-benchmark; named here for AllocationGuard's direct use.
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.5.0"),
        // Already a dependency of package-benchmark; named here for e1-bench's per-period histograms.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        // MARK: - Libraries
        .target(
            name: "BenchSupport",
            dependencies: [
                .product(name: "DSPCore", package: "ivrmedia"),
                .product(name: "MediaTestSupport", package: "ivrmedia"),
            ]
        ),

        .target(
            name: "AllocationGuard",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ]
        ),

        // The 30-line (E1) scenario of PipelineBenchmarks and e1-bench: the callers' audio, the prompts, the
        // loop over a FakeDuplexDevice and the control side's prompt schedule.
        .target(
            name: "E1Scenario",
            dependencies: engineDependencies
        ),

        // MARK: - C libraries
        .systemLibrary(name: "CSpanDSP", pkgConfig: "spandsp", providers: [.apt(["libspandsp-dev"])]),

        // MARK: - Executables
        .executableTarget(
            name: "DTMFCompare",
            dependencies: [
                "BenchSupport", "CSpanDSP",
                .product(name: "DSPCore", package: "ivrmedia"),
                .product(name: "MediaTestSupport", package: "ivrmedia"),
            ]
        ),

        .executableTarget(
            name: "SimulateSpeed",
            dependencies: [
                "BenchSupport",
                .product(name: "DSPCore", package: "ivrmedia"),
                .product(name: "IVRConfiguration", package: "ivrmedia"),
                .product(name: "PromptMixer", package: "ivrmedia"),
                .product(name: "MediaPipeline", package: "ivrmedia"),
            ]
        ),

        .executableTarget(
            name: "E1Bench",
            dependencies: [
                "BenchSupport", "E1Scenario",
                .product(name: "DSPCore", package: "ivrmedia"),
                .product(name: "AudioIO", package: "ivrmedia"),
                .product(name: "PromptMixer", package: "ivrmedia"),
                .product(name: "MediaPipeline", package: "ivrmedia"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ]
        ),

        .executableTarget(
            name: "Soak",
            dependencies: engineDependencies
        ),

        // MARK: - Benchmarks
        .executableTarget(
            name: "G711Benchmarks",
            dependencies: [
                "BenchSupport", "AllocationGuard",
                .product(name: "DSPCore", package: "ivrmedia"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/G711",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "DTMFBenchmarks",
            dependencies: [
                "BenchSupport", "AllocationGuard",
                .product(name: "DSPCore", package: "ivrmedia"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/DTMF",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "OpusBenchmarks",
            dependencies: [
                "BenchSupport", "AllocationGuard",
                .product(name: "MediaCodecs", package: "ivrmedia"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/Opus",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "MixerBenchmarks",
            dependencies: [
                "BenchSupport", "AllocationGuard",
                .product(name: "PromptMixer", package: "ivrmedia"),
                .product(name: "MediaCodecs", package: "ivrmedia"),
                .product(name: "MediaTestSupport", package: "ivrmedia"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/Mixer",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        .executableTarget(
            name: "PipelineBenchmarks",
            dependencies: [
                "BenchSupport", "AllocationGuard", "E1Scenario",
                .product(name: "AudioIO", package: "ivrmedia"),
                .product(name: "MediaPipeline", package: "ivrmedia"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/Pipeline",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
