// Device interrupts, the kernel's half: the backend has masked the line that
// fired (DeviceLines); the interrupt object that owns it signals its
// notification (IPCCore.interruptArrived), and the driver it wakes runs at
// once if it is more urgent than the interrupted thread. The line stays masked
// until the driver's ack (Kernel/Syscalls.swift). A line nobody owns stays
// masked; the first of them is reported, the rest counted.

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
