import ArgumentParser

/// The input formats `--format` can name, instead of the extension.
enum InputFormat: String, CaseIterable, ExpressibleByArgument {
    case wav, opus, ogg, sln, raw, ul, ulaw, al, alaw

    static var helpList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The encodings of a WAV output.
enum OutputEncoding: String, CaseIterable, ExpressibleByArgument {
    case pcm16, ulaw, alaw

    static var helpList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
