import CYaml
import Foundation
import Yams

extension MenuConfiguration {
    /// Reads, parses and validates the menu file at `path`. Throws `ConfigurationError` with every
    /// problem when there is at least one error; warnings alone are returned with the configuration.
    public static func load(path: String) throws(ConfigurationError) -> (MenuConfiguration, [ConfigurationProblem]) {
        func failure(_ message: String, line: Int = 0, column: Int = 0, unreadable: Bool = true) -> ConfigurationError {
            var error = ConfigurationError(problems: [
                ConfigurationProblem(.error, file: path, line: line, column: column, message: message)
            ])
            error.isMissingFile = unreadable
            return error
        }
        // Checked before reading: reading a FIFO would wait for a writer.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file")
        }
        if isDirectory.boolValue { throw failure("cannot read the file: it is a directory") }
        let resolved = (path as NSString).resolvingSymlinksInPath
        let type = (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
        guard type == .typeRegular else {
            throw failure("cannot read the file: not a regular file (a FIFO, socket or device)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw failure(
                FileManager.default.isReadableFile(atPath: path)
                    ? "cannot read the file" : "cannot read the file: permission denied")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let (line, column) = Self.firstInvalidUTF8(data)
            throw failure("not UTF-8 text: the first bad byte is here", line: line, column: column, unreadable: false)
        }
        return try parse(text, path: path)
    }

    /// The line and column (both from 1, the column in characters) of the first byte that is not
    /// valid UTF-8.
    static func firstInvalidUTF8(_ data: Data) -> (line: Int, column: Int) {
        var line = 1, column = 1
        var decoder = UTF8()
        var bytes = data.makeIterator()
        while case .scalarValue(let scalar) = decoder.decode(&bytes) {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    /// Parses and validates menu text; `path` names it in messages and anchors a relative `prompts.root`.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> (
        MenuConfiguration, [ConfigurationProblem]
    ) {
        // Before Yams: composing a mapping hashes its keys, and an alias bomb used as a key is hashed over
        // its whole expansion, which no walk of the composed tree could stop in time.
        if let problem = aliasExpansionProblem(text, path: path) { throw ConfigurationError(problems: [problem]) }
        let root: Yams.Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigurationError(problems: [
                    ConfigurationProblem(.error, file: path, line: 0, column: 0, message: "the file is empty")
                ])
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationError(problems: [Self.problem(error, path: path)])
        } catch {
            throw ConfigurationError(problems: [
                ConfigurationProblem(.error, file: path, line: 0, column: 0, message: "not YAML: \(error)")
            ])
        }
        let loader = Loader(reader: ConfigurationReader(path: path), text: text)
        let configuration = loader.load(root)
        let problems = loader.reader.problems.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        guard let configuration, !problems.contains(where: { $0.severity == .error }) else {
            throw ConfigurationError(problems: problems)
        }
        return (configuration, problems)
    }

    /// Values that aliases may add to the file, all aliases together: far above any real menu, far
    /// below what a nest of anchors repeating anchors (an alias bomb) expands to.
    static let maxAliasValues = 100_000

    /// A problem when the aliases of `text` expand to more than `maxAliasValues` values, else nil.
    ///
    /// Yams shares an aliased node rather than copying it, so the composed tree is small, but hashing a
    /// mapping's keys (Yams checks them for duplicates while composing), the loader's walk and a test's
    /// `expect` visit each alias's expansion in full. So the text's event stream (libyaml's parser, which
    /// Yams itself runs) is scanned first: each node's size is counted as its collection closes, an
    /// alias counts the whole size of the node its anchor names (its own aliases included), and the
    /// scan stops at the first alias that takes the total past the limit; that alias is the problem's
    /// place. Sizes saturate just above the limit, so that no count can overflow. The scan costs one
    /// pass over the events; YAML errors are left to Yams, which reports them with their place.
    static func aliasExpansionProblem(_ text: String, path: String) -> ConfigurationProblem? {
        let ceiling = maxAliasValues + 1
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { bytes -> ConfigurationProblem? in
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            /// The size of each anchor's node, by name (a later anchor of the same name replaces it).
            var anchors: [String: Int] = [:]
            /// The open collections: their anchor and the size of what they hold so far.
            var open: [(anchor: String?, size: Int)] = []
            var aliasValues = 0
            func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            }
            /// A node of `size` is complete: it counts in the collection that holds it.
            func add(_ size: Int) {
                if !open.isEmpty { open[open.count - 1].size = min(open[open.count - 1].size + size, ceiling) }
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    if let name = anchorName(event.data.scalar.anchor) { anchors[name] = 1 }
                    add(1)
                case YAML_SEQUENCE_START_EVENT:
                    open.append((anchorName(event.data.sequence_start.anchor), 1))
                case YAML_MAPPING_START_EVENT:
                    open.append((anchorName(event.data.mapping_start.anchor), 1))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let closed = open.popLast() else { continue }
                    if let name = closed.anchor { anchors[name] = closed.size }
                    add(closed.size)
                case YAML_ALIAS_EVENT:
                    // An undefined alias is Yams's error to report; here it counts as one value.
                    let size = anchorName(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1
                    aliasValues = min(aliasValues + size, ceiling)
                    if aliasValues > maxAliasValues {
                        let mark = event.start_mark
                        return ConfigurationProblem(
                            .error, file: path, line: Int(mark.line) + 1, column: Int(mark.column) + 1,
                            message: "YAML aliases here expand to more than \(maxAliasValues) values (an alias bomb?)")
                    }
                    add(size)
                default:
                    continue
                }
            }
        }
    }

    static func problem(_ error: YamlError, path: String) -> ConfigurationProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return ConfigurationProblem(
                .error, file: path, line: mark.line, column: mark.column, message: "YAML syntax: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigurationProblem(
                .error, file: path, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(duplicates.joined(separator: ", "))")
        case .reader(let problem, let offset?, let value, let yaml):
            // The reader gives a character offset: line and column (both from 1) are counted from it.
            let before = yaml.prefix(offset)
            let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            let column = before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
            let byte = value >= 0 ? String(format: " (character 0x%02X)", value) : ""
            return ConfigurationProblem(
                .error, file: path, line: line, column: column, message: "YAML: \(problem)\(byte)")
        default:
            return ConfigurationProblem(.error, file: path, line: 0, column: 0, message: "YAML: \(error)")
        }
    }
}
