import DSPCore
import Foundation
import PromptMixer
import Testing

/// A library of test signals, and a mixer driven frame by frame.
private struct Fixture: ~Copyable {
    let root: PromptRoot
    let library: PromptLibrary

    /// Writes each (id, samples) as `<root>/xx/<id>.wav` and loads them all.
    init(_ prompts: [(String, [Int16])]) throws {
        let root = try PromptRoot()
        for (id, samples) in prompts { try root.write("xx/\(id).wav", samples: samples) }
        library = try PromptLibrary.load(
            root: root.path, requests: prompts.map { PromptRequest(id: $0.0, language: "xx") })
        self.root = root
    }

    func handle(_ id: String) throws -> PromptHandle {
        try #require(library.lookup(id, language: "xx"))
    }
}

/// Renders `count` samples in frames of `frameLength`; returns the output and every end with its
/// absolute sample position.
private func render(
    _ mixer: inout LineMixer, count: Int, frameLength: Int
) -> (samples: [Int16], ends: [(VoiceEnd, position: Int)]) {
    var output = [Int16](repeating: 0, count: count)
    var ends: [(VoiceEnd, position: Int)] = []
    var start = 0
    while start < count {
        let length = min(frameLength, count - start)
        let frameEnds = output.withUnsafeMutableBufferPointer { buffer in
            mixer.render(into: UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + length)]))
        }
        for end in frameEnds {
            #expect(end.sampleOffset >= 0 && end.sampleOffset <= length)
            ends.append((end, start + end.sampleOffset))
        }
        start += length
    }
    return (output, ends)
}

struct LineMixerTests {
    @Test("a sine prompt over looping music: each level within 0.1 dB of its gain")
    func mixedLevels() throws {
        // 1 kHz for 2 s; 400 Hz music of 0.25 s (100 whole cycles, so the loop is seamless).
        let prompt = Signal.sine(frequency: 1000, amplitude: 10000, count: 16000)
        let music = Signal.sine(frequency: 400, amplitude: 10000, count: 2000)
        let fixture = try Fixture([("prompt", prompt), ("music", music)])
        for (promptGain, musicGain) in [(0.0, -12.0), (-6.0, -20.0), (3.0, 0.0), (-30.0, -3.0)] {
            var mixer = LineMixer(library: fixture.library)
            let musicVoice = mixer.start(
                try fixture.handle("music"), gainDecibels: musicGain, loop: true, tag: .music)
            let promptVoice = mixer.start(try fixture.handle("prompt"), gainDecibels: promptGain)
            #expect(musicVoice != nil && promptVoice != nil)
            let (output, ends) = render(&mixer, count: 16000, frameLength: 160)
            let window = output[4000..<12000]
            let promptLevel = Signal.decibels(Signal.amplitude(of: window, frequency: 1000), over: 10000)
            let musicLevel = Signal.decibels(Signal.amplitude(of: window, frequency: 400), over: 10000)
            #expect(abs(promptLevel - promptGain) < 0.1, "prompt \(promptLevel) dB for \(promptGain) dB")
            #expect(abs(musicLevel - musicGain) < 0.1, "music \(musicLevel) dB for \(musicGain) dB")
            #expect(ends.count == 1 && ends.first?.0.reason == .finished && ends.first?.position == 16000)
            #expect(mixer.isPlaying(tag: .music) && !mixer.isPlaying(tag: .prompt))
        }
    }

