// AudioIO: ALSA capture and playback devices through CAlsa (and a fake device for unit tests).
//
// - ``PCMStream`` owns one direction of an ALSA PCM (`snd_pcm_t`): it negotiates the hardware and
//   software parameters once, then reads or writes interleaved linear 16-bit frames, companding G.711
//   itself when the device carries µ-law or A-law.
// - ``DuplexDevice`` pairs a capture and a playback stream (one telephone line per channel) and starts
//   them together; ``FakeDuplexDevice`` has the same shape with no ALSA, for tests above the device.
// - ``DuplexAudio`` is the protocol an audio loop can be generic over.
// - ``ALSAConfigFile`` writes self-contained ALSA configurations (file plugin, JACK-paced) for tests
//   and demos, opened with `snd_pcm_open_lconf` so that nothing global is read.
