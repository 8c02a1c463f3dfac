import DSPCore
import Foundation
import MediaCodecs
import MediaTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `convert` streams: it reads, mixes down, resamples and writes one block at a time, so that its memory
/// does not grow with the input, and the result is the same as converting the whole signal at once.
@Suite("ivrmedia convert streams")
struct ConvertStreamingTests {
    /// Runs `ivrmedia arguments...` (paths given whole) and returns its exit status and its own peak resident
    /// memory in bytes (`wait4`'s rusage of that one child, so that other children of the test process,
    /// which run in parallel, do not count).
    static func runMeasured(_ arguments: [String]) throws -> (status: Int32, peakBytes: Int) {
        let argv = ([CLIRunner.executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, CLIRunner.executable.path, &actions, nil, argv, environ)
        try #require(spawned == 0, "posix_spawn: \(spawned)")
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            try #require(errno == EINTR, "wait4: \(errno)")
        }
        // WEXITSTATUS; a signal (a crash) gives 128 + the signal number.
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return (exit, usage.ru_maxrss * 1024)  // ru_maxrss is in kilobytes on Linux
    }

    /// 192 MB of raw audio (96 M samples, 3.3 hours; a sparse file, so silence) converted to µ-law, against
    /// 1 MB converted by the same binary. Read whole, the samples alone take 192 MB more and the writer's
    /// copy as much again; streamed, the two peaks are within a few blocks of each other. (The difference,
    /// not the peak itself, so that a sanitizer's runtime, which adds its own resting memory, cancels out.)
    @Test("a 192 MB raw input converts with the memory of a few blocks, and every sample is written")
    func largeInputBoundedMemory() throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples = 96 << 20
        let input = directory.appendingPathComponent("long.sln")
        try #require(FileManager.default.createFile(atPath: input.path, contents: nil))
        try #require(truncate(input.path, off_t(samples * 2)) == 0)
        let short = directory.appendingPathComponent("short.sln")
        try #require(FileManager.default.createFile(atPath: short.path, contents: nil))
        try #require(truncate(short.path, off_t(1 << 20)) == 0)
        let output = directory.appendingPathComponent("long.ul")
        let (status, peak) = try Self.runMeasured(["convert", input.path, output.path])
        let (shortStatus, resting) = try Self.runMeasured(
            ["convert", short.path, directory.appendingPathComponent("short.ul").path])
        #expect(status == 0 && shortStatus == 0)
        #expect(peak - resting < 32 << 20, "peak RSS \(peak >> 20) MB for 192 MB, \(resting >> 20) MB for 1 MB")
        let written = try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int
        #expect(written == samples)  // one µ-law byte per sample
    }

    /// Three different channels at 44.1 kHz, several blocks long: the streamed conversion to 8 kHz equals
    /// the mix-down of the whole file resampled in one call, sample for sample (PCM16 WAV, exact) and
    /// through µ-law (the same codes).
    @Test("streamed mix-down and resampling equal the whole-signal reference", arguments: ["out.wav", "out.ul"])
    func sameAsWholeSignal(output: String) throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rate = 44100, frames = 3 * rate + 77
        var interleaved = [Int16](repeating: 0, count: frames * 3)
        var noise: UInt32 = 12345
        for frame in 0..<frames {
            let t = Double(frame) / Double(rate)
            noise = noise &* 1_664_525 &+ 1_013_904_223
            interleaved[frame * 3] = Int16(9000 * sin(2 * .pi * 697 * t))
            interleaved[frame * 3 + 1] = Int16(7000 * sin(2 * .pi * 1477 * t))
            interleaved[frame * 3 + 2] = Int16(truncatingIfNeeded: Int(noise >> 20) - 2048)
        }
        let input = directory.appendingPathComponent("three.wav")
        try Data(TestFiles.wav(samples: interleaved, sampleRate: rate, channelCount: 3)).write(to: input)
        let extra = output.hasSuffix(".wav") ? ["--rate", "8000"] : []
        let result = try CLIRunner.run(["convert", "three.wav", output] + extra, in: directory)
        #expect(result.status == 0, "\(result.standardError)")

        let whole = try AudioFile.read(path: input.path, sampleRate: nil)
        let mono = (0..<whole.frameCount).map { index in
            Int16(clamping: whole.channels.reduce(0) { $0 + Int($1[index]) } / 3)
        }
        var reference = Resampling.resample(mono, from: rate, to: 8000)
        if output.hasSuffix(".ul") { reference = reference.map { G711.muLawDecode(G711.muLawEncode($0)) } }
        let converted = try AudioFile.read(path: directory.appendingPathComponent(output).path, sampleRate: nil)
        #expect(converted.sampleRate == 8000)
        #expect(converted.channels.count == 1)
        #expect(converted.channels[0].count == reference.count)
        #expect(converted.channels[0] == reference)
    }

    /// An output that fails part-way (a link to /dev/full: it opens, and every write fails with
    /// ENOSPC) is 74 naming the output, and the failed output is removed.
    @Test("an output that fills up while blocks are written is 74 and is removed")
    func fullOutputIsIOError() throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(count: 80_000).write(to: directory.appendingPathComponent("five.sln"))
        let output = directory.appendingPathComponent("out.ul")
        try FileManager.default.createSymbolicLink(atPath: output.path, withDestinationPath: "/dev/full")
        let result = try CLIRunner.run(["convert", "five.sln", "out.ul"], in: directory)
        #expect(result.status == 74, "\(result.standardError)")
        #expect(result.standardError.contains("out.ul"), "\(result.standardError)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: output.path)) == nil)
    }
}
