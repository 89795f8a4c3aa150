// Device interrupts, the kernel's half: the backend has masked the line that
// fired (DeviceLines); the interrupt object that owns it signals its
// notification (IPCCore.interruptArrived), and the driver it wakes runs at
// once if it is more urgent than the interrupted thread. The line stays masked
// until the driver's ack (Kernel/Syscalls.swift). A line nobody owns stays
// masked; the first of them is reported, the rest counted.

/// A new interrupt object for `line` in `t`'s `slot`, signalling notification
/// `n` with `badge`, and the line enabled at the controller. A line the
/// controller will not give (the kernel's own, or none) is badRequest, and the
/// object made for it is deleted again: nothing is left half made.
func makeInterrupt(_ k: inout KernelState, _ t: ThreadID, into slot: Int, line: UInt32, notification n: Int, badge: UInt)
    throws(SyscallError)
{
    try k.tasks.ipc.core.createInterrupt(t, into: slot, line: line, notification: n, badge: badge)
    if !Platform.enableDeviceLine(line) {
        _ = try? k.tasks.ipc.core.delete(t, slot)
        throw .badRequest
    }
}

/// The holder of interrupt object `i` acknowledges it: its line, masked since it fired, is unmasked.
func acknowledgeInterrupt(_ k: inout KernelState, _ i: Int) {
    if let line = k.tasks.ipc.core.interrupts.ack(i) { Platform.unmaskDeviceLine(line) }
}

/// Device lines that fired with no owner to acknowledge them (reported once).
var unownedLineReported = false

@inline(never)  // inlined into kernelTrap it grew the frame every system call pays for
func deviceInterrupt(_ k: inout KernelState, _ trap: SavedContext, line: UInt32) -> SavedContext {
    let (arrival, signalled) = k.tasks.ipc.core.interruptArrived(line: line)
    switch arrival {
    case .unowned:
        if !unownedLineReported {
            unownedLineReported = true
            kputs("interrupts: line "); kputDecimal(UInt64(line)); kputs(" fired with no task to handle it; it stays masked\n")
        }
        return trap
    case .alreadyPending: return trap
    case .signal(_, _, _):
        guard let outcome = signalled, case .woke = outcome else { return trap }
        wakeSignalled(&k, outcome)
        return resume(&k, from: trap, previous: k.threads.scheduler.current, next: k.threads.scheduler.reschedule())
    }
}
