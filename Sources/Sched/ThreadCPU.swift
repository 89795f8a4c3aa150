// The CPU side of kernel threads, which each backend provides next to its
// MMU, VirtualLayout and Machine conformances. Every switch happens on the way
// out of a trap: the backend's trap entry saves the whole interrupted state
// (general and FP/SIMD registers) and hands the kernel a SavedContext
// (TrapEvent.swift); the kernel answers with the context to resume, which may
// belong to another thread.

/// Saving, building and resuming thread contexts.
protocol ThreadContext {
    /// Bytes the kernel keeps per thread for a switched-out context: 0 where
    /// the trap entry saves the context on the thread's own stack (i386).
    static var contextBytes: Int { get }
    /// The first context of a new thread, built in `area` or at `stackTop`:
    /// resuming it enters `kernel_thread_start` on that stack, interrupts on.
    static func initialContext(area: UnsafeMutableRawPointer?, stackTop: UInt) -> SavedContext
    /// The first context of a user task: it will enter `entry` in user mode on
    /// `userStack` with `arguments` in r1 and r2 of the system-call words; its
    /// traps use the kernel stack below `kernelStackTop`.
    static func initialUserContext(
        area: UnsafeMutableRawPointer?, kernelStackTop: UInt, entry: UInt, userStack: UInt,
        arguments: (UInt, UInt)
    ) -> SavedContext
    /// System-call word `n` (0-5) of a saved context (SyscallABI.swift names them).
    static func syscallWord(_ context: SavedContext, _ n: Int) -> UInt
    static func setSyscallWord(_ context: SavedContext, _ n: Int, _ value: UInt)
    /// Called before a thread is resumed: the stack its next trap from user mode uses.
    static func willResume(kernelStackTop: UInt)
    /// Keep the interrupted context `trap` of a thread being switched away;
    /// returns the handle that resumes it later.
    static func suspend(_ trap: SavedContext, area: UnsafeMutableRawPointer?) -> SavedContext
    /// Trap into the kernel from a thread to ask the scheduler for `request`,
    /// with `request` and `argument` in system-call words 0 and 1.
    static func schedulerCall(_ request: UInt, _ argument: UInt)
}

extension ThreadContext {
    /// `suspend` for a backend whose trap entry saves straight into the running
    /// thread's own area (aarch64, riscv64): nothing is copied, except a context
    /// the entry saved elsewhere (the boot flow's first one), which moves into `area`.
    static func keepInArea(_ trap: SavedContext, area: UnsafeMutableRawPointer?) -> SavedContext {
        let a = area!
        if trap.raw == UInt(bitPattern: a) { return trap }
        a.copyMemory(from: UnsafeRawPointer(bitPattern: trap.raw)!, byteCount: contextBytes)
        return SavedContext(UInt(bitPattern: a))
    }
}

/// The timer, the interrupt mask and the cycle counter.
protocol InterruptControl {
    /// The CPU's cycle counter, and its rate in kHz (0 if not known).
    static func cycleCounter() -> UInt64
    static var cycleCounterKHz: UInt { get }
    /// Program the periodic timer to `hz` and unmask its interrupt (interrupts
    /// stay off until enabled). Returns the rate set, or nil with a reason printed.
    static func startTimer(hz: UInt32) -> UInt32?
    /// Turn interrupts off; returns whether they were on.
    static func disableInterrupts() -> Bool
    static func enableInterrupts()
    /// Sleep until the next interrupt.
    static func waitForInterrupt()
}

/// The interrupt controller's lines that tasks may drive (InterruptObjects.swift).
/// The backend masks a device line when it fires, before it hands the line
/// to the kernel (TrapEvent.device); the kernel unmasks it on the holder's ack.
protocol DeviceLines {
    /// Route `line` to this CPU and unmask it; false if the controller cannot
    /// give it to a task (no such line, or one of the kernel's own).
    static func enableDeviceLine(_ line: UInt32) -> Bool
    /// Deliver `line` again.
    static func unmaskDeviceLine(_ line: UInt32)
}

/// What the test image's thread checks need of a CPU.
protocol FaultProbes {
    /// Execute an instruction the CPU does not define (i386 ud2, aarch64 udf):
    /// the proof that such a fault kills only its thread.
    static func undefinedInstruction()
    /// A device line the test image's storm check may raise by software (nil:
    /// none), the way to raise it, and the way to quiet its source again.
    static var testDeviceLine: UInt32? { get }
    static func raiseDeviceLine(_ line: UInt32)
    static func quietDeviceLine(_ line: UInt32)
}

/// The CPU side of kernel threads: contexts, and the interrupts that switch them.
typealias ThreadCPU = ThreadContext & InterruptControl

/// What a thread asks through `schedulerCall`.
enum SchedulerRequest: UInt {
    case yield = 1
    case sleep = 2
    case block = 3
    case exit = 4
}
