// AudioIO: ALSA capture and playback devices through CAlsa (and a fake device for unit tests).
