import Foundation
import IVRConfiguration

/// One line of the control channel, parsed: a JSON object whose `event` says what the telephony host
/// reports, and whose `line` names the line (one of the engine's line ids, or its index).
///
///     {"event":"call_started","line":"fxo0","caller":"…","did":"…"}
///     {"event":"call_ended","line":"fxo0"}
///     {"event":"transfer_result","line":"fxo0","result":"ok|busy|noanswer|failed"}
///
/// Parsing is pure, so that it can be tested and fuzzed apart from the engine; a line that is not one
/// of these throws a `ControlMessage.Problem` with the words the engine writes to its event log.
public enum ControlMessage: Hashable, Sendable {
    case callStarted(line: Int, did: String?, caller: String?)
    case callEnded(line: Int)
    case transferResult(line: Int, TransferResult)

    /// Why a control line was refused.
    public struct Problem: Error, Hashable, Sendable {
        public let message: String
    }

    /// The longest control line accepted, in UTF-8 bytes.
    public static let maximumLength = 65_536

    /// Parses one control line for an engine whose lines are `lineIDs`.
    public init(parsing text: String, lineIDs: [String]) throws(Problem) {
        guard text.utf8.count <= Self.maximumLength else {
            throw Problem(message: "control line of \(text.utf8.count) bytes (at most \(Self.maximumLength))")
        }
        guard let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let event = object["event"] as? String
        else { throw Problem(message: "not a JSON object with \"event\": \(text)") }
        let named = (object["line"] as? String).flatMap { lineIDs.firstIndex(of: $0) }
        guard let line = named ?? (object["line"] as? Int), lineIDs.indices.contains(line) else {
            throw Problem(message: "no such line: \(text)")
        }
        switch event {
        case "call_started":
            self = .callStarted(line: line, did: object["did"] as? String, caller: object["caller"] as? String)
        case "call_ended":
            self = .callEnded(line: line)
        case "transfer_result":
            guard let raw = object["result"] as? String, let result = TransferResult(rawValue: raw) else {
                throw Problem(message: "transfer_result needs result ok|busy|noanswer|failed")
            }
            self = .transferResult(line: line, result)
        default:
            throw Problem(message: "unknown event \(event)")
        }
    }
}
