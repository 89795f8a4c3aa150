// The kernel's one entry from the hardware (TrapEvent.swift says what a
// backend hands over). Interrupts are off for the whole of it on both arches.

/// Act on `event`, which interrupted the thread whose context is `context`;
/// returns the context to resume. `report` prints a fault the way the backend
/// decodes it, and is called only if the fault is not repaired.
func kernelTrap(_ event: TrapEvent, _ context: SavedContext, report: () -> Void = {}) -> SavedContext {
    if case .fault(let cause, let access) = event {
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
    }
    guard kernelAssembled else { return context }
    return withKernelInTrap { k in
        switch event {
        case .timer: return timerInterrupt(&k, context)
        case .schedulerCall: return schedulerCallTrap(&k, context)
        case .systemCall: return systemCallTrap(&k, context)
        case .fault: return context
        }
    }
}
