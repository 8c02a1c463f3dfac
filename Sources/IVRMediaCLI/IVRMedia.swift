import ArgumentParser

@main
struct IVRMedia: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ivrmedia",
        abstract: "The media half of an IVR: DTMF detection, codecs, prompts and routing."
    )
}
