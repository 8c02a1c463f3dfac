import ArgumentParser
import Foundation
import MediaPipeline

@main
struct IVRMedia: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ivrmedia",
        abstract: "The media half of an IVR: DTMF detection, G.711 and Opus, prompts and routing.",
        subcommands: [Detect.self, Generate.self, Convert.self, Simulate.self, Check.self, Run.self]
    )

    /// Runs the command and maps every error to a message and a sysexits status.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            StandardError.write("ivrmedia: \(error.message)\n")
            Foundation.exit(error.status.rawValue)
        } catch {
            // Parsing errors, --help and --version: ArgumentParser prints them and chooses the status
            // (64 for a usage error, 0 for help).
            exit(withError: error)
        }
    }
}
