// MediaPipeline: caller audio -> receiver -> router -> mixer; the only module that owns clocks (virtual or real).
