// PromptMixer: the prompt library (decoded at load, never on the audio thread) and the per-line playback mixer.
