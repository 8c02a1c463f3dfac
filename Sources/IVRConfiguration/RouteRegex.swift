/// A full-match regular expression over the collected digits, with its captures.
///
/// The syntax is the usual one (ICU and Perl spelling): literals, `.`, `[...]` and `[^...]` with ranges,
/// `\d \D \w \W \s \S`, escaped punctuation, groups `( )`, `(?: )` and `(?<name> )`, alternation `|`,
/// the quantifiers `* + ? {n} {n,} {n,m}` with lazy `?` forms, and the assertions `^ $ \A \z \Z \b \B`.
/// Constructs that need backtracking (back-references, lookaround, atomic groups, possessive
/// quantifiers) and inline flags are refused with a message, so that matching stays linear.
///
/// Matching is a Pike VM: the compiled program runs as an ordered list of threads, one per program
/// position, stepped together over the input, so the cost is O(input × program) whatever the
/// pattern (a backtracking matcher takes exponential time on `(1+)+2`). Thread order is the
/// backtracking order, so the match found, and its captures, are the ones a backtracking matcher
/// finds first: the route matches when that first match, anchored at the start, spans the whole input.
/// One difference remains: a `*`, `+` or `{n,}` loop whose body can match nothing (`(1?)*`) ends
/// here when an iteration would match empty at the same place, while ICU and Perl take that empty
/// iteration and then leave the loop, which can change which match comes first and its captures.
public struct RouteRegex: Sendable, Hashable {
    public let text: String
    let program: [Instruction]
    /// Capturing groups, not counting the whole match.
    let groupCount: Int

    /// Repeat counts above this are refused (`{n,m}` copies its operand).
    static let maxRepeat = 1000
    /// Compiled programs above this many instructions are refused.
    static let maxProgram = 20_000

    public init(parsing text: String) throws(TemplateError) {
        var parser = Parser(Array(text.unicodeScalars))
        let tree: Node
        do {
            tree = try parser.parse()
        } catch {
            throw TemplateError(message: "regex \"\(text)\" does not compile: \(error.message)")
        }
        var program: [Instruction] = []
        Self.compile(tree, into: &program)
        program.append(.match)
        guard program.count <= Self.maxProgram else {
            throw TemplateError(
                message: "regex \"\(text)\" is too large: over \(Self.maxProgram) steps once its repeats are expanded")
        }
        self.text = text
        self.program = program
        self.groupCount = parser.groupCount
    }

    /// The captures (index 0: the whole input) when the whole input matches, else nil. A group that
    /// took no part in the match captures "".
    public func match(_ input: String) -> [String]? {
        let characters = Array(input)
        guard let slots = firstMatch(characters), slots[1] == characters.count else { return nil }
        return (0...groupCount).map { group in
            let start = slots[2 * group], end = slots[2 * group + 1]
            guard start >= 0, end >= start else { return "" }
            return String(characters[start..<end])
        }
    }

    public static func == (lhs: RouteRegex, rhs: RouteRegex) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}

// MARK: - Syntax tree

extension RouteRegex {
    struct SyntaxError: Error {
        var message: String
    }

    indirect enum Node {
        case empty
        case one(CharacterClass)
        case concatenation([Node])
        case alternation([Node])
        /// `maximum` nil: unbounded.
        case repetition(Node, minimum: Int, maximum: Int?, greedy: Bool)
        /// `group` nil: a non-capturing group.
        case group(Node, group: Int?)
        case assertion(Assertion)
    }

    enum Assertion {
        case start, end, wordBoundary, notWordBoundary
    }

    /// A set of input characters: ranges of scalars and built-in classes, possibly negated.
    struct CharacterClass: Sendable {
        enum Builtin: Sendable {
            case digit, word, space, any
        }
        var ranges: [ClosedRange<UInt32>] = []
        var builtins: [(Builtin, negated: Bool)] = []
        var negated = false

        init(ranges: [ClosedRange<UInt32>] = [], builtins: [(Builtin, negated: Bool)] = [], negated: Bool = false) {
            self.ranges = ranges
            self.builtins = builtins
            self.negated = negated
        }

        func contains(_ character: Character) -> Bool {
            guard let scalar = character.unicodeScalars.first else { return false }
            let inside =
                ranges.contains { $0.contains(scalar.value) }
                || builtins.contains { Self.builtin($0.0, scalar) != $0.negated }
            return inside != negated
        }

