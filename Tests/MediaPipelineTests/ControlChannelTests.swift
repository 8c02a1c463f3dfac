import Foundation
import MediaTestSupport
import Testing

@testable import MediaPipeline

/// The control channel's server on a real Unix socket, with a submit closure that records: lines too
/// long, idle clients, a crowd of clients and garbage, none of which stops it.
@Suite struct ControlChannelTests {
    /// A served channel on a fresh socket, with what it submitted and refused.
    struct Served {
        let channel: ControlChannel
        let path: String
        let submitted = Collected()
        let refused = Collected()

        init(maximumClients: Int = ControlChannel.defaultMaximumClients) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("cc-\(UUID().uuidString).sock").path
            let (submitted, refused) = (self.submitted, self.refused)
            channel = try ControlChannel(
                socketPath: path, standardInput: false, maximumClients: maximumClients,
                submit: { submitted.append($0) }, refused: { refused.append($0) })
            channel.start()
        }
    }

    /// A connected client socket.
    static func connect(_ path: String) throws -> Int32 {
        try #require(UnixSocketClient.connect(path), "cannot connect to \(path)")
    }

    @discardableResult
    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool { UnixSocketClient.write(bytes, to: fd) }

    static func send(_ fd: Int32, _ text: String) { send(fd, Array(text.utf8)) }

    /// Waits (up to 10 s, so that a broken server fails the test rather than hanging it) for `condition`.
    static func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while !condition() {
            if Date() > deadline { return false }
            usleep(5000)
        }
        return true
    }

    @Test func aMegabyteLineIsRefusedAndTheConnectionGoesOn() throws {
        let served = try Served()
        defer { served.channel.stop() }
        let client = try Self.connect(served.path)
        defer { close(client) }
        let good = #"{"event":"call_started","line":"fxo0"}"#
        #expect(Self.send(client, [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20) + Array("\n\(good)\n".utf8)))
        #expect(Self.eventually { served.submitted.all.count == 1 })
        #expect(served.submitted.all == [good])
        #expect(served.refused.all == ["control line longer than 65536 bytes: dropped"])
    }

    @Test func aLineOfExactlyTheLimitIsDelivered() throws {
        let served = try Served()
        defer { served.channel.stop() }
        let client = try Self.connect(served.path)
        defer { close(client) }
        let longest = String(repeating: "y", count: ControlMessage.maximumLength)
        Self.send(client, longest + "\n" + longest + "z\nafter\n")
        #expect(Self.eventually { served.submitted.all.count == 2 })
        #expect(served.submitted.all.map(\.utf8.count) == [ControlMessage.maximumLength, 5])
        #expect(served.refused.all.count == 1)
    }

    @Test func anIdleClientHoldsNothingUp() throws {
        let served = try Served()
        defer { served.channel.stop() }
        let idle = try Self.connect(served.path)
        defer { close(idle) }
        let halfway = try Self.connect(served.path)  // half a line, then nothing
        defer { close(halfway) }
        Self.send(halfway, #"{"event":"call_sta"#)
        let busy = try Self.connect(served.path)
        defer { close(busy) }
        for index in 0..<3 { Self.send(busy, "line \(index)\n") }
        #expect(Self.eventually { served.submitted.all.count == 3 })
        #expect(served.submitted.all == ["line 0", "line 1", "line 2"])
    }

    @Test func aHundredClientsAtOnceAreServedOrRefusedCleanly() throws {
        let served = try Served()
        let clients = try (0..<100).map { _ in try Self.connect(served.path) }
        for (index, client) in clients.enumerated() { Self.send(client, "client \(index)\n") }
        // All hundred are connected at once: the first 64 are served, the other 36 told so and closed.
        #expect(Self.eventually { served.submitted.all.count == 64 })
        var refusals: [Int: String] = [:]
        #expect(
            Self.eventually {
                for (index, client) in clients.enumerated() where refusals[index] == nil {
                    refusals[index] = UnixSocketClient.readIfReady(client)
                }
                return refusals.count == 36
            })
        #expect(Set(refusals.values) == ["error: too many control clients (at most 64)\n"])
        let servedLines = Set(served.submitted.all)
        for index in clients.indices {
            #expect(servedLines.contains("client \(index)") != (refusals[index] != nil), "client \(index)")
        }
        for client in clients { close(client) }
        // The server goes on: a new client after the crowd is served.
        let later = try Self.connect(served.path)
        Self.send(later, "later\n")
        #expect(Self.eventually { served.submitted.all.last == "later" })
        close(later)
        served.channel.stop()
        #expect(!FileManager.default.fileExists(atPath: served.path))
    }

    @Test func garbageBetweenGoodLinesIsPassedOnAsLinesAndBlankLinesAreSkipped() throws {
        let served = try Served()
        defer { served.channel.stop() }
        let client = try Self.connect(served.path)
        let first = #"{"event":"call_started","line":"fxo0"}"#
        let second = #"{"event":"call_ended","line":"fxo0"}"#
        var bytes = Array("\(first)\nnot json at all\n\n   \n".utf8)
        bytes += [0x00, 0xFF, 0xFE, 0x7B, 0x0A]  // binary, not UTF-8
        bytes += Array("\(second)\n{\"event\":\"call_st".utf8)  // and half a line at the end
        Self.send(client, bytes)
        close(client)
        #expect(Self.eventually { served.submitted.all.count == 5 })
        let lines = served.submitted.all
        #expect(lines.count == 5)
        #expect(lines.first == first)
        #expect(lines.dropFirst().first == "not json at all")
        #expect(lines.dropFirst(3).first == second)
        #expect(lines.last == #"{"event":"call_st"#)
        // Each is for the engine's parser to refuse; the good ones parse.
        #expect(
            (try? ControlMessage(parsing: lines[0], lineIDs: ["fxo0"])) == .callStarted(line: 0, did: nil, caller: nil))
        #expect((try? ControlMessage(parsing: lines[2], lineIDs: ["fxo0"])) == nil)
        #expect((try? ControlMessage(parsing: lines[3], lineIDs: ["fxo0"])) == .callEnded(line: 0))
    }

    @Test func aSocketPathTooLongIsAUsageError() {
        #expect {
            _ = try ControlChannel(
                socketPath: "/tmp/" + String(repeating: "s", count: 200), standardInput: false, submit: { _ in },
                refused: { _ in })
        } throws: { error in
            (error as? ControlChannel.SetupError)?.isUsage == true
        }
    }
}

/// The engine's side of the channel: a bounded queue for its control loop.
@Suite struct ControlInboxTests {
    @Test func aFloodIsBoundedAndCounted() {
        let inbox = ControlInbox()
        for index in 0..<(ControlInbox.capacity + 10) { inbox.append(.line("\(index)")) }
        let items = inbox.take()
        #expect(items.count == ControlInbox.capacity + 1)
        #expect(items.first == .line("0"))
        #expect(items.last == .dropped(10))
        // Taken, it is empty and takes lines again.
        inbox.append(.line("again"))
        #expect(inbox.take() == [.line("again")])
    }
}
