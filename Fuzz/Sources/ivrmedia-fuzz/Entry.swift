import FuzzTargets
import Foundation

// ivrmedia-fuzz: libFuzzer over one of the FuzzTarget parsers, named by IVRMEDIA_FUZZ_TARGET; every other
// argument is libFuzzer's (a corpus folder, -max_total_time=S, -runs=N, ...).
//
// SwiftPM links an executable with `main` defined as the module's own entry symbol, so libFuzzer's `main`
// cannot be used; this entry runs libFuzzer's driver itself (LLVMFuzzerRunDriver, libFuzzer's API for
// that case).

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The target of this run; set once, before the driver starts.
nonisolated(unsafe) private var target = FuzzTarget.menu

@_cdecl("ivrmedia_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let name = ProcessInfo.processInfo.environment["IVRMEDIA_FUZZ_TARGET"] ?? ""
    guard let chosen = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("ivrmedia-fuzz: set IVRMEDIA_FUZZ_TARGET to one of: \(names)\n".utf8))
        return 64
    }
    target = chosen
    var count = argc
    var vector = argv
    return runDriver(&count, &vector) { data, size in
        target.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
