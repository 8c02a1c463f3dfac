// IVRCalendar: opening-hours schedules (weekly windows, dates, holidays, their state at an instant and its
// next change), timestamps (ISO 8601 with milliseconds, whole seconds and days since 1970) and per-call
// ticket numbers. Pure time arithmetic on Foundation's Date and TimeZone: no I/O, no clock.
//
// A module of its own because three others use it for different things: the configuration parses
// schedules and ticket formats into the menu model, the router asks a schedule its state at the call's
// virtual time, and the media pipeline numbers tickets and stamps the call log.