    @Test("full-scale voices saturate and never wrap", arguments: [0.0, 6.0, 18.0])
    func saturation(gainDecibels: Double) throws {
        let loud = Signal.sine(frequency: 250, amplitude: 32767, count: 1600)
        let square = (0..<1600).map { Int16($0 / 16 % 2 == 0 ? 30000 : -30000) }
        let fixture = try Fixture([("loud", loud), ("square", square)])
        var mixer = LineMixer(library: fixture.library)
        _ = mixer.start(try fixture.handle("loud"), gainDecibels: gainDecibels)
        _ = mixer.start(try fixture.handle("square"), gainDecibels: gainDecibels)
        let (output, _) = render(&mixer, count: 1600, frameLength: 160)
        let gain = Gain(decibels: gainDecibels)
        var wrapped = 0
        var clipped = 0
        for index in 0..<1600 {
            let exact = Int64(Mixing.scaled(loud[index], by: gain)) + Int64(Mixing.scaled(square[index], by: gain))
            let expected = Int16(min(max(exact, -32768), 32767))
            if output[index] != expected { wrapped += 1 }
            if exact > 32767 || exact < -32768 { clipped += 1 }
        }
        #expect(wrapped == 0)
        #expect(clipped > 100)
        #expect(output.contains(.max) && output.contains(.min))
    }

