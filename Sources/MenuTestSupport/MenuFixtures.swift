import IVRConfiguration

/// Menu files for tests, written as text: the configuration tests check the problems they give, the
/// routing tests drive a router through them.

/// A one-menu file: `main` with `body` (indented under `main:`), prompts root `/nonexistent`.
public func oneMenu(_ body: String, defaults: String = "", extra: String = "") -> String {
    """
    version: 1
    prompts: { root: /nonexistent }
    \(defaults)
    lines:
      - match: { any: true }
        entry: main
    nodes:
      main:
        type: menu
    \(body.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
    \(extra)
    """
}

/// The problems of a menu file read as `test.yaml`: the warnings when it loads, every problem when it
/// does not.
public func problems(_ yaml: String) -> [ConfigurationProblem] {
    do {
        return try MenuConfiguration.parse(yaml, path: "test.yaml").1
    } catch {
        return error.problems
    }
}
