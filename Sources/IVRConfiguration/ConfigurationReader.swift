import Foundation
import Yams

/// Walks a composed YAML tree and records every problem with its place, so that one pass reports all
/// of them (`file:line:column: message`) instead of stopping at the first.
final class ConfigurationReader {
    let path: String
    private(set) var problems: [ConfigurationProblem] = []

    init(path: String) { self.path = path }

    func error(_ node: Yams.Node?, _ message: String) { report(.error, node, message) }
    func warning(_ node: Yams.Node?, _ message: String) { report(.warning, node, message) }

    func report(_ severity: ConfigurationProblem.Severity, _ node: Yams.Node?, _ message: String) {
        report(severity, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message)
    }

    func report(_ severity: ConfigurationProblem.Severity, line: Int, column: Int, _ message: String) {
        problems.append(ConfigurationProblem(severity, file: path, line: line, column: column, message: message))
    }

    func location(_ node: Yams.Node?) -> String {
        guard let mark = node?.mark else { return path }
        return "\(path):\(mark.line):\(mark.column)"
    }

    var hasErrors: Bool { problems.contains { $0.severity == .error } }

    /// The entries of a mapping, in file order; reports a node that is not a mapping and every key not in
    /// `allowed` (nil: any key).
    func mapping(_ node: Yams.Node?, _ what: String, allowed: [String]? = nil) -> [(
        key: String, keyNode: Yams.Node, value: Yams.Node
    )]? {
        guard let node else { return nil }
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping (`key: value` lines)")
            return nil
        }
        var entries: [(String, Yams.Node, Yams.Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                error(keyNode, "\(what): keys must be plain strings")
                continue
            }
            if let allowed, !allowed.contains(key) {
                let hint = Self.closest(key, in: allowed).map { " (did you mean `\($0)`?)" } ?? ""
                error(keyNode, "unknown key `\(key)` in \(what)\(hint); allowed: \(allowed.joined(separator: ", "))")
                continue
            }
            entries.append((key, keyNode, value))
        }
        return entries
    }

    /// The items of a sequence; a single scalar counts as a one-item list when `scalarAsList`.
    func sequence(_ node: Yams.Node?, _ what: String, scalarAsList: Bool = false) -> [Yams.Node]? {
        guard let node else { return nil }
        switch node {
        case .sequence(let sequence): return Array(sequence)
        case .scalar where scalarAsList: return [node]
        default:
            error(node, "\(what) must be a list")
            return nil
        }
    }

    func string(_ node: Yams.Node?, _ what: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            error(node, "\(what) must be a single value, not a list or mapping")
            return nil
        }
        return scalar.string
    }

    func int(_ node: Yams.Node?, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, what) else { return nil }
        guard let value = Int(text) else {
            error(node, "\(what) must be a whole number, not \"\(text)\"")
            return nil
        }
        guard range.contains(value) else {
            error(node, "\(what) must be in \(range.lowerBound)...\(range.upperBound), not \(value)")
            return nil
        }
        return value
    }

    func bool(_ node: Yams.Node?, _ what: String) -> Bool? {
        guard let text = string(node, what) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(node, "\(what) must be true or false, not \"\(text)\"")
            return nil
        }
    }

    func template(_ node: Yams.Node?, _ what: String) -> Template? {
        guard let text = string(node, what) else { return nil }
        do {
            return try Template(parsing: text)
        } catch {
            self.error(node, "\(what): \(error.message)")
            return nil
        }
    }

    func oneOf<T: RawRepresentable<String>>(_ node: Yams.Node?, _ what: String, _ type: T.Type) -> T?
    where T: CaseIterable {
        guard let text = string(node, what) else { return nil }
        guard let value = T(rawValue: text) else {
            error(node, "\(what) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\"")
            return nil
        }
        return value
    }

    /// The allowed key nearest to a misspelt one (edit distance at most 2).
    static func closest(_ key: String, in allowed: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var previous = Array(0...b.count)
            for (i, x) in a.enumerated() {
                var current = [i + 1]
                for (j, y) in b.enumerated() {
                    current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
                }
                previous = current
            }
            return previous[b.count]
        }
        let scored = allowed.map { ($0, distance(Array(key), Array($0))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }
}

extension ConfigurationReader {
    /// A problem at a place already formatted as `file:line:column`.
    func problems(_ severity: ConfigurationProblem.Severity, location: String, _ message: String) {
        let parts = location.split(separator: ":")
        let line = parts.count >= 3 ? Int(parts[parts.count - 2]) ?? 0 : 0
        let column = parts.count >= 3 ? Int(parts[parts.count - 1]) ?? 0 : 0
        report(severity, line: line, column: column, message)
    }
}
