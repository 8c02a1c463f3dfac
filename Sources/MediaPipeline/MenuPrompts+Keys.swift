import DSPCore
import IVRConfiguration
import PromptMixer

extension MenuPrompts {
    /// The form of a prompt in which the receiver heard a key.
    public enum PromptCopy: String, Sendable, Hashable {
        /// The prompt's samples as the library holds them (8 kHz, decoded once at load).
        case native = "native copy"
        /// `TelephoneBand.hotCopy`: band-limited, raised to full scale with soft clipping, through µ-law;
        /// the loudest form in which the prompt can come back from the line as echo.
        case telephoneBand = "loud telephone-band copy"
    }

    /// A key the DTMF receiver hears in a prompt.
    public struct HeardKey: Sendable, Hashable {
        public var digit: DTMFDigit
        /// The estimated first sample of the tone, counted from the start of the prompt (8 kHz).
        public var onsetSample: Int64
        public var copy: PromptCopy

        /// The onset in seconds from the start of the prompt.
        public var seconds: Double { Double(onsetSample) / Double(DTMFDetector.sampleRate) }
    }

    /// The key check of `ivrmedia check`: a prompt that the receiver hears as a key could route a caller
    /// when it comes back from the line as echo, so every prompt file the configuration names (each
    /// named id in each language it is requested in, each distinct file once, however many languages
    /// resolve to it) goes through the receiver natively and as its loud telephone-band copy. Each file
    /// that gives a key is one warning, at the first place that names the id, for the first key of the
    /// native copy, or of the telephone-band copy when the native one gives none.
    ///
    /// Cost: two passes of the receiver and one telephone-band filter per distinct file, offline.
    public static func keyCheck(
        _ configuration: MenuConfiguration, _ library: PromptLibrary
    ) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        var checkedFiles = Set<String>()
        for (id, place) in namedPrompts(configuration) where configuration.prompts.items[id]?.isAlias != true {
            for language in languages(of: id, configuration) {
                guard let handle = library.lookup(id, language: language),
                    checkedFiles.insert(handle.path).inserted,
                    let samples = library.samples(of: handle)
                else { continue }
                let keys = keysHeard(inPrompt: samples)
                guard let first = keys.first else { continue }
                let inCopy = keys.filter { $0.copy == first.copy }.count
                let copy = inCopy > 1 ? "\(first.copy.rawValue); \(inCopy) keys in all" : first.copy.rawValue
                let language = handle.language ?? "neutral"
                problems.append(
                    ConfigurationProblem(
                        .warning, file: configuration.path, line: place.line, column: place.column,
                        message: "prompt `\(id)` (\(language)) is heard as key '\(first.digit)' at "
                            + "\(twoDecimals(first.seconds)) s (\(copy)): "
                            + "a caller on an echoing line could be routed by it"
                    ))
            }
        }
        return problems
    }

    /// The keys the receiver hears in a prompt: those of the native copy, then those of the loud
    /// telephone-band copy, each in order of onset.
    public static func keysHeard(inPrompt samples: [Int16]) -> [HeardKey] {
        let native = keyDowns(samples).map { HeardKey(digit: $0.digit, onsetSample: $0.onsetSample, copy: .native) }
        let band = keyDowns(TelephoneBand.hotCopy(samples)).map {
            HeardKey(digit: $0.digit, onsetSample: $0.onsetSample, copy: .telephoneBand)
        }
        return native + band
    }

    /// The key-downs a receiver of the default configuration reports in `samples`, fed 160 samples
    /// (20 ms) at a time as a line's receiver is fed during a call.
    static func keyDowns(_ samples: [Int16]) -> [DTMFDetector.Event] {
        let block = 160
        var detector = DTMFDetector()
        var events: [DTMFDetector.Event] = []
        samples.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = min(start + block, all.count)
                detector.process(UnsafeBufferPointer(rebasing: all[start..<end])) { event in
                    if event.kind == .keyDown { events.append(event) }
                }
                start = end
            }
        }
        return events
    }

    /// `value` with two decimals (`0.85`), without Foundation's locale-dependent formatting.
    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
