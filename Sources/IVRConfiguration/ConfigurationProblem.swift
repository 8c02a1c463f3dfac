/// A problem found in a menu file: where (`file:line:column`) and what.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }
    public var severity: Severity
    public var file: String
    /// 1-based; 0 when the problem has no single place (then only the file is named).
    public var line: Int
    public var column: Int
    public var message: String

    public init(_ severity: Severity, file: String, line: Int, column: Int, message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: error: message`, the form compilers use (editors jump to it).
    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return "\(place): \(severity.rawValue): \(message)"
    }
}

/// A menu file that cannot be used: every problem found, errors and warnings, in file order.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigurationProblem]
    /// True when the file could not be read at all (exit status 66 rather than 65).
    public var isMissingFile = false

    public var errors: [ConfigurationProblem] { problems.filter { $0.severity == .error } }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
