import DSPCore
import Foundation
import Yams

extension Loader {
    /// The checks of ivr-config.md §3.8 that need the whole file: references, routes, cycles, tests.
    func validate(_ c: MenuConfiguration, topEntries: [String: (key: String, keyNode: Yams.Node, value: Yams.Node)]) {
        let nodeNames = Array(c.nodes.keys).sorted()
        var entered = Set(c.lines.map(\.entry))
        for reference in references {
            let text = reference.template.text
            switch reference.kind {
            case .node:
                entered.insert(text)
                if nodeKeys[text] == nil {
                    let hint = ConfigurationReader.closest(text, in: nodeNames).map { " (did you mean `\($0)`?)" } ?? ""
                    reader.error(reference.node, "no node named `\(text)`\(hint)")
                }
            case .language:
                if reference.template.isLiteral, !c.languages.supported.contains(text) {
                    reader.error(
                        reference.node,
                        "language `\(text)` is not in languages.supported (\(c.languages.supported.joined(separator: ", ")))"
                    )
                }
            case .schedule:
                for (lineName, name) in c.lineExpansions(of: reference.template) where c.schedules[name] == nil {
                    let known = c.schedules.keys.sorted().joined(separator: ", ")
                    reader.error(
                        reference.node,
                        "no schedule named `\(name)`\(lineName.map { " (for line \($0))" } ?? ""); schedules: \(known)")
                }
            case .variable:
                let defined =
                    c.lines.contains { $0.vars.contains { $0.key == text } } || assignedVariables.contains(text)
                if !defined {
                    reader.warning(reference.node, "`vars.\(text)` is set by no line and no `set:`; it expands to \"\"")
                }
            case .prompt:
                break  // needs the prompt files: checked by the prompt library (`ivrmedia check`)
            }
        }
        for (context, node) in playListUses {
            guard let context, let target = c.nodes[context] else { continue }
            if case .menu = target.kind { continue }
            reader.error(
                node, "`play: \(node.string ?? "")` names a menu's prompt list, but `\(context)` is not a menu")
        }
        for (name, keyNode) in nodeKeys.sorted(by: { $0.key < $1.key }) where !entered.contains(name) {
            reader.warning(keyNode, "node `\(name)` is never entered (no line, goto or branch leads to it)")
        }
        if c.lines.isEmpty, topEntries["lines"] != nil {
            reader.error(topEntries["lines"]?.value, "no lines: at least one line must enter a node")
        }
        for name in c.nodes.keys.sorted() {
            if case .menu(let menu) = c.nodes[name]!.kind { validateRoutes(menu, name: name, c) }
        }
        validateBranchCycles()
        validateStackDepth(c)
        for scenario in c.tests where c.line(id: scenario.line, did: scenario.did) == nil {
            reader.problems(
                .error, location: scenario.location,
                "test \"\(scenario.name)\": no line matches line \(scenario.line ?? "-") / did \(scenario.did ?? "-")")
        }
    }

