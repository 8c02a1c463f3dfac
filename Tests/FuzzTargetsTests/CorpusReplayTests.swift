import Foundation
import Testing

@testable import FuzzTargets

/// Every committed fuzz input (Fuzz/Corpus/<target>/), and the test material each target was seeded
/// from, run through its target once: a finding of `make fuzz` stays fixed. A trap or a hang here fails
/// the suite.
@Suite struct CorpusReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The files of `folder` (under the package root) whose names end with `suffix`, recursively.
    static func files(_ folder: String, suffix: String = "") -> [URL] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        return walker.compactMap { $0 as? URL }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .filter { $0.lastPathComponent.hasSuffix(suffix) }
            .sorted { $0.path < $1.path }
    }

    /// The inputs of a target: its committed corpus, and for some targets the material it is seeded from.
    static func inputs(_ target: FuzzTarget) -> [URL] {
        var inputs = files("Fuzz/Corpus/\(target.rawValue)")
        switch target {
        case .menu: inputs += files("examples", suffix: ".yaml")
        case .audioOgg: inputs += files("Prompts", suffix: ".opus")
        default: break
        }
        return inputs
    }

    @Test(arguments: FuzzTarget.allCases)
    func corpusRunsThroughItsTarget(target: FuzzTarget) throws {
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "no inputs for \(target.rawValue)")
        for input in inputs {
            let data = try Data(contentsOf: input)
            data.withUnsafeBytes { target.run($0) }
        }
    }

}
