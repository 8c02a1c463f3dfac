/// One field of a call-log event, in the order it is written: the router's events carry their fields as
/// values, and the log writer (`EventLog`, in MediaPipeline) writes them as JSON.
public struct LogField: Sendable, Hashable {
    public indirect enum Value: Sendable, Hashable, ExpressibleByStringLiteral {
        case string(String)
        case int(Int)
        case bool(Bool)
        case null
        case object([LogField])
        case array([Value])

        public init(stringLiteral value: String) { self = .string(value) }
    }

    public var key: String
    public var value: Value

    public init(_ key: String, _ value: Value) {
        self.key = key
        self.value = value
    }
}
