import Foundation
import MediaPipeline

/// A progress bar on standard error, shown only when standard error is a terminal and only once the
/// work has taken more than a second (`IVRMEDIA_PROGRESS_DELAY_MS` changes the delay, for tests).
struct ProgressBar {
    private let label: String
    private let total: Int
    private let start = Date()
    private let enabled: Bool
    private let delaySeconds: Double = {
        guard let text = ProcessInfo.processInfo.environment["IVRMEDIA_PROGRESS_DELAY_MS"],
            let milliseconds = Double(text), milliseconds >= 0
        else { return 1 }
        return milliseconds / 1000
    }()
    private var shown = false
    private var lastDrawn = Date.distantPast

    init(label: String, total: Int, enabled: Bool = StandardError.isTerminal) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = enabled
    }

    /// Reports that `done` of `total` units are finished.
    mutating func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(start) >= delaySeconds, now.timeIntervalSince(lastDrawn) > 0.1 else { return }
        lastDrawn = now
        shown = true
        let fraction = min(Double(done) / Double(total), 1)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        StandardError.write("\r\(label) [\(bar)] \(Int(fraction * 100))%")
    }

    /// Clears the bar if it was drawn.
    mutating func finish() {
        guard shown else { return }
        StandardError.write("\r\u{1B}[K")
        shown = false
    }
}
