import Foundation
import Synchronization

/// SIGINT, SIGTERM and SIGHUP, noted by an async-signal-safe handler and taken by the control loop
/// (`LiveEngine.run` polls `take` between periods; `simulate` between frames).
public enum Signals {
    static let pending = Atomic<UInt32>(0)

    /// Catches `caught` (by default the run's three), and ignores SIGPIPE and SIGXFSZ so that a reader
    /// of the events that goes away, or a file-size limit (RLIMIT_FSIZE), makes writes fail (EPIPE,
    /// EFBIG) instead of killing the process; the event sink reports those.
    ///
    /// A system call that a caught signal interrupts is restarted (SA_RESTART), so that the audio thread's
    /// device calls never fail for a signal; the loops that take signals poll `take` or `terminating`.
    public static func install(_ caught: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        // A parent may have started us with these blocked (the mask is inherited across exec): take
        // them on this thread whatever it was.
        var set = sigset_t()
        sigemptyset(&set)
        for signalNumber in caught { sigaddset(&set, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        for signalNumber in caught {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                _ = Signals.pending.bitwiseOr(UInt32(1) << UInt32(number), ordering: .relaxed)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(SA_RESTART)
            sigaction(signalNumber, &action, nil)
        }
    }

    /// The next pending signal (terminating ones first), or nil.
    public static func take() -> Int32? {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            let bit = UInt32(1) << UInt32(signalNumber)
            if pending.bitwiseAnd(~bit, ordering: .relaxed).oldValue & bit != 0 { return signalNumber }
        }
        return nil
    }

    /// The terminating signal (SIGINT or SIGTERM) caught so far, if any; it stays pending.
    public static var terminating: Int32? {
        let bits = pending.load(ordering: .relaxed)
        return [SIGINT, SIGTERM].first { bits & (UInt32(1) << UInt32($0)) != 0 }
    }
}
