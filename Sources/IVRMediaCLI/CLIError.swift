import Foundation
import MediaPipeline

/// The exit statuses of sysexits(3) that ivrmedia uses.
enum ExitStatus: Int32 {
    /// EX_USAGE: the command was used incorrectly.
    case usage = 64
    /// EX_DATAERR: the input data was incorrect (corrupt, truncated, unsupported).
    case dataError = 65
    /// EX_NOINPUT: an input file did not exist or was not readable.
    case noInput = 66
    /// EX_SOFTWARE: an internal error.
    case software = 70
    /// EX_IOERR: an error while doing I/O (writing output, a device).
    case ioError = 74
}

/// An error the CLI reports as one line on standard error and an exit status.
struct CLIError: Error, CustomStringConvertible {
    var status: ExitStatus
    var message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A failure of the engine's (a run, or the loading of a menu), with its own status.
    init(_ error: RunError) {
        self.init(ExitStatus(rawValue: error.status) ?? .software, error.description)
    }

    var description: String { message }
}

/// Standard output, line-buffered through a large buffer so that many events stay cheap.
struct OutputLines {
    private var buffer = Data()

    mutating func append(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
