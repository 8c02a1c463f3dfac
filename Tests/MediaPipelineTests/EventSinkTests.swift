import Foundation
import Testing

@testable import MediaPipeline

/// The event sink when writing fails: never a trap, one message, the events counted, and a message
/// again when writing works.
@Suite struct EventSinkTests {
    @Test func aFullDeviceIsSaidOnceAndNeverTraps() throws {
        let messages = Collected()
        let sink = try EventSink(path: "/dev/full", configured: nil, report: messages.append)
        for index in 0..<5 { sink.write(#"{"event":"test","n":\#(index)}"#) }
        #expect(
            messages.all == [
                "ivrmedia: /dev/full: cannot write events (No space left on device); "
                    + "events are dropped until writing works again\n"
            ])
        #expect(sink.droppedCount == 5)
        sink.flush()
        #expect(messages.all.last == "ivrmedia: /dev/full: 5 events were dropped\n")
    }

    @Test func writingThatWorksAgainIsSaidWithTheCount() throws {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        defer { for fd in fds { close(fd) } }
        // A full pipe that does not block: each write fails with EAGAIN until the reader takes some.
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        var byte: UInt8 = 0
        while write(fds[1], &byte, 1) == 1 {}
        let messages = Collected()
        let sink = EventSink(fileDescriptor: fds[1], name: "events pipe", report: messages.append)
        sink.write(#"{"event":"lost","n":1}"#)
        sink.write(#"{"event":"lost","n":2}"#)
        #expect(messages.all.count == 1)
        #expect(messages.all.first?.hasPrefix("ivrmedia: events pipe: cannot write events (") == true)
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        var drain = [UInt8](repeating: 0, count: 1 << 16)
        while read(fds[0], &drain, drain.count) > 0 {}
        // Writing works again after a run of events written: said once, with the count.
        for _ in 1..<EventSink.recoveryRun { sink.write(#"{"event":"kept"}"#) }
        #expect(messages.all.count == 1)
        sink.write(#"{"event":"kept"}"#)
        #expect(messages.all.last == "ivrmedia: events pipe: events are written again; 2 were dropped\n")
        #expect(sink.droppedCount == 0)
        let count = read(fds[0], &drain, drain.count)
        #expect(
            String(decoding: drain.prefix(max(count, 0)), as: UTF8.self)
                == String(repeating: "{\"event\":\"kept\"}\n", count: EventSink.recoveryRun))
    }

    @Test func aFileGetsWholeLinesAppended() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString)").path
        defer { unlink(path) }
        try "{\"event\":\"before\"}\n".write(toFile: path, atomically: false, encoding: .utf8)
        let messages = Collected()
        let sink = try EventSink(path: path, configured: "stdout", report: messages.append)
        sink.write(#"{"event":"after"}"#)
        sink.flush()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"event\":\"before\"}\n{\"event\":\"after\"}\n")
        #expect(messages.all.isEmpty)
    }

    @Test func aFileThatCannotBeOpenedIsAClearError() {
        #expect {
            _ = try EventSink(path: "/nonexistent-dir/events.jsonl", configured: nil)
        } throws: { error in
            (error as? EventSink.OpenError)?.description
                == "/nonexistent-dir/events.jsonl: cannot open the events file for writing (No such file or directory)"
        }
    }
}