        static func builtin(_ builtin: Builtin, _ scalar: Unicode.Scalar) -> Bool {
            switch builtin {
            case .digit: return scalar.properties.numericType == .decimal
            case .word: return isWord(scalar)
            case .space: return scalar.properties.isWhitespace
            // `.` stops at line ends, as in ICU without the dot-all flag.
            case .any: return !"\n\r\u{0B}\u{0C}\u{85}\u{2028}\u{2029}".unicodeScalars.contains(scalar)
            }
        }

        static func isWord(_ scalar: Unicode.Scalar) -> Bool {
            let properties = scalar.properties
            switch properties.generalCategory {
            case .connectorPunctuation, .nonspacingMark, .spacingMark, .enclosingMark: return true
            default: return properties.isAlphabetic || properties.numericType == .decimal
            }
        }
    }

    /// Recursive descent over the pattern's scalars; counts capturing groups as they open.
    struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var groupCount = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func parse() throws(SyntaxError) -> Node {
            let node = try alternation()
            if index < scalars.count { throw SyntaxError(message: "`)` without `(`") }
            return node
        }

        mutating func alternation() throws(SyntaxError) -> Node {
            var branches = [try concatenation()]
            while peek == "|" {
                index += 1
                branches.append(try concatenation())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func concatenation() throws(SyntaxError) -> Node {
            var items: [Node] = []
            while let c = peek, c != "|", c != ")" {
                var item = try atom()
                while let q = peek, "*+?{".unicodeScalars.contains(q) {
                    item = try quantified(item)
                }
                items.append(item)
            }
            return items.isEmpty ? .empty : items.count == 1 ? items[0] : .concatenation(items)
        }

        mutating func quantified(_ item: Node) throws(SyntaxError) -> Node {
            let minimum: Int, maximum: Int?
            switch scalars[index] {
            case "*": (minimum, maximum) = (0, nil)
            case "+": (minimum, maximum) = (1, nil)
            case "?": (minimum, maximum) = (0, 1)
            default: (minimum, maximum) = try interval()
            }
            index += 1
            var greedy = true
            if peek == "?" {
                greedy = false
                index += 1
            } else if peek == "+" {
                throw SyntaxError(message: "possessive quantifiers (`*+`, `++`, …) are not supported")
            }
            if let q = peek, "*+?{".unicodeScalars.contains(q) {
                throw SyntaxError(message: "a quantifier cannot follow a quantifier; use a group")
            }
            return .repetition(item, minimum: minimum, maximum: maximum, greedy: greedy)
        }

        /// `{n}`, `{n,}` or `{n,m}`; leaves `index` on the `}`.
        mutating func interval() throws(SyntaxError) -> (Int, Int?) {
            index += 1
            let low = number()
            var high = low
            if peek == "," {
                index += 1
                high = peek == "}" ? nil : number()
            }
            guard let low, peek == "}" else {
                throw SyntaxError(message: "a `{` must be `{n}`, `{n,}` or `{n,m}`")
            }
            guard low <= RouteRegex.maxRepeat, (high ?? low) <= RouteRegex.maxRepeat else {
                throw SyntaxError(message: "repeat counts above \(RouteRegex.maxRepeat) are not supported")
            }
            if let high, high < low { throw SyntaxError(message: "`{\(low),\(high)}` is backwards") }
            return (low, high)
        }

        /// A decimal number (at most a few digits past the limit, so it cannot overflow), or nil.
        mutating func number() -> Int? {
            var value: Int?
            while let c = peek, let digit = Character(c).wholeNumberValue, c.isASCII {
                value = min((value ?? 0) * 10 + digit, 1_000_000)
                index += 1
            }
            return value
        }

        mutating func atom() throws(SyntaxError) -> Node {
            let c = scalars[index]
            index += 1
            switch c {
            case "(": return try group()
            case "[": return .one(try bracket())
            case ".": return .one(CharacterClass(builtins: [(.any, false)]))
            case "^": return .assertion(.start)
            case "$": return .assertion(.end)
            case "\\": return try escape(inBracket: false)
            case "*", "+", "?", "{": throw SyntaxError(message: "`\(c)` has nothing to repeat")
            default: return .one(CharacterClass(ranges: [c.value...c.value]))
            }
        }

        mutating func group() throws(SyntaxError) -> Node {
            var capture = true
            if peek == "?" {
                index += 1
                switch peek {
                case ":":
                    index += 1
                    capture = false
                case "<" where index + 1 < scalars.count && !"=!".unicodeScalars.contains(scalars[index + 1]):
                    // A named group: numbered like any other; the name is not used.
                    guard let close = scalars[index...].firstIndex(of: ">") else {
                        throw SyntaxError(message: "`(?<` without `>`")
                    }
                    index = close + 1
                case "=", "!", "<": throw SyntaxError(message: "lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) is not supported")
                case ">": throw SyntaxError(message: "atomic groups `(?>` are not supported")
                default: throw SyntaxError(message: "inline flags and other `(?` groups are not supported")
                }
            }
            var number: Int?
            if capture {
                groupCount += 1
                number = groupCount
            }
            let inside = try alternation()
            guard peek == ")" else { throw SyntaxError(message: "`(` without `)`") }
            index += 1
            return .group(inside, group: number)
        }

        /// After a backslash: a class, an assertion or a literal.
        mutating func escape(inBracket: Bool) throws(SyntaxError) -> Node {
            guard let c = peek else { throw SyntaxError(message: "`\\` at the end") }
            index += 1
            let builtins: [Unicode.Scalar: (CharacterClass.Builtin, Bool)] = [
                "d": (.digit, false), "D": (.digit, true), "w": (.word, false), "W": (.word, true),
                "s": (.space, false), "S": (.space, true),
            ]
            if let (builtin, negated) = builtins[c] { return .one(CharacterClass(builtins: [(builtin, negated)])) }
            if !inBracket {
                switch c {
                case "A": return .assertion(.start)
                case "z", "Z": return .assertion(.end)
                case "b": return .assertion(.wordBoundary)
                case "B": return .assertion(.notWordBoundary)
                default: break
                }
            }
            let controls: [Unicode.Scalar: Unicode.Scalar] = ["t": "\t", "n": "\n", "r": "\r", "f": "\u{0C}"]
            if let control = controls[c] { return .one(CharacterClass(ranges: [control.value...control.value])) }
            if c.properties.isAlphabetic || c.properties.numericType != nil {
                throw SyntaxError(message: "`\\\(c)` is not supported (back-references and named escapes need other syntax)")
            }
            return .one(CharacterClass(ranges: [c.value...c.value]))
        }

        /// After `[`: members up to the closing `]`, which is literal when first.
        mutating func bracket() throws(SyntaxError) -> CharacterClass {
            var set = CharacterClass()
            if peek == "^" {
                set.negated = true
                index += 1
            }
            var first = true
            while true {
                guard let c = peek else { throw SyntaxError(message: "`[` without `]`") }
                if c == "]" && !first { break }
                first = false
                if c == "[" { throw SyntaxError(message: "nested sets and `[:class:]` are not supported") }
                index += 1
                var low = c
                if c == "\\" {
                    guard case .one(let member) = try escape(inBracket: true) else { continue }
                    if !member.builtins.isEmpty {
                        set.builtins += member.builtins
                        continue
                    }
                    low = Unicode.Scalar(member.ranges[0].lowerBound)!
                }
                if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    var high = scalars[index]
                    index += 1
                    if high == "\\" {
                        guard case .one(let member) = try escape(inBracket: true), member.builtins.isEmpty else {
                            throw SyntaxError(message: "a range cannot end in a class such as `\\d`")
                        }
                        high = Unicode.Scalar(member.ranges[0].lowerBound)!
                    }
                    guard low.value <= high.value else { throw SyntaxError(message: "range `\(low)-\(high)` is backwards") }
                    set.ranges.append(low.value...high.value)
                } else {
                    set.ranges.append(low.value...low.value)
                }
            }
            index += 1
            return set
        }
    }
}

