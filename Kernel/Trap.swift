// The kernel's one entry from the hardware (TrapEvent.swift says what a
// backend hands over). Interrupts are off for the whole of it on both arches.

/// Act on `event`, which interrupted the thread whose context is `context`;
/// returns the context to resume. `report` prints a fault the way the backend
/// decodes it, and is called only if the fault is not repaired.
func kernelTrap(_ event: TrapEvent, _ context: SavedContext, report: () -> Void = {}) -> SavedContext {
    switch event {
    case .timer: return timerInterrupt(context)
    case .schedulerCall: return schedulerCallTrap(context)
    case .systemCall: return systemCallTrap(context)
    case .fault(let cause, let access): return faultTrap(context, cause: cause, kernelAccessTo: access, report: report)
    }
}
