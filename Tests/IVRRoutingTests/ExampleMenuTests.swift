import Foundation
import Testing

@testable import IVRConfiguration
@testable import IVRRouting

/// The two example menus of ivr-config.md (§4, §5), as shipped in examples/: they load without errors
/// and their own `tests:` pass.
@Suite struct ExampleMenuTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    @Test(arguments: ["operator-hotline.yaml", "call-centre.yaml"])
    func exampleLoadsAndItsScenariosPass(file: String) throws {
        let path = Self.examples.appendingPathComponent(file).path
        let (configuration, warnings) = try MenuConfiguration.load(path: path)
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(!configuration.tests.isEmpty)
        for result in ScenarioRunner.runAll(configuration) {
            #expect(
                result.passed,
                "\(result.scenario.name): \(result.failures)\ntrace:\n\(result.trace.map(\.description).joined(separator: "\n"))"
            )
        }
    }

    /// A scenario that expects something the call does not do fails (the runner can fail).
    @Test func aWrongExpectationFails() throws {
        let path = Self.examples.appendingPathComponent("operator-hotline.yaml").path
        var (configuration, _) = try MenuConfiguration.load(path: path)
        var scenario = configuration.tests[0]
        scenario.expect = [
            Scenario.Expectation(verb: "transfer", value: .map(["to": .string("queue:sales")]), location: "here")
        ]
        configuration.tests = [scenario]
        let result = ScenarioRunner.runAll(configuration)[0]
        #expect(!result.passed)
        #expect(result.failures.first?.contains("queue:sales") == true)
    }
}
