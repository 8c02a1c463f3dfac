/// One-call sample-rate conversion of a whole signal, for set-up paths and tools.
public enum Resampling {
    /// Converts `samples` from `inputSampleRate` to `outputSampleRate` with a ``Resampler`` and returns
    /// ⌈count × out / in⌉ samples, time-aligned with the input (no filter delay). Equal rates return the
    /// input unchanged.
    ///
    /// Allocates the filter and the result; not for the audio thread.
    public static func resample(_ samples: [Int16], from inputSampleRate: Int, to outputSampleRate: Int) -> [Int16] {
        guard inputSampleRate != outputSampleRate else { return samples }
        var resampler = Resampler(inputSampleRate: inputSampleRate, outputSampleRate: outputSampleRate)
        return resampler.processAndFlush(samples)
    }
}
