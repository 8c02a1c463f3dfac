// MediaTestSupport: signal synthesis for tests (DTMF with offset, twist, noise, dBm0 levels) and fixtures.
