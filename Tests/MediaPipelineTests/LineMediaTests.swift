import DSPCore
import PromptMixer
import Testing

@testable import MediaPipeline

/// One line's path driven block by block: the receiver hears a caller, a key stops the prompts that
/// allow barge-in at the sample it is reported at, and the ends come back with their tokens.
@Suite struct LineMediaTests {
    /// The events and the output of a line that plays `greeting` (1 s, as `bargeIn` says) from sample 0
    /// while the caller presses 9 at 300 ms, in blocks of `block` samples, each block's output the next
    /// one's echo reference.
    static func run(bargeIn: Bool, block: Int, stopAt: Int? = nil) throws -> (events: [LineEvent], output: [Int16]) {
        let root = try CallSimulationTests.promptRoot()
        let library = try MenuPrompts.load(CallSimulationTests.menu(root: root))
        let greeting = try #require(library.lookup("greeting", language: "ru"))
        var media = LineMedia(mixer: MixerBox(LineMixer(library: library, voiceCapacity: 4)))
        media.apply(.start(greeting, token: 7, bargeIn: bargeIn))
        let caller = CallSimulationTests.caller(key: .nine, leadMilliseconds: 300) + [Int16](repeating: 0, count: 8000)
        var events: [LineEvent] = []
        var output: [Int16] = []
        var reference = [Int16](repeating: 0, count: block)
        var out = [Int16](repeating: 0, count: block)
        var position = 0
        while position + block <= caller.count {
            if let stopAt, position <= stopAt, stopAt < position + block { media.apply(.stopPrompts) }
            caller[position..<(position + block)].withUnsafeBufferPointer { input in
                reference.withUnsafeBufferPointer { reference in
                    out.withUnsafeMutableBufferPointer { out in
                        media.process(input: input, reference: reference, output: out, at: Int64(position)) {
                            events.append($0)
                        }
                    }
                }
            }
            output += out
            reference = out
            position += block
        }
        return (events, output)
    }

    @Test(arguments: [160, 37])
    func aKeyStopsABargeInPromptAtTheSampleItIsReportedAt(block: Int) throws {
        let (events, output) = try Self.run(bargeIn: true, block: block)
        try #require(events.count == 2)
        guard case .key(let digit, let keySample) = events[0] else {
            Issue.record("first event \(events[0])")
            return
        }
        #expect(digit == .nine)
        // The prompt plays up to the key and fades out over the mixer's 4 ms (32 samples) from there.
        let fadeEnd = keySample + Int64(LineMixer.defaultFadeOutMilliseconds * 8)
        #expect(events[1] == .voiceEnded(token: 7, finished: false, sample: fadeEnd))
        #expect(output[0..<Int(keySample)].contains { $0 != 0 })
        #expect(output[Int(fadeEnd)...].allSatisfy { $0 == 0 })
    }

    @Test func aKeyLeavesAPromptWithoutBargeInPlayingToItsEnd() throws {
        let (events, _) = try Self.run(bargeIn: false, block: 160)
        try #require(events.count == 2)
        guard case .key(.nine, _) = events[0] else {
            Issue.record("first event \(events[0])")
            return
        }
        #expect(events[1] == .voiceEnded(token: 7, finished: true, sample: 8000))
    }

    @Test func stopPromptsStopsAPromptWithoutBargeInToo() throws {
        // Stopped at the start of the block at 160 ms, before the key.
        let (events, _) = try Self.run(bargeIn: false, block: 160, stopAt: 1280)
        #expect(events.first == .voiceEnded(token: 7, finished: false, sample: 1280 + 32))
    }
}
