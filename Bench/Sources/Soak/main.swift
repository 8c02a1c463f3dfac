// soak: long runs with flat memory. Two parts, each a check as well as a report: the process's resident
// memory (VmRSS, and its peak VmHWM) after warm-up and at the end must not grow by more than the
// tolerance, or the run exits 1.
//
//   calls: N calls through `CallSimulation` (the path of `ivrmedia simulate`), alternating Example A
//          (the operator hotline) and Example B (the 505 call centre), callers made by the DTMF
//          generator from seeded random scripts: keys that lead somewhere, wrong keys, silences long
//          enough for the timers, ticket numbers, hang-ups, and every transfer result.
//   live:  `LiveEngine` in lockstep with N lines on a fake device for H hours of audio, calls started
//          again after each ends, callers pressing keys and hanging up, and a reload (the SIGHUP path)
//          every simulated hour that swaps the menu between two variants.
//
//   swift run -c release soak [--part calls|live|both] [--calls 100000] [--hours 24] [--lines 30]
//       [--seed 1] [--reload-minutes 60] [--max-call-seconds 180] [--tolerance-percent 10] [--tolerance-mb 4]
import BenchSupport
import Foundation

let arguments = CommandLine.arguments
let usage = """
    usage: soak [--part calls|live|both] [--calls N] [--hours H] [--lines N] [--seed N] [--reload-minutes M]
                [--max-call-seconds S] [--tolerance-percent P] [--tolerance-mb MB]

    """
let valued: Set = [
    "--part", "--calls", "--hours", "--lines", "--seed", "--reload-minutes", "--max-call-seconds",
    "--tolerance-percent", "--tolerance-mb",
]
// Every argument is a known option followed by its value: anything else is a usage error rather than a
// run of many minutes with the defaults.
if arguments.dropFirst().contains(where: { $0 == "--help" || $0 == "-h" }) {
    print(usage, terminator: "")
    exit(0)
}
var position = 1
while position < arguments.count {
    guard valued.contains(arguments[position]), position + 1 < arguments.count else {
        FileHandle.standardError.write(Data("soak: unknown option or missing value: \(arguments[position])\n\(usage)".utf8))
        exit(64)
    }
    position += 2
}
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
func number<T: LosslessStringConvertible>(_ name: String, _ fallback: T) -> T {
    guard let text = option(name) else { return fallback }
    guard let value = T(text) else {
        FileHandle.standardError.write(Data("soak: \(name) \(text) is not a number\n".utf8))
        exit(64)
    }
    return value
}
let part = option("--part") ?? "both"
guard ["calls", "live", "both"].contains(part) else {
    FileHandle.standardError.write(Data("soak: --part is calls, live or both\n".utf8))
    exit(64)
}
let seed: UInt64 = number("--seed", 1)
let check = GrowthCheck(percent: number("--tolerance-percent", 10.0), megabytes: number("--tolerance-mb", 4.0))
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let examples = root.appendingPathComponent("examples")

print("# soak (\(Machine.date); \(Machine.cpuModel), \(Machine.coreCount) cores, shared)")
print("")
print("`soak \(arguments.dropFirst().joined(separator: " "))`")
print("")
var passed = true
do {
    if part != "live" {
        let hotline = try ExampleMenu.load(
            examples.appendingPathComponent("operator-hotline.yaml").path, name: "A (hotline)", rightKeys: ["9"],
            wrongKeys: ["1", "2", "5", "0", "*", "#"], tickets: false, entries: [(nil, nil)])
        let centre = try ExampleMenu.load(
            examples.appendingPathComponent("call-centre.yaml").path, name: "B (505 centre)",
            rightKeys: ["1", "2", "3", "0", "*", "9"], wrongKeys: ["4", "5", "7", "8", "#"], tickets: true,
            entries: [("fxo0", nil), (nil, "505"), ("fxo2", nil)])
        let soak = CallsSoak(
            calls: number("--calls", 100_000), seed: seed, maximumCallSeconds: number("--max-call-seconds", 180),
            check: check)
        passed = soak.run(menus: [hotline, centre]) && passed
    }
    if part != "calls" {
        let soak = LiveSoak(
            lines: number("--lines", 30), hours: number("--hours", 24.0),
            reloadMinutes: number("--reload-minutes", 60.0), seed: seed, check: check)
        passed =
            try soak.run(
                example: examples.appendingPathComponent("operator-hotline.yaml").path,
                promptRoot: root.appendingPathComponent("Prompts").path) && passed
    }
} catch {
    FileHandle.standardError.write(Data("soak: \(error)\n".utf8))
    exit(66)
}
if !passed {
    FileHandle.standardError.write(Data("soak: FAILED: memory grew past the tolerance, or a reload failed\n".utf8))
    exit(1)
}
