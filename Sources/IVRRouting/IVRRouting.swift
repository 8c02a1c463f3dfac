// IVRRouting: the routing state machine of one call (`Router`), the precedence of its routes, the driver
// that keeps its timers and playback queue on an 8 kHz tick (`RouterDriver`, shared by live calls,
// simulate and check), the runner of a menu's `tests:` scenarios (check's engine) and the log fields the
// router emits. Pure: no I/O and no clock; time comes in as values, the configuration as a loaded
// `MenuConfiguration` (IVRConfiguration), schedule states from IVRCalendar.
