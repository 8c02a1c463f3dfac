import Foundation
import Testing

@testable import MediaPipeline

/// The control channel's parser: each kind of line, and each way a line is refused, with the words the
/// engine logs.
@Suite struct ControlMessageTests {
    let lines = ["fxo0", "fxo1"]

    @Test func eachEventParses() throws {
        #expect(
            try ControlMessage(parsing: #"{"event":"call_started","line":"fxo1","caller":"+7900","did":"505"}"#, lineIDs: lines)
                == .callStarted(line: 1, did: "505", caller: "+7900"))
        #expect(try ControlMessage(parsing: #"{"event":"call_ended","line":0}"#, lineIDs: lines) == .callEnded(line: 0))
        #expect(
            try ControlMessage(parsing: #"{"event":"transfer_result","line":"fxo0","result":"busy"}"#, lineIDs: lines)
                == .transferResult(line: 0, .busy))
    }

    @Test(arguments: [
        ("garbage", "not a JSON object with \"event\": garbage"),
        (#"{"line":"fxo0"}"#, #"not a JSON object with "event": {"line":"fxo0"}"#),
        (#"{"event":"call_ended","line":"fxo9"}"#, #"no such line: {"event":"call_ended","line":"fxo9"}"#),
        (#"{"event":"call_started","line":2}"#, #"no such line: {"event":"call_started","line":2}"#),
        (#"{"event":"call_started","line":-1}"#, #"no such line: {"event":"call_started","line":-1}"#),
        (#"{"event":"transfer_result","line":0,"result":"maybe"}"#, "transfer_result needs result ok|busy|noanswer|failed"),
        (#"{"event":"dance","line":0}"#, "unknown event dance"),
    ])
    func refusedLinesSayWhy(line: String, message: String) {
        #expect(throws: ControlMessage.Problem(message: message)) { try ControlMessage(parsing: line, lineIDs: lines) }
    }

    @Test func aMegabyteLineIsRefusedByItsLength() {
        let line = #"{"event":"call_ended","line":"fxo0","pad":""# + String(repeating: "x", count: 1 << 20) + #""}"#
        #expect(throws: ControlMessage.Problem.self) { try ControlMessage(parsing: line, lineIDs: lines) }
        do {
            _ = try ControlMessage(parsing: line, lineIDs: lines)
        } catch {
            #expect(error.message.hasPrefix("control line of \(line.utf8.count) bytes"))
        }
    }
}
