import Foundation
import Synchronization

/// The event log's destination: `--events PATH`, else the menu's `logging.sink`: `stdout` (the default),
/// `file:PATH` (appended), or `syslog:FACILITY` (each event a message to the local syslog daemon through
/// /dev/log, tag `ivrmedia`; standard output when there is no syslog daemon, said once on standard error).
///
/// Each event is one write(2) of its whole line (a short write is continued, EINTR retried), so that a
/// reader, or a file left behind by a killed process, sees whole lines. A write that fails (a full disk,
/// a file-size limit, a reader gone away) never stops the run: a regular file is cut back to its length
/// before that event, so that no partial line stays; the failure is said once on standard error, the
/// events are counted and dropped, and every later event tries again. Writing works again when
/// `recoveryRun` events in a row are written; that is said once, with the count dropped. (A file at a
/// size limit or on a nearly full disk takes a short event now and then between failures: one message
/// for the whole outage, not one for each.) An outage still on at the end of the run is summed up by
/// `flush`.
///
/// Any thread may write (a lock keeps each line whole and the count right); the engine writes from its
/// control thread, never from the audio thread.
public final class EventSink: Sendable {
    /// The sink could not be opened; `description` is the whole message.
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    enum Destination {
        /// A file or standard output. `name` is what messages call it.
        case stream(fd: Int32, name: String, owned: Bool)
        case syslog(fd: Int32, priority: Int)
    }

    private struct State {
        /// Events dropped since the outage began; nil while writing works.
        var dropped: Int?
        /// Events written in a row since the last failure of the outage.
        var writtenInARow = 0
    }

    /// Events written in a row that end an outage.
    static let recoveryRun = 16

    private let destination: Destination
    private let state = Mutex(State())
    private let report: @Sendable (String) -> Void

    /// Opens the sink. `report` takes the sink's own messages (standard error unless a test collects
    /// them), each a whole line.
    public init(
        path: String?, configured: String?, report: @escaping @Sendable (String) -> Void = StandardError.write
    ) throws(OpenError) {
        self.report = report
        if let path {
            destination = .stream(fd: try Self.append(path), name: path, owned: true)
            return
        }
        guard let configured, configured != "stdout" else {
            destination = .stream(fd: STDOUT_FILENO, name: "standard output", owned: false)
            return
        }
        if configured.hasPrefix("file:") {
            let file = String(configured.dropFirst(5))
            destination = .stream(fd: try Self.append(file), name: file, owned: true)
            return
        }
        let facility = Self.facilities[String(configured.dropFirst(7))] ?? 16  // local0
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0, UnixSocketAddress("/dev/log")?.connect(fd) == true else {
            if fd >= 0 { close(fd) }
            report("ivrmedia: no syslog daemon (/dev/log): events go to standard output\n")
            destination = .stream(fd: STDOUT_FILENO, name: "standard output", owned: false)
            return
        }
        destination = .syslog(fd: fd, priority: facility * 8 + 6)  // informational
    }

    /// A sink on an open descriptor that stays the caller's (tests: a pipe whose fullness they control).
    init(fileDescriptor: Int32, name: String, report: @escaping @Sendable (String) -> Void) {
        self.report = report
        destination = .stream(fd: fileDescriptor, name: name, owned: false)
    }

    deinit {
        switch destination {
        case .stream(let fd, _, let owned): if owned { close(fd) }
        case .syslog(let fd, _): close(fd)
        }
    }

    static let facilities: [String: Int] = [
        "user": 1, "daemon": 3, "local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20,
        "local5": 21, "local6": 22, "local7": 23,
    ]

    /// Opens `path` for appending, creating it if need be.
    static func append(_ path: String) throws(OpenError) -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OpenError(description: "\(path): cannot open the events file for writing (\(Self.reason(errno)))")
        }
        return fd
    }

    /// Writes one event line (the newline is added).
    public func write(_ line: String) {
        var bytes = Array(line.utf8)
        state.withLock { state in
            switch destination {
            case .syslog(let fd, let priority):
                // A datagram the daemon does not take is the daemon's to count, as for any syslog client.
                let message = Array("<\(priority)>ivrmedia: ".utf8) + bytes
                _ = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            case .stream(let fd, let name, _):
                bytes.append(0x0A)
                let start = Self.endOffset(fd)
                let error = Self.writeWhole(fd, bytes)
                if error == 0 {
                    if let dropped = state.dropped {
                        state.writtenInARow += 1
                        if state.writtenInARow == Self.recoveryRun {
                            report("ivrmedia: \(name): events are written again; \(dropped) were dropped\n")
                            state.dropped = nil
                        }
                    }
                    return
                }
                // A regular file goes back to where it was, so that no partial line stays in it.
                if let start, ftruncate(fd, start) == 0 { lseek(fd, start, SEEK_SET) }
                if state.dropped == nil {
                    report(
                        "ivrmedia: \(name): cannot write events (\(Self.reason(error))); "
                            + "events are dropped until writing works again\n")
                }
                state.dropped = (state.dropped ?? 0) + 1
                state.writtenInARow = 0
            }
        }
    }

    /// Events dropped in the outage under way (0 while writing works).
    public var droppedCount: Int { state.withLock { $0.dropped ?? 0 } }

    /// At the end of the run: makes the events written so far durable (fsync), where the destination is
    /// a file, and says how many were dropped if writing has not worked again.
    public func flush() {
        guard case .stream(let fd, let name, _) = destination else { return }
        fsync(fd)
        state.withLock { state in
            if let dropped = state.dropped { report("ivrmedia: \(name): \(dropped) events were dropped\n") }
        }
    }

    /// Where the next write of a regular file lands (its end when appending), or nil for anything else.
    static func endOffset(_ fd: Int32) -> off_t? {
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return fcntl(fd, F_GETFL) & O_APPEND != 0 ? status.st_size : lseek(fd, 0, SEEK_CUR)
    }

    /// Writes all of `bytes`: continues a short write, retries EINTR. Returns 0, or the errno that stopped it.
    static func writeWhole(_ fd: Int32, _ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if written == 0 { return EIO }  // no progress and no error: never loop forever
                offset += written
            }
            return 0
        }
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// Standard error, unbuffered, one write(2) a message: the messages of the control plane and the CLI.
public enum StandardError {
    /// Writes `text` whole; a failure to write to standard error is ignored (there is nowhere to say it).
    @Sendable public static func write(_ text: String) {
        _ = EventSink.writeWhole(STDERR_FILENO, Array(text.utf8))
    }

    public static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// A Unix-domain socket address (`sockaddr_un`); nil when the path does not fit in one.
struct UnixSocketAddress {
    var storage = sockaddr_un()

    init?(_ path: String) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: storage.sun_path) else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
    }

    func connect(_ fd: Int32) -> Bool { withAddress { Glibc.connect(fd, $0, $1) } == 0 }

    func bind(_ fd: Int32) -> Bool { withAddress { Glibc.bind(fd, $0, $1) } == 0 }

    private func withAddress(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = storage
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