    func validateRoutes(_ menu: Menu, name: String, _ c: MenuConfiguration) {
        let nodes = routeNodes[name] ?? []
        guard nodes.count == menu.routes.count else { return }  // routes from `defaults`: checked once there
        let terminator = menu.terminator.map(\.character)
        var unbounded = false
        for (index, route) in menu.routes.enumerated() {
            let node = nodes[index]
            switch route.matcher {
            case .digits(let digits):
                if let terminator, digits.contains(terminator), digits != String(terminator) {
                    reader.error(
                        node,
                        "route \"\(digits)\" contains the terminator `\(terminator)`, which never enters the input")
                }
                if let max = menu.maxDigits, digits.count > max {
                    reader.error(node, "route \"\(digits)\" is longer than max_digits (\(max)): it can never match")
                }
            case .pattern(let pattern):
                if let terminator, pattern.literalKeys.contains(terminator) {
                    reader.error(
                        node,
                        "pattern \"\(pattern.text)\" contains the terminator `\(terminator)`, which never enters the input"
                    )
                }
                if let length = pattern.fixedLength, let max = menu.maxDigits, length > max {
                    reader.error(
                        node, "pattern \"\(pattern.text)\" is longer than max_digits (\(max)): it can never match")
                }
                if pattern.fixedLength == nil { unbounded = true }
            case .regex: unbounded = true
            }
            // Duplicates and shadowing by earlier routes.
            for earlier in 0..<index {
                let other = menu.routes[earlier]
                guard other.condition == nil else { continue }
                if other.matcher == route.matcher {
                    reader.error(
                        node,
                        "route \"\(route.name)\" is unreachable: the same as the route at line \(nodes[earlier].mark?.line ?? 0)"
                    )
                }
            }
            if menu.match == .shortest, case .digits(let digits) = route.matcher {
                for other in menu.routes where other != route {
                    if case .digits(let shorter) = other.matcher, shorter.count < digits.count,
                        digits.hasPrefix(shorter)
                    {
                        reader.warning(
                            node,
                            "route \"\(digits)\" is unreachable with `match: shortest`: \"\(shorter)\" is accepted first"
                        )
                    }
                }
            }
        }
        if unbounded, menu.maxDigits == nil, menu.terminator == nil {
            reader.error(
                nodes.first ?? nodeKeys[name],
                "menu `\(name)` has a regex or variable-length pattern but neither max_digits nor a terminator: input would never end"
            )
        }
        if menu.routes.isEmpty {
            reader.warning(nodeKeys[name], "menu `\(name)` has no routes: every key is invalid")
        }
    }

    /// The deepest stack of menus that `goto`s can build (a `goto` to a menu already on the stack goes
    /// back to it, so only paths of distinct menus count), against `limits.max_stack_depth`.
    func validateStackDepth(_ c: MenuConfiguration) {
        func isMenu(_ name: String) -> Bool {
            if case .menu = c.nodes[name]?.kind { return true }
            return false
        }
        var edges: [String: [(String, Yams.Node)]] = [:]
        for (from, to, node) in gotoEdges {
            if let from {
                edges[from, default: []].append((to, node))
            } else {
                for name in c.nodes.keys where isMenu(name) { edges[name, default: []].append((to, node)) }
            }
        }
        var reported = false
        func walk(_ name: String, path: Set<String>, depth: Int) {
            guard !reported else { return }
            for (target, node) in edges[name] ?? [] where !path.contains(target) {
                let deeper = depth + (isMenu(target) ? 1 : 0)
                if deeper > c.limits.maxStackDepth {
                    reader.warning(
                        node,
                        "this goto can make the menu stack \(deeper) deep, over limits.max_stack_depth "
                            + "(\(c.limits.maxStackDepth)): such a call is hung up")
                    reported = true
                    return
                }
                walk(target, path: path.union([target]), depth: deeper)
            }
        }
        for line in c.lines { walk(line.entry, path: [line.entry], depth: isMenu(line.entry) ? 1 : 0) }
    }

    /// Branch nodes that go to each other without a menu or a play between them loop forever at once.
    func validateBranchCycles() {
        var state: [String: Int] = [:]  // 1: on the path, 2: done
        func visit(_ name: String, path: [String]) {
            state[name] = 1
            for (target, node) in branchTargets[name] ?? [] where branchTargets[target] != nil {
                if state[target] == 1 {
                    let cycle = (path + [name]).drop { $0 != target } + [target]
                    reader.error(
                        node, "branch-only cycle: \(cycle.joined(separator: " -> ")) (no menu or prompt between)")
                } else if state[target] == nil {
                    visit(target, path: path + [name])
                }
            }
            state[name] = 2
        }
        for name in branchTargets.keys.sorted() where state[name] == nil { visit(name, path: []) }
    }
}
