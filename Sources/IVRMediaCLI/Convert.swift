import ArgumentParser
import DSPCore
import Foundation

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert audio between WAV, Ogg Opus and the raw formats of Asterisk prompt libraries.",
        discussion: """
            The formats follow the extensions: .wav, .opus/.ogg, .sln/.raw (signed 16-bit 8 kHz), \
            .ul/.ulaw (µ-law), .al/.alaw (A-law). Several channels are mixed down to one.
            """
    )

    @Argument(help: "The file to read.")
    var input: String

    @Argument(help: "The file to write.")
    var output: String

    @Option(help: "The format of the input, instead of its extension: \(InputFormat.helpList).")
    var format: InputFormat?

    @Option(help: "The encoding of a .wav output: \(OutputEncoding.helpList).")
    var encoding: OutputEncoding?

    @Option(help: "The sample rate of a .wav output in Hz (raw and Opus outputs are 8000).")
    var rate: Int = 8000

    func validate() throws {
        guard [8000, 16000, 32000, 48000].contains(rate) else {
            throw ValidationError("--rate must be 8000, 16000, 32000 or 48000")
        }
    }

    func run() throws {
        var audio = try InputAudio(path: input, format: format)
        var mono: [Int16] = []
        while let block = try audio.next() {
            let channels = block.count
            for index in block[0].indices {
                var sum = 0
                for channel in 0..<channels { sum += Int(block[channel][index]) }
                mono.append(Int16(clamping: sum / channels))
            }
        }
        var samples = mono
        if rate != 8000 {
            samples = Resampling.resample(mono, from: 8000, to: rate)
        }
        try AudioOutput.write(samples, sampleRate: rate, to: output, encoding: encoding)
    }
}
