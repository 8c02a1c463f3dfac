/// A configuration string with `${name}` references, such as `"queue:${vars.queue}"`, expanded when the
/// router uses it (the values change during a call: `${input}`, `${language}`, `${vars.x}`).
///
/// Names: `input` (the digits collected), `match.N` (a capture of the accepted regex route), `language`,
/// `vars.NAME` (the line's `vars` and `set: {vars.NAME: …}`), `call.id`, `call.ticket`, `call.caller`,
/// `call.line`, `call.did`. An unknown name expands to the empty string (the validator warns).
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case literal(String)
        case reference(String)
    }

    public let parts: [Part]
    /// The text as written.
    public let text: String

    /// Parses `text`; throws a message when a `${` is not closed or a name is empty.
    public init(parsing text: String) throws(TemplateError) {
        var parts: [Part] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "$", text.index(after: index) < text.endIndex, text[text.index(after: index)] == "{" {
                let nameStart = text.index(index, offsetBy: 2)
                guard let close = text[nameStart...].firstIndex(of: "}") else {
                    throw TemplateError(message: "\"\(text)\": `${` without a closing `}`")
                }
                let name = String(text[nameStart..<close]).trimmingWhitespace()
                guard !name.isEmpty else { throw TemplateError(message: "\"\(text)\": empty `${}`") }
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.reference(name))
                index = text.index(after: close)
            } else {
                literal.append(text[index])
                index = text.index(after: index)
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
        self.text = text
    }

    /// A template without references.
    public init(literal: String) {
        parts = literal.isEmpty ? [] : [.literal(literal)]
        text = literal
    }

    /// The names this template refers to.
    public var references: [String] {
        parts.compactMap { if case .reference(let name) = $0 { name } else { nil } }
    }

    /// True when the template has no references.
    public var isLiteral: Bool { references.isEmpty }

    /// The text with each reference replaced by `value(name)` (empty when nil).
    public func expand(_ value: (String) -> String?) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let text): out += text
            case .reference(let name): out += value(name) ?? ""
            }
        }
        return out
    }

    public var description: String { text }
}

public struct TemplateError: Error, Sendable, Hashable {
    public var message: String
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
