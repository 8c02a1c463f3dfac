import ArgumentParser
import DSPCore
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write DTMF keys as audio (ITU-T Q.23).",
        discussion: """
            DIGITS are keypad characters: 0-9, *, #, A-D. A comma inserts a pause of 500 ms. The output \
            format follows the extension of OUT (.wav, .sln, .raw, .ul, .ulaw, .al, .alaw, .opus).
            """
    )

    @Argument(help: "The keys to write, e.g. 123#.")
    var digits: String

    @Option(name: .shortAndLong, help: "The file to write.")
    var output: String

    @Option(help: "How long each key sounds, ms.")
    var onMs: Double = 100

    @Option(help: "The silence after each key, ms.")
    var offMs: Double = 100

    @Option(help: "Silence before the first key, ms.")
    var leadMs: Double = 0

    @Option(parsing: .unconditional, help: "The level of each tone, dBm0.")
    var levelDbm0: Double = -10

    @Option(parsing: .unconditional, help: "High tone minus low tone, dB (negative: the low tone is louder).")
    var twistDb: Double = 0

    @Option(help: "The encoding of a .wav output: \(OutputEncoding.helpList).")
    var encoding: OutputEncoding?

    func validate() throws {
        guard !digits.isEmpty else { throw ValidationError("DIGITS is empty") }
        if let bad = digits.first(where: { $0 != "," && DTMFDigit($0) == nil }) {
            throw ValidationError("'\(bad)' in DIGITS is not a key (0-9, *, #, A-D, and ',' for a pause)")
        }
        guard onMs > 0, onMs <= 60_000, offMs >= 0, offMs <= 60_000, leadMs >= 0, leadMs <= 600_000 else {
            throw ValidationError("--on-ms must be in (0, 60000], --off-ms and --lead-ms must not be negative")
        }
        guard levelDbm0 <= 3, levelDbm0 >= -60 else { throw ValidationError("--level-dbm0 must be in [-60, 3]") }
        guard abs(twistDb) <= 20 else { throw ValidationError("--twist-db must be in [-20, 20]") }
    }

    func run() throws {
        let generator = DTMFGenerator(
            levelDBm0: levelDbm0, twistDB: twistDb, onMilliseconds: onMs,
            offMilliseconds: offMs)
        var signal = [Double](repeating: 0, count: Int((leadMs * 8).rounded()))
        for character in digits {
            if character == "," {
                signal += [Double](repeating: 0, count: 4000)
                continue
            }
            let offset = signal.count
            generator.addTone(DTMFDigit(character)!, to: &signal, at: offset)
            signal += [Double](repeating: 0, count: generator.offSamples)
        }
        try AudioOutput.write(signal.map(Saturate.int16), sampleRate: G711.sampleRate, to: output, encoding: encoding)
    }
}
