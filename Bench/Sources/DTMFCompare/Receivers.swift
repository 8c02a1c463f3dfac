import CSpanDSP
import DSPCore

/// A key-down as a receiver reported it: the digit and the sample count at which the caller learned it.
struct Report: Equatable {
    var digit: DTMFDigit
    /// Samples consumed when the report came: for ours, `Event.reportedSample`; for SpanDSP, the end of
    /// the `dtmf_rx` call in which its callback ran (sample-exact when fed one sample per call).
    var sample: Int64
}

/// The two receivers behind one interface, so every case is fed the same way.
protocol Receiver {
    static var name: String { get }
    init()
    /// Feeds one block; key-downs go to `reports`.
    mutating func feed(_ block: UnsafeBufferPointer<Int16>, into reports: inout [Report])
    /// Ends the stream.
    mutating func finish(into reports: inout [Report])
}

extension Receiver {
    /// A fresh receiver over `samples`, fed in blocks of `blockSize` samples.
    static func reports(_ samples: [Int16], blockSize: Int = 160) -> [Report] {
        var receiver = Self()
        var reports: [Report] = []
        samples.withUnsafeBufferPointer { all in
            var start = 0
            while start < all.count {
                let end = min(start + blockSize, all.count)
                receiver.feed(UnsafeBufferPointer(rebasing: all[start..<end]), into: &reports)
                start = end
            }
        }
        receiver.finish(into: &reports)
        return reports
    }

    static func digits(_ samples: [Int16]) -> [DTMFDigit] { reports(samples).map(\.digit) }
}

// MARK: - Ours

/// The configuration of our receiver in this run (the default unless `--variant` says otherwise).
nonisolated(unsafe) var oursConfiguration = DTMFDetector.Configuration()

struct Ours: Receiver {
    static let name = "ours"
    var detector = DTMFDetector(configuration: oursConfiguration)

    init() {}

    mutating func feed(_ block: UnsafeBufferPointer<Int16>, into reports: inout [Report]) {
        detector.process(block) { event in
            if event.kind == .keyDown { reports.append(Report(digit: event.digit, sample: event.reportedSample)) }
        }
    }

    mutating func finish(into reports: inout [Report]) {
        detector.finish { _ in }  // only key-ups remain
    }
}

// MARK: - SpanDSP

/// SpanDSP's `dtmf_rx` with its default parameters (no dial-tone filter, 8 dB normal and 4 dB reverse
/// twist, -42 dBm0 threshold), digits through the callback of `dtmf_rx_init`.
/// One owner; confined to the thread that created it.
final class SpanDSPChannel {
    let state: OpaquePointer
    /// Samples consumed before the current `dtmf_rx` call.
    var consumed: Int64 = 0
    /// The end of the current call.
    var callEnd: Int64 = 0
    var reports: [Report] = []
    /// When false, the callback only counts (for throughput runs).
    var recording = true
    var count = 0

    init() {
        guard let state = dtmf_rx_init(nil, nil, nil) else { fatalError("dtmf_rx_init failed") }
        self.state = state
        // Re-initialise in place, now that `self` can be the callback's user data.
        dtmf_rx_init(
            state,
            { userData, digits, length in
                guard let userData, let digits else { return }
                let channel = Unmanaged<SpanDSPChannel>.fromOpaque(userData).takeUnretainedValue()
                channel.received(digits, Int(length))
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit { dtmf_rx_free(state) }

    func received(_ digits: UnsafePointer<CChar>, _ length: Int) {
        count += length
        guard recording else { return }
        for i in 0..<length {
            let character = Character(Unicode.Scalar(UInt8(bitPattern: digits[i])))
            guard let digit = DTMFDigit(character) else { continue }
            reports.append(Report(digit: digit, sample: callEnd))
        }
    }

    @inline(__always)
    func feed(_ block: UnsafeBufferPointer<Int16>) {
        callEnd = consumed + Int64(block.count)
        _ = dtmf_rx(state, block.baseAddress, Int32(block.count))
        consumed = callEnd
    }
}

struct SpanDSP: Receiver {
    static let name = "SpanDSP"
    let channel = SpanDSPChannel()

    init() {}

    mutating func feed(_ block: UnsafeBufferPointer<Int16>, into reports: inout [Report]) {
        channel.feed(block)
        reports += channel.reports
        channel.reports.removeAll(keepingCapacity: true)
    }

    mutating func finish(into reports: inout [Report]) {}
}
