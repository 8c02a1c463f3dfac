import AudioIO
import Foundation
import Testing

/// The fake device behaves as documented, and as the real one does where they overlap.
@Suite("FakeDuplexDevice")
struct FakeDuplexDeviceTests {
    /// An echo loop, generic over the device as the pipeline's loop is.
    func echo<Device: DuplexAudio>(_ device: Device, periods: Int) throws -> [IOResult] {
        var results: [IOResult] = []
        var buffer = [Int16](repeating: 0, count: device.periodFrames * device.channels)
        try device.start()
        for _ in 0..<periods {
            let read = try buffer.withUnsafeMutableBufferPointer {
                try device.read(into: $0, frames: device.periodFrames)
            }
            let written = try buffer.withUnsafeBufferPointer { try device.write($0, frames: device.periodFrames) }
            results.append(IOResult(frames: read.frames, recoveredXrun: read.recoveredXrun || written.recoveredXrun))
        }
        device.stop()
        return results
    }

    @Test("capture comes from memory, writes are kept after two periods of priming silence")
    func echoes() throws {
        let signal = testSignal(channels: 3, frames: 4 * 160)
        let device = FakeDuplexDevice(channels: 3, capture: signal)
        let results = try echo(device, periods: 4)
        #expect(results.allSatisfy { $0 == IOResult(frames: 160, recoveredXrun: false) })
        #expect(device.written == [Int16](repeating: 0, count: 2 * 160 * 3) + signal)
        #expect(device.framesRead == 640 && device.framesWritten == 640)
        #expect(device.isStarted && device.isStopped && device.xrunCount == 0)
    }

    @Test("reads past the end of the capture data give silence; a looping capture starts over")
    func pastTheEnd() throws {
        let signal = testSignal(channels: 2, frames: 100)
        var buffer = [Int16](repeating: 7, count: 320)
        let device = FakeDuplexDevice(channels: 2, capture: signal)
        _ = try buffer.withUnsafeMutableBufferPointer { try device.read(into: $0, frames: 160) }
        #expect(buffer == signal + [Int16](repeating: 0, count: 120))

        let looping = FakeDuplexDevice(channels: 2, capture: signal, loopsCapture: true)
        _ = try buffer.withUnsafeMutableBufferPointer { try looping.read(into: $0, frames: 160) }
        #expect(buffer == signal + signal[0..<120])
        _ = try buffer.withUnsafeMutableBufferPointer { try looping.read(into: $0, frames: 160) }
        #expect(buffer == Array(signal[120...] + signal + signal[0..<40]))
    }

    @Test("an injected underrun is reported, counted, and puts two periods of silence before its frames")
    func underrun() throws {
        let signal = testSignal(channels: 1, frames: 4 * 160)
        let device = FakeDuplexDevice(channels: 1, capture: signal)
        device.inject(.underrun, atFrame: 2 * 160 + 5)
        let results = try echo(device, periods: 4)
        #expect(results.map(\.recoveredXrun) == [false, false, true, false])
        #expect(device.xrunCount == 1)
        let silence = [Int16](repeating: 0, count: 2 * 160)
        #expect(device.written == silence + signal[0..<320] + silence + signal[320...])
    }

    @Test("an injected overrun is reported, counted, and drops the frames of the stall")
    func overrun() throws {
        let signal = testSignal(channels: 1, frames: 6 * 160)
        let device = FakeDuplexDevice(channels: 1, capture: signal)
        device.inject(.overrun(droppedFrames: 160), atFrame: 160)
        let results = try echo(device, periods: 3)
        #expect(results.map(\.recoveredXrun) == [false, true, false])
        #expect(device.xrunCount == 1)
        #expect(Array(device.written[320...]) == Array(signal[0..<160] + signal[320..<640]))
    }

    @Test("a lost device throws deviceLost from that frame on, in both directions")
    func deviceLost() throws {
        let device = FakeDuplexDevice(channels: 1, capture: testSignal(channels: 1, frames: 1000), name: "line-card")
        device.inject(.deviceLost, atFrame: 200)
        var buffer = [Int16](repeating: 0, count: 160)
        try device.start()
        _ = try buffer.withUnsafeMutableBufferPointer { try device.read(into: $0, frames: 160) }
        for _ in 0..<2 {
            let error = #expect(throws: ALSAError.self) {
                try buffer.withUnsafeMutableBufferPointer { try device.read(into: $0, frames: 160) }
            }
            #expect(
                error == ALSAError(code: .deviceLost, alsaCode: -ENODEV, function: "snd_pcm_readi", device: "line-card")
            )
            #expect(error?.exitStatus == 74)
        }
        let error = #expect(throws: ALSAError.self) {
            try buffer.withUnsafeBufferPointer { try device.write($0, frames: 160) }
        }
        #expect(error?.code == .deviceLost)
        #expect(error?.function == "snd_pcm_writei")

        let playbackLost = FakeDuplexDevice(channels: 1)
        playbackLost.injectPlaybackDeviceLost(atFrame: 0)
        #expect(throws: ALSAError.self) {
            try buffer.withUnsafeBufferPointer { try playbackLost.write($0, frames: 160) }
        }
    }

    @Test("writes within the reserved capacity do not grow the storage")
    func reservedCapacity() throws {
        let device = FakeDuplexDevice(channels: 2, writeCapacityFrames: 10 * 160)
        try device.start()
        let capacity = device.written.capacity
        let buffer = [Int16](repeating: 1, count: 320)
        for _ in 0..<10 { _ = try buffer.withUnsafeBufferPointer { try device.write($0, frames: 160) } }
        #expect(device.written.capacity == capacity)
        #expect(device.written.count == 12 * 320)
    }
}
