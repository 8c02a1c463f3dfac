/// An Asterisk-style dial pattern over keypad characters: `X` = 0-9, `Z` = 1-9, `N` = 2-9, `[1-5]` or
/// `[135]` = a set, `.` = one or more of any key, `!` = zero or more of any key, any other key itself.
/// A leading `_` (Asterisk's pattern marker) is allowed and ignored.
///
/// Unlike a regular expression, a pattern can be asked whether a partial input can still become a match
/// (`canStart`) and whether a match can grow (`canExtend`), which the eager match mode needs.
///
/// Cost: matching is a set-of-positions simulation, O(input × pattern) with both a dozen characters long.
public struct DigitPattern: Sendable, Hashable, CustomStringConvertible {
    enum Element: Sendable, Hashable {
        /// One key from the set.
        case one(Set<Character>)
        /// Zero or more keys of any kind.
        case any
    }

    static let keys: Set<Character> = Set("0123456789*#ABCD")

    let elements: [Element]
    public let text: String

    /// Parses `text`; throws a message naming the bad character or bracket.
    public init(parsing text: String) throws(TemplateError) {
        var elements: [Element] = []
        var characters = Array(text)
        if characters.first == "_" { characters.removeFirst() }
        guard !characters.isEmpty else { throw TemplateError(message: "pattern \"\(text)\" is empty") }
        var index = 0
        while index < characters.count {
            let c = Character(characters[index].uppercased())
            switch c {
            case "X": elements.append(.one(Set("0123456789")))
            case "Z": elements.append(.one(Set("123456789")))
            case "N": elements.append(.one(Set("23456789")))
            case ".":
                elements.append(.one(Self.keys))
                elements.append(.any)
            case "!": elements.append(.any)
            case "[":
                guard let close = characters[index...].firstIndex(of: "]") else {
                    throw TemplateError(message: "pattern \"\(text)\": `[` without `]`")
                }
                let inside = Array(characters[(index + 1)..<close])
                var set = Set<Character>()
                var i = 0
                while i < inside.count {
                    if i + 2 < inside.count, inside[i + 1] == "-",
                        let low = inside[i].wholeNumberValue, let high = inside[i + 2].wholeNumberValue
                    {
                        guard low <= high else {
                            throw TemplateError(message: "pattern \"\(text)\": range \(low)-\(high) is backwards")
                        }
                        for d in low...high { set.insert(Character(String(d))) }
                        i += 3
                    } else {
                        let key = Character(inside[i].uppercased())
                        guard Self.keys.contains(key) else {
                            throw TemplateError(message: "pattern \"\(text)\": `\(inside[i])` is not a key")
                        }
                        set.insert(key)
                        i += 1
                    }
                }
                guard !set.isEmpty else { throw TemplateError(message: "pattern \"\(text)\": empty `[]`") }
                elements.append(.one(set))
                index = close
            default:
                guard Self.keys.contains(c) else {
                    throw TemplateError(
                        message:
                            "pattern \"\(text)\": `\(characters[index])` is neither a key nor X, Z, N, [..], . or !")
                }
                elements.append(.one([c]))
            }
            index += 1
        }
        self.elements = elements
        self.text = text
    }

    /// The length of every match, or nil when the pattern has `.` or `!`.
    public var fixedLength: Int? {
        elements.contains(.any) ? nil : elements.count
    }

    /// The keys the pattern can match literally (for the terminator check): the keys of every one-key
    /// element whose set is a single key.
    var literalKeys: Set<Character> {
        var keys = Set<Character>()
        for case .one(let set) in elements where set.count == 1 { keys.formUnion(set) }
        return keys
    }

    /// The positions reachable after reading `input` (position `elements.count` = the end).
    private func positions(after input: [Character]) -> Set<Int> {
        var states = closure([0])
        for key in input {
            var next = Set<Int>()
            for state in states where state < elements.count {
                switch elements[state] {
                case .one(let set): if set.contains(key) { next.insert(state + 1) }
                case .any: next.insert(state)
                }
            }
            states = closure(next)
            if states.isEmpty { break }
        }
        return states
    }

    private func closure(_ states: Set<Int>) -> Set<Int> {
        var result = states
        var stack = Array(states)
        while let state = stack.popLast() {
            if state < elements.count, case .any = elements[state], !result.contains(state + 1) {
                result.insert(state + 1)
                stack.append(state + 1)
            }
        }
        return result
    }

    /// True when `input` is a whole match.
    public func matches(_ input: [Character]) -> Bool { positions(after: input).contains(elements.count) }

    /// True when `input` is a match or the start of one.
    public func canStart(_ input: [Character]) -> Bool { !positions(after: input).isEmpty }

    /// True when some longer input that starts with `input` matches.
    public func canExtend(_ input: [Character]) -> Bool {
        positions(after: input).contains { $0 < elements.count }
    }

    public var description: String { text }
}
