import Foundation
import Synchronization

/// The control channel's server: newline-ended lines from standard input and from the clients of a Unix
/// socket, each handed whole to `submit` (the engine's `submit`, which only queues it for the control
/// loop: nothing here ever reaches the audio thread).
///
/// One thread serves everything with poll(2): the listener, every client and standard input. A client
/// that is connected and silent costs a slot and nothing else; one that writes a lot is read a chunk at a
/// time in turn with the others.
///
/// Limits, so that no client can take the process's memory or hold up the others:
/// - at most `maximumClients` clients at once; one more is accepted, sent one line
///   (`error: too many control clients (at most 64)`) and closed;
/// - a line longer than `maximumLineLength` bytes (`ControlMessage.maximumLength`) is dropped up to its
///   newline, `refused` is told once for it, and the connection goes on with the next line;
/// - empty lines are skipped; anything else (not JSON, binary) goes to `submit`, whose parser refuses it.
public final class ControlChannel: Sendable {
    public static let defaultMaximumClients = 64

    /// The channel could not be set up; `description` is the whole message.
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
        /// The socket path itself is unusable (too long for a Unix socket), as opposed to a failure.
        public var isUsage = false
    }

    let socketPath: String?
    let readsStandardInput: Bool
    let maximumClients: Int
    let maximumLineLength: Int
    let submit: @Sendable (String) -> Void
    let refused: @Sendable (String) -> Void
    /// The listening socket (-1 without one) and the pipe whose write end wakes the thread to stop.
    let listener: Int32
    let wake: (read: Int32, write: Int32)
    let doneCondition = DispatchSemaphore(value: 0)

    /// Listens on `socketPath` (a stale socket file there is replaced) and, with `standardInput`, reads
    /// standard input; serving starts with `start`. `refused` gets a message for each line dropped for
    /// its length.
    public init(
        socketPath: String?, standardInput: Bool, maximumClients: Int = defaultMaximumClients,
        maximumLineLength: Int = ControlMessage.maximumLength, submit: @escaping @Sendable (String) -> Void,
        refused: @escaping @Sendable (String) -> Void
    ) throws(SetupError) {
        self.socketPath = socketPath
        readsStandardInput = standardInput
        self.maximumClients = maximumClients
        self.maximumLineLength = maximumLineLength
        self.submit = submit
        self.refused = refused
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw SetupError(description: "control channel: pipe() failed: \(EventSink.reason(errno))")
        }
        wake = (fds[0], fds[1])
        guard let socketPath else {
            listener = -1
            return
        }
        func fail(_ message: String, isUsage: Bool = false) -> SetupError {
            close(fds[0])
            close(fds[1])
            return SetupError(description: "\(socketPath): \(message)", isUsage: isUsage)
        }
        guard let address = UnixSocketAddress(socketPath) else {
            throw fail("the socket path is too long", isUsage: true)
        }
        // The socket is bound under a name of its own, listens, and only then takes its path (rename is
        // atomic), so that a client that waits for the path to appear never finds it refusing connections.
        let staging = "\(socketPath).\(getpid())"
        let stagingAddress = UnixSocketAddress(staging)
        unlink(staging)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw fail("socket() failed: \(EventSink.reason(errno))") }
        // A backlog of the whole client limit and more, so that a burst of connections waits in the
        // kernel for the thread to accept (and refuse the excess) rather than failing to connect.
        let placed: Bool
        if let stagingAddress {
            placed = stagingAddress.bind(fd) && listen(fd, 256) == 0 && rename(staging, socketPath) == 0
        } else {
            // A path so long that a longer name does not fit: bound in place.
            unlink(socketPath)
            placed = address.bind(fd) && listen(fd, 256) == 0
        }
        guard placed, fcntl(fd, F_SETFL, O_NONBLOCK) == 0 else {
            let reason = EventSink.reason(errno)
            close(fd)
            unlink(staging)
            throw fail("cannot listen: \(reason)")
        }
        listener = fd
    }

    deinit {
        if listener >= 0 { close(listener) }
        close(wake.read)
        close(wake.write)
    }

    /// Starts the serving thread.
    public func start() {
        let thread = Thread { [self] in
            serve()
            doneCondition.signal()
        }
        thread.name = "ivrmedia-control"
        thread.start()
    }

    /// Stops serving: closes every client, removes the socket file, and returns when the thread has ended.
    /// Call once, after `start`.
    public func stop() {
        var byte: UInt8 = 1
        _ = Glibc.write(wake.write, &byte, 1)
        doneCondition.wait()
        if let socketPath { unlink(socketPath) }
    }

    /// One source of lines: its descriptor and the part of a line read so far.
    struct Client {
        var fd: Int32
        var pending: [UInt8] = []
        /// Dropping the rest of a line that passed the length limit, up to its newline.
        var discarding = false
    }

    /// The thread's loop; returns when `stop` wakes it.
    func serve() {
        var clients: [Client] = []
        var input = readsStandardInput ? Client(fd: STDIN_FILENO) : nil
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var descriptors: [pollfd] = []
        // False while the process is out of descriptors: a connection waiting in the backlog would keep
        // the listener readable, and polling it would spin; it is tried again after a client leaves, or
        // after a second.
        var listening = true
        while true {
            descriptors.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0))
            descriptors.append(pollfd(fd: listening ? listener : -1, events: Int16(POLLIN), revents: 0))  // -1: ignored
            descriptors.append(pollfd(fd: input?.fd ?? -1, events: Int16(POLLIN), revents: 0))
            for client in clients { descriptors.append(pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)) }
            let timeout: Int32 = listening ? -1 : 1000
            listening = true
            if poll(&descriptors, nfds_t(descriptors.count), timeout) < 0 {
                if errno == EINTR { continue }
                break  // never expected (EFAULT, EINVAL, ENOMEM): stop serving rather than spin
            }
            if descriptors[0].revents != 0 { break }
            let ready = descriptors.dropFirst(3).map { $0.revents != 0 }
            // Standard input is not made non-blocking (its file description is shared with the parent):
            // one read after poll says it is readable does not block.
            if descriptors[2].revents != 0, var source = input {
                input = read(&source, into: &chunk) ? source : nil
            }
            var kept: [Client] = []
            kept.reserveCapacity(clients.count)
            for (index, var client) in clients.enumerated() {
                if ready[index], !read(&client, into: &chunk) {
                    close(client.fd)
                    continue
                }
                kept.append(client)
            }
            clients = kept
            if descriptors[1].revents != 0 { listening = accept(into: &clients) }
        }
        for client in clients { close(client.fd) }
    }

    /// Accepts every waiting connection; past the limit, each is told so and closed. Returns false when
    /// the process is out of descriptors (the rest wait in the backlog).
    func accept(into clients: inout [Client]) -> Bool {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return errno != EMFILE && errno != ENFILE  // else EAGAIN: none left
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            guard clients.count < maximumClients else {
                let message = Array("error: too many control clients (at most \(maximumClients))\n".utf8)
                _ = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                continue
            }
            clients.append(Client(fd: fd))
        }
    }

    /// Reads what `client` has and hands on its whole lines. Returns false at its end (or an error).
    func read(_ client: inout Client, into chunk: inout [UInt8]) -> Bool {
        let count = chunk.withUnsafeMutableBytes { Glibc.read(client.fd, $0.baseAddress, $0.count) }
        if count < 0 { return errno == EINTR || errno == EAGAIN }
        if count == 0 {
            // The last line may lack its newline (`printf '…' | ivrmedia run`): it is whole all the same.
            if !client.discarding { deliver(client.pending) }
            return false
        }
        var lineStart = 0
        for index in 0..<count where chunk[index] == 0x0A {
            take(&client, chunk[lineStart..<index], ended: true)
            lineStart = index + 1
        }
        if lineStart < count { take(&client, chunk[lineStart..<count], ended: false) }
        return true
    }

    /// Adds `bytes` to the client's line; with `ended`, the line is complete.
    func take(_ client: inout Client, _ bytes: ArraySlice<UInt8>, ended: Bool) {
        if !client.discarding {
            if client.pending.count + bytes.count > maximumLineLength {
                client.discarding = true
                client.pending = []
                refused("control line longer than \(maximumLineLength) bytes: dropped")
            } else if ended {
                if client.pending.isEmpty {
                    deliver(bytes)
                } else {
                    deliver(client.pending + bytes)
                    client.pending = []
                }
            } else {
                client.pending += bytes
            }
        }
        if ended { client.discarding = false }
    }

    func deliver<Bytes: Collection<UInt8>>(_ bytes: Bytes) {
        let line = String(decoding: bytes, as: UTF8.self)
        if !line.allSatisfy(\.isWhitespace) { submit(line) }
    }
}