    @Test("a stop before a render takes effect in that render, with a bounded fade", arguments: [4, 1, 0])
    func stopWithinFrame(fadeMilliseconds: Int) throws {
        let amplitude = 12000.0
        let prompt = Signal.sine(frequency: 1000, amplitude: amplitude, count: 8000)
        let fixture = try Fixture([("prompt", prompt)])
        var mixer = LineMixer(library: fixture.library, fadeOutMilliseconds: fadeMilliseconds)
        let fade = mixer.fadeOutSampleCount
        #expect(fade == fadeMilliseconds * 8)
        let voiceStarted = mixer.start(try fixture.handle("prompt"))
        let voice = try #require(voiceStarted)
        let (before, noEnds) = render(&mixer, count: 480, frameLength: 160)
        #expect(noEnds.isEmpty && before == Array(prompt[0..<480]))

        #expect(mixer.stop(voice) == true)
        #expect(mixer.stop(voice) == false)  // already stopping
        var frame = [Int16](repeating: 1, count: 160)
        let ends = frame.withUnsafeMutableBufferPointer { mixer.render(into: $0) }
        #expect(ends.count == 1)
        #expect(ends.first?.reason == .stopped && ends.first?.voice == voice && ends.first?.tag == .prompt)
        #expect(ends.first?.sampleOffset == fade)
        for index in 0..<160 {
            let remaining = max(0, fade - index)
            // Sample k of the fade sounds at most at (F - k) / F of the prompt, and exactly 0 after the fade.
            let bound = abs(Double(prompt[480 + index])) * Double(remaining) / Double(max(fade, 1)) + 1
            #expect(abs(Double(frame[index])) <= bound, "sample \(index)")
            if index >= fade { #expect(frame[index] == 0) }
        }
        if fade > 0 { #expect(frame[0] == prompt[480]) }
        #expect(!mixer.isPlaying(voice) && mixer.activeVoiceCount == 0)
        #expect(mixer.stop(voice) == false)
    }

    @Test("barge-in stops the prompts and leaves the music, in the same frame")
    func bargeIn() throws {
        let prompt = Signal.sine(frequency: 1000, amplitude: 9000, count: 8000)
        let music = Signal.sine(frequency: 400, amplitude: 3000, count: 2000)
        let fixture = try Fixture([("prompt", prompt), ("music", music)])
        var mixer = LineMixer(library: fixture.library)
        var musicOnly = LineMixer(library: fixture.library)
        _ = mixer.start(try fixture.handle("music"), gainDecibels: -6, loop: true, tag: .music)
        _ = musicOnly.start(try fixture.handle("music"), gainDecibels: -6, loop: true, tag: .music)
        let promptVoiceStarted = mixer.start(try fixture.handle("prompt"), tag: .prompt)
        let promptVoice = try #require(promptVoiceStarted)
        _ = render(&mixer, count: 320, frameLength: 160)
        _ = render(&musicOnly, count: 320, frameLength: 160)
        #expect(mixer.stopAll(tag: .prompt) == 1)
        let (after, ends) = render(&mixer, count: 480, frameLength: 160)
        let (reference, _) = render(&musicOnly, count: 480, frameLength: 160)
        #expect(ends.count == 1 && ends.first?.0.voice == promptVoice && ends.first?.0.reason == .stopped)
        #expect(ends.first?.position == mixer.fadeOutSampleCount)
        #expect(Array(after[mixer.fadeOutSampleCount...]) == Array(reference[mixer.fadeOutSampleCount...]))
        #expect(Array(after[0..<mixer.fadeOutSampleCount]) != Array(reference[0..<mixer.fadeOutSampleCount]))
        #expect(mixer.isPlaying(tag: .music))
    }

    @Test("a fade longer than the frame ends in a later frame, at the right offset")
    func fadeAcrossFrames() throws {
        let fixture = try Fixture([("prompt", [Int16](repeating: 16000, count: 4000))])
        var mixer = LineMixer(library: fixture.library, fadeOutMilliseconds: 4)
        _ = mixer.start(try fixture.handle("prompt"))
        _ = render(&mixer, count: 100, frameLength: 10)
        mixer.stopAll()
        let (output, ends) = render(&mixer, count: 100, frameLength: 10)
        #expect(ends.count == 1 && ends.first?.position == 32 && ends.first?.0.sampleOffset == 2)
        // A monotone linear fade from full level.
        #expect(output[0] == 16000)
        for index in 1..<32 { #expect(output[index] <= output[index - 1] && output[index] > 0) }
        #expect(abs(Int(output[16]) - 8000) <= 2)
        #expect(output[32...].allSatisfy { $0 == 0 })
    }

    @Test(
        "a prompt ends exactly after its length, for any frame length",
        arguments: [1, 7, 80, 159, 160, 161, 320, 333, 1000])
    func finishedOffsets(frameLength: Int) throws {
        let lengths = [0, 1, 159, 160, 161, 1234]
        let fixture = try Fixture(
            lengths.map { length in
                ("p\(length)", (0..<length).map { Int16(truncatingIfNeeded: $0 &* 7919 &+ 1) })
            })
        for length in lengths {
            var mixer = LineMixer(library: fixture.library)
            // Offset the start by some frames of silence, so that the end does not line up with frames.
            _ = render(&mixer, count: frameLength * 3, frameLength: frameLength)
            let handle = try fixture.handle("p\(length)")
            let voiceStarted = mixer.start(handle)
            let voice = try #require(voiceStarted)
            let total = length + 2 * frameLength + 1
            let (output, ends) = render(&mixer, count: total, frameLength: frameLength)
            #expect(ends.count == 1, "length \(length)")
            #expect(ends.first?.0.voice == voice && ends.first?.0.reason == .finished)
            #expect(ends.first?.position == length, "length \(length), frames of \(frameLength)")
            #expect(Array(output[0..<length]) == fixture.library.samples(of: handle))
            #expect(output[length...].allSatisfy { $0 == 0 })
            #expect(mixer.activeVoiceCount == 0)
        }
    }

    @Test("ends are reported in order of their offset within the frame")
    func endsInOrder() throws {
        let fixture = try Fixture([
            ("a", [Int16](repeating: 100, count: 90)), ("b", [Int16](repeating: 100, count: 30)),
            ("c", [Int16](repeating: 100, count: 60)), ("d", [Int16](repeating: 100, count: 30)),
        ])
        var mixer = LineMixer(library: fixture.library)
        var voices: [VoiceID] = []
        for id in ["a", "b", "c", "d"] {
            let started = mixer.start(try fixture.handle(id))
            voices.append(try #require(started))
        }
        var frame = [Int16](repeating: 0, count: 160)
        let ends = frame.withUnsafeMutableBufferPointer { mixer.render(into: $0) }
        #expect(ends.map(\.sampleOffset) == [30, 30, 60, 90])
        #expect(ends.map(\.voice) == [voices[1], voices[3], voices[2], voices[0]])
        #expect(frame[0] == 400 && frame[30] == 200 && frame[60] == 100 && frame[90] == 0)
    }

    @Test("looping music wraps seamlessly, sample for sample")
    func looping() throws {
        let music = (0..<100).map { Int16($0 * 300 - 15000) }
        let fixture = try Fixture([("music", music)])
        for frameLength in [160, 37, 100, 1] {
            var mixer = LineMixer(library: fixture.library)
            let voiceStarted = mixer.start(try fixture.handle("music"), loop: true, tag: .music)
            let voice = try #require(voiceStarted)
            let (output, ends) = render(&mixer, count: 1000, frameLength: frameLength)
            #expect(ends.isEmpty)
            #expect(output.indices.allSatisfy { output[$0] == music[$0 % 100] })
            #expect(mixer.isPlaying(voice))
        }
    }

    @Test("gains: -6.02 dB halves, +6.02 dB doubles, mute is silent; setGain applies from the next frame")
    func gains() throws {
        let tone = Signal.sine(frequency: 500, amplitude: 8000, count: 1600)
        let fixture = try Fixture([("tone", tone)])
        for decibels in [-6.0206, 6.0206, -20.0, -96.0, -.infinity] {
            var mixer = LineMixer(library: fixture.library)
            _ = mixer.start(try fixture.handle("tone"), gainDecibels: decibels)
            let (output, _) = render(&mixer, count: 1600, frameLength: 160)
            let measured = Signal.amplitude(of: output, frequency: 500)
            if decibels < -90 {
                #expect(output.allSatisfy { $0 == 0 })
            } else {
                #expect(abs(Signal.decibels(measured, over: 8000) - decibels) < 0.1, "\(decibels) dB")
            }
        }
        var mixer = LineMixer(library: fixture.library)
        let voiceStarted = mixer.start(try fixture.handle("tone"))
        let voice = try #require(voiceStarted)
        let (first, _) = render(&mixer, count: 800, frameLength: 160)
        #expect(mixer.setGain(voice, decibels: -6.0206) == true)
        let (second, _) = render(&mixer, count: 800, frameLength: 160)
        #expect(first == Array(tone[0..<800]))
        #expect(second.indices.allSatisfy { abs(Int(second[$0]) - Int(tone[800 + $0]) / 2) <= 1 })
    }

    @Test("capacity, stale voice ids and handles of another library")
    func bookkeeping() throws {
        let fixture = try Fixture([
            ("short", [Int16](repeating: 5, count: 10)), ("long", [Int16](repeating: 5, count: 9000)),
        ])
        var mixer = LineMixer(library: fixture.library, voiceCapacity: 2)
        let shortStarted = mixer.start(try fixture.handle("short"))
        let short = try #require(shortStarted)
        #expect(mixer.start(try fixture.handle("long")) != nil)
        #expect(mixer.start(try fixture.handle("long")) == nil)
        #expect(mixer.activeVoiceCount == 2)
        var frame = [Int16](repeating: 0, count: 160)
        _ = frame.withUnsafeMutableBufferPointer { mixer.render(into: $0) }
        #expect(!mixer.isPlaying(short))
        let reusedStarted = mixer.start(try fixture.handle("long"))
        let reused = try #require(reusedStarted)
        #expect(reused.slot == short.slot && reused != short)
        #expect(mixer.stop(short) == false)  // the old id does not stop the new voice in its slot
        #expect(mixer.setGain(short, decibels: -10) == false)
        #expect(mixer.isPlaying(reused))

        let other = try Fixture([("short", [Int16](repeating: 5, count: 10))])
        var otherMixer = LineMixer(library: other.library)
        #expect(otherMixer.start(try fixture.handle("long")) == nil)
        #expect(otherMixer.libraryIdentifier == other.library.identifier)
    }

    @Test("an idle mixer renders silence over whatever the frame held")
    func silence() throws {
        let fixture = try Fixture([("x", [1, 2, 3])])
        var mixer = LineMixer(library: fixture.library)
        var frame = [Int16](repeating: 777, count: 500)
        let ends = frame.withUnsafeMutableBufferPointer { mixer.render(into: $0) }
        #expect(ends.isEmpty && frame.allSatisfy { $0 == 0 })
    }
}
