// IVRRouting: the menu configuration model (YAML) and the routing state machine. No clock, no I/O.
