// swift-tools-version: 6.1
// The libFuzzer driver for ivrmedia's parsers (`make fuzz`). The targets themselves are the main
// package's FuzzTargets library (Fuzz/Targets), which the suite also uses to replay the corpora.
// Build with the sanitizers on every module:
//   swift build -c release -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address
import PackageDescription

let package = Package(
    name: "ivrmedia-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "ivrmedia", path: "..")],
    targets: [
        .executableTarget(
            name: "ivrmedia-fuzz",
            dependencies: [.product(name: "FuzzTargets", package: "ivrmedia")],
            // The entry point is libFuzzer's driver, called from the module's own main (see Entry.swift).
            swiftSettings: [.unsafeFlags(["-parse-as-library"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]
        )
    ]
)
