// The one door from the hardware into the kernel. A backend's trap entry
// decodes what happened into a TrapEvent and calls the kernel's `kernelTrap`
// with the interrupted thread's SavedContext; the kernel answers with the
// context to resume, which may be another thread's. Nothing else in Arch/
// calls up into Kernel/.

/// A thread's state saved at a trap, as the backend's entry left it. Opaque
/// to the kernel: only the backend's ThreadContext functions look inside.
struct SavedContext: Equatable {
    let raw: UInt
    init(_ raw: UInt) { self.raw = raw }
    /// No context (a trap that left nothing to resume, such as i386's double fault).
    static let none = SavedContext(0)
}

/// What brought the CPU into the kernel, as the backend decoded it.
enum TrapEvent: Equatable {
    /// The periodic timer's interrupt.
    case timer
    /// A kernel thread's request through ThreadContext.schedulerCall.
    case schedulerCall
    /// A user task's system call (the six words are in the context).
    case systemCall
    /// A device line fired; the backend has masked it (DeviceLines).
    case device(line: UInt32)
    /// A CPU fault in a thread. `cause`: the vector (i386), exception class
    /// (aarch64) or scause (riscv64); `kernelAccess`: the address of a kernel-mode data access, if it was one.
    case fault(cause: UInt, kernelAccess: UInt64?)
}