// MARK: - Program

extension RouteRegex {
    enum Instruction: Sendable {
        case one(CharacterClass)
        /// Try `first`, then `second` (the order is the backtracking priority).
        case split(first: Int, second: Int)
        case jump(Int)
        /// Records the input position in capture slot n (2·group for the start, 2·group+1 for the end).
        case save(Int)
        case assert(Assertion)
        case match
    }

    static func compile(_ node: Node, into program: inout [Instruction]) {
        // Stop emitting once over the limit; `init` then refuses the pattern.
        guard program.count <= maxProgram else { return }
        switch node {
        case .empty: break
        case .one(let set): program.append(.one(set))
        case .assertion(let assertion): program.append(.assert(assertion))
        case .concatenation(let items): for item in items { compile(item, into: &program) }
        case .group(let inside, let group):
            if let group { program.append(.save(2 * group)) }
            compile(inside, into: &program)
            if let group { program.append(.save(2 * group + 1)) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (number, branch) in branches.enumerated() {
                let split = program.count
                let last = number == branches.count - 1
                if !last { program.append(.jump(0)) }
                compile(branch, into: &program)
                if !last {
                    jumps.append(program.count)
                    program.append(.jump(0))
                    program[split] = .split(first: split + 1, second: program.count)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repetition(let inside, let minimum, let maximum, let greedy):
            for _ in 0..<minimum { compile(inside, into: &program) }
            func branch(_ split: Int, body: Int, skip: Int) {
                program[split] = greedy ? .split(first: body, second: skip) : .split(first: skip, second: body)
            }
            if let maximum {
                // Each optional copy may be skipped, which skips the copies after it too.
                var splits: [Int] = []
                for _ in minimum..<maximum {
                    splits.append(program.count)
                    program.append(.jump(0))
                    compile(inside, into: &program)
                }
                for split in splits { branch(split, body: split + 1, skip: program.count) }
            } else {
                let split = program.count
                program.append(.jump(0))
                compile(inside, into: &program)
                program.append(.jump(split))
                branch(split, body: split + 1, skip: program.count)
            }
        }
    }

    /// The capture slots of the first match anchored at the start (in backtracking order), or nil.
    /// Slot 1 is where that match ends.
    func firstMatch(_ input: [Character]) -> [Int]? {
        struct Thread {
            var pc: Int
            var slots: [Int]
        }
        var current: [Thread] = []
        var next: [Thread] = []
        // The step at which each instruction was last added: one thread per instruction per step.
        var added = [Int](repeating: -1, count: program.count)
        var found: [Int]?

        func holds(_ assertion: Assertion, at position: Int) -> Bool {
            switch assertion {
            case .start: return position == 0
            case .end: return position == input.count
            case .wordBoundary, .notWordBoundary:
                func word(_ i: Int) -> Bool {
                    guard input.indices.contains(i), let scalar = input[i].unicodeScalars.first else { return false }
                    return CharacterClass.isWord(scalar)
                }
                return (word(position - 1) != word(position)) == (assertion == .wordBoundary)
            }
        }

        /// Follows jumps, splits, saves and assertions from `pc` in priority order, appending the threads
        /// that wait on a character or have matched.
        func add(_ pc: Int, _ slots: [Int], at position: Int, to list: inout [Thread]) {
            var stack = [Thread(pc: pc, slots: slots)]
            while var thread = stack.popLast() {
                guard added[thread.pc] != position else { continue }
                added[thread.pc] = position
                switch program[thread.pc] {
                case .jump(let target):
                    thread.pc = target
                    stack.append(thread)
                case .split(let first, let second):
                    stack.append(Thread(pc: second, slots: thread.slots))
                    stack.append(Thread(pc: first, slots: thread.slots))
                case .save(let slot):
                    thread.slots[slot] = position
                    thread.pc += 1
                    stack.append(thread)
                case .assert(let assertion):
                    guard holds(assertion, at: position) else { continue }
                    thread.pc += 1
                    stack.append(thread)
                case .one, .match:
                    list.append(thread)
                }
            }
        }

        var start = [Int](repeating: -1, count: 2 * (groupCount + 1))
        start[0] = 0
        add(0, start, at: 0, to: &current)
        var position = 0
        while !current.isEmpty {
            for thread in current {
                if case .match = program[thread.pc] {
                    // Threads after this one come later in backtracking order: drop them.
                    var slots = thread.slots
                    slots[1] = position
                    found = slots
                    break
                }
                if position < input.count, case .one(let set) = program[thread.pc], set.contains(input[position]) {
                    add(thread.pc + 1, thread.slots, at: position + 1, to: &next)
                }
            }
            guard position < input.count else { break }
            position += 1
            swap(&current, &next)
            next.removeAll(keepingCapacity: true)
        }
        return found
    }
}
