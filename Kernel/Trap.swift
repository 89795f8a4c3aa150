// The kernel's one entry from the hardware (TrapEvent.swift says what a
// backend hands over). Interrupts are off for the whole of it on every arch.

/// Act on `event`, which interrupted the thread whose context is `context`;
/// returns the context to resume. `report` prints a fault the way the backend
/// decodes it, and is called only if the fault is not repaired.
func kernelTrap(_ event: TrapEvent, _ context: SavedContext, report: () -> Void = {}) -> SavedContext {
    switch event {
    case .fault(let cause, let access):
        // A kernel access through a task's stale root entry is repaired and
        // retried; it may happen inside withKernel, so this does not enter.
        if let a = access, repairKernelMapping(at: a) { return context }
        report()
        if kernelEntered {
            kputs("(taken while the kernel state was entered: its tables may be half changed)\n")
            kernelFail()
        }
        guard kernelAssembled, let next = withKernelInTrap({ threadFaulted(&$0, context, cause: cause) }) else { kernelFail() }
        return next
    case _ where !kernelAssembled: return context
    case .timer: return withKernelInTrap { timerInterrupt(&$0, context) }
    case .schedulerCall: return withKernelInTrap { schedulerCallTrap(&$0, context) }
    case .systemCall: return withKernelInTrap { systemCallTrap(&$0, context) }
    case .device(let line): return withKernelInTrap { deviceInterrupt(&$0, context, line: line) }
    }
}
