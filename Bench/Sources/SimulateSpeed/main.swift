// simulate-speed: how many times faster than real time `ivrmedia simulate` runs calls through Example A
// (examples/operator-hotline.yaml with the project's Prompts/), over at least an hour of call time.
//
// The calls cycle through the menu's three paths (9 during the greeting, silence, two wrong keys), with
// callers made by the Q.23 generator. Beside it, in the same run, the DTMF receiver alone on the same
// caller audio: the part of the work that is the receiver's.
//
//   swift run -c release simulate-speed [--hours 1]
import BenchSupport
import DSPCore
import Foundation
import IVRConfiguration
import MediaPipeline
import PromptMixer

let arguments = CommandLine.arguments
let hours = arguments.firstIndex(of: "--hours").flatMap { Double(arguments[$0 + 1]) } ?? 1
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let menuPath = root.appendingPathComponent("examples/operator-hotline.yaml").path
let (configuration, _) = try MenuConfiguration.load(path: menuPath)
let library = try MenuPrompts.load(configuration)

func caller(_ keys: String, leadMilliseconds: Int) -> [Int16] {
    let digits = DTMFDigit.parse(keys)!
    let tones = DTMFGenerator(levelDBm0: -12, onMilliseconds: 80, offMilliseconds: 1500).render(digits)
    return [Int16](repeating: 0, count: leadMilliseconds * 8) + tones
}
let callers = [caller("9", leadMilliseconds: 2000), [], caller("12", leadMilliseconds: 1000)]

func cpuSeconds() -> Double { Machine.threadCPUSeconds() }

var callSeconds = 0.0, calls = 0, events = 0
var heardAll: [[Int16]] = []
let start = cpuSeconds()
while callSeconds < hours * 3600 {
    let audio = callers[calls % callers.count]
    var simulation = CallSimulation(
        configuration: configuration, library: library,
        options: CallSimulation.Options(start: Date(timeIntervalSince1970: 1_800_000_000))
    ) { _ in events += 1 }
    let heard = audio.withUnsafeBufferPointer { simulation.run(caller: $0, maximumSeconds: 600) }
    callSeconds += Double(heard.count) / 8000
    if calls < callers.count { heardAll.append(heard) }
    calls += 1
}
let simulateSeconds = cpuSeconds() - start

// The receiver alone on the same call time: each call's caller audio padded with silence to the call's length.
let receiverStart = cpuSeconds()
var receiverSeconds = 0.0, keys = 0
var index = 0
while receiverSeconds < callSeconds {
    var detector = DTMFDetector()
    var audio = callers[index % callers.count]
    let length = heardAll[index % callers.count].count
    if audio.count < length { audio += [Int16](repeating: 0, count: length - audio.count) }
    audio.withUnsafeBufferPointer { samples in
        var offset = 0
        while offset < samples.count {
            let end = min(offset + 160, samples.count)
            detector.process(UnsafeBufferPointer(rebasing: samples[offset..<end])) { _ in keys += 1 }
            offset = end
        }
    }
    receiverSeconds += Double(length) / 8000
    index += 1
}
let receiverCPU = cpuSeconds() - receiverStart

print("# simulate speed: Example A calls on the virtual clock")
print("")
print("- machine: \(Machine.cpuModel), \(Machine.coreCount) cores (shared); CPU time of this thread")
print("")
print("| what | call time | CPU time | times real time |")
print("|---|---:|---:|---:|")
print(
    String(
        format: "| `simulate`: receiver + router + mixer + JSON events, %d calls | %.0f s | %.3f s | %.0f |", calls,
        callSeconds, simulateSeconds, callSeconds / simulateSeconds))
print(
    String(
        format: "| the DTMF receiver alone on the same caller audio | %.0f s | %.3f s | %.0f |", receiverSeconds,
        receiverCPU, receiverSeconds / receiverCPU))
print("")
print("\(events) events written; the receiver's share of the simulation: \(String(format: "%.0f %%", 100 * receiverCPU / simulateSeconds * callSeconds / receiverSeconds)).")
