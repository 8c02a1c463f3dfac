import AudioIO
import Foundation
import MediaTestSupport
import Testing

@testable import MediaPipeline

/// `LiveRun`, the engine as a program embeds it (and as `ivrmedia run` calls it), on real alsa-lib: ALSA's
/// file plugin over the null device, capture from silence, paced by the clock.
@Suite(.serialized) struct LiveRunTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Example A with an absolute prompt root, and an ALSA configuration of two lines, in a new folder.
    static func setUp() throws -> (menu: String, alsa: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("liverun-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let menu = directory.appendingPathComponent("menu.yaml").path
        try String(contentsOfFile: repository.appendingPathComponent("examples/operator-hotline.yaml").path, encoding: .utf8)
            .replacingOccurrences(of: "root: ../Prompts", with: "root: \(repository.path)/Prompts")
            .write(toFile: menu, atomically: true, encoding: .utf8)
        let alsa = directory.appendingPathComponent("alsa.conf").path
        try """
        pcm.lines {
            type asym
            playback.pcm { type file  slave { pcm { type null } }  file "\(directory.path)/out.raw"  format "raw" }
            capture.pcm  { type file  slave { pcm { type null } }  file "/dev/null"  infile "/dev/zero"  format "raw" }
        }
        """.write(toFile: alsa, atomically: true, encoding: .utf8)
        return (menu, alsa, directory)
    }

    @Test func aRunAnswersEveryLineAndEndsWithEveryCallEnded() throws {
        let (menu, alsa, directory) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = directory.appendingPathComponent("events.jsonl").path
        var options = LiveRun.Options(
            menuPath: menu, device: DeviceConfiguration(name: "lines", configFile: alsa, channels: 2),
            lineIDs: ["fxo0", "fxo1"])
        options.answerAll = true
        options.durationSeconds = 1
        options.pacing = .clock
        options.readsStandardInput = false
        options.eventsPath = events
        let outcome = try LiveRun.run(options, report: { _ in })
        #expect(outcome == .finished)
        let lines = try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n")
        let parsed = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let names = parsed.compactMap { $0["event"] as? String }
        #expect(names.filter { $0 == "call_start" }.count == 2)
        #expect(names.filter { $0 == "call_end" }.count == 2)
        #expect(names.last == "run_end")
    }

    @Test func failuresCarryTheirStatus() throws {
        let (menu, alsa, directory) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: directory) }
        func status(_ change: (inout LiveRun.Options) -> Void) -> Int32? {
            var options = LiveRun.Options(
                menuPath: menu, device: DeviceConfiguration(name: "lines", configFile: alsa, channels: 2),
                lineIDs: ["fxo0", "fxo1"])
            options.readsStandardInput = false
            options.durationSeconds = 0.1
            change(&options)
            do {
                _ = try LiveRun.run(options, report: { _ in })
                return nil
            } catch {
                return error.status
            }
        }
        var problems: [String] = []
        #expect(status { $0.menuPath = directory.appendingPathComponent("none.yaml").path } == 66)
        #expect(status { $0.capture.name = "nosuchpcm"; $0.playback.name = "nosuchpcm" } == 66)
        try "version: 1\nnodes: {}\n".write(toFile: menu, atomically: true, encoding: .utf8)
        do {
            var options = LiveRun.Options(
                menuPath: menu, device: DeviceConfiguration(name: "lines", configFile: alsa, channels: 2),
                lineIDs: ["fxo0", "fxo1"])
            options.readsStandardInput = false
            _ = try LiveRun.run(options, report: { problems.append($0) })
            Issue.record("an invalid menu ran")
        } catch {
            #expect(error.status == 65)
            #expect(error.description.contains("nothing was started"))
        }
        #expect(!problems.isEmpty && problems.allSatisfy { $0.hasPrefix(menu + ":") }, "\(problems)")
    }
}
