// MediaCodecs: frame decoders (G.711, Opus via COpus, packet loss concealment) and audio files via CSndfile.
