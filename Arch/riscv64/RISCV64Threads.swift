// Threads on riscv64: a trap saves the context straight into the area
// sscratch names, the running thread's own (vectors.S), so a switch copies
// nothing; the context to resume is that area. Kernel threads run in S-mode
// on their own stacks, user tasks in U-mode. The timer is SBI set_timer at
// the device tree's timebase frequency.

/// Learned at boot (zero-initialized: no lazy globals).
var timebaseHz: UInt64 = 0
var timerInterval: UInt64 = 0
var timerDeadline: UInt64 = 0
var timerThroughTimeExtension = false

extension RISCV64: ThreadContext, InterruptControl, FaultProbes {
    /// vectors.S's context: x1-x31, sepc, sstatus, fcsr, f0-f31.
    static let contextBytes = 544
    /// S-mode with interrupts on after sret, FP usable.
    static let threadSStatus: UInt64 = SStatus.spp | SStatus.spie | SStatus.fpInitial

    static func initialContext(area: UnsafeMutableRawPointer?, stackTop: UInt) -> SavedContext {
        let a = area!
        a.initializeMemory(as: UInt8.self, repeating: 0, count: contextBytes)
        let words = a.assumingMemoryBound(to: UInt64.self)
        words[ContextWord.sp] = UInt64(stackTop)
        words[ContextWord.sepc] = threadEntryAddress()
        words[ContextWord.sstatus] = threadSStatus
        return SavedContext(UInt(bitPattern: a))
    }

    /// U-mode (SPP clear) with interrupts on after sret, FP usable; SUM stays clear.
    static let userSStatus: UInt64 = SStatus.spie | SStatus.fpInitial

    /// A user task: sret to `entry` in U-mode on `userStack`, arguments in a1 and a2.
    /// Its traps save into its area and run on the exception stack.
    static func initialUserContext(
        area: UnsafeMutableRawPointer?, kernelStackTop: UInt, entry: UInt, userStack: UInt,
        arguments: (UInt, UInt)
    ) -> SavedContext {
        let context = initialContext(area: area, stackTop: userStack)
        let words = area!.assumingMemoryBound(to: UInt64.self)
        words[ContextWord.sepc] = UInt64(entry)
        words[ContextWord.sstatus] = userSStatus
        words[ContextWord.a0 + 1] = UInt64(arguments.0)
        words[ContextWord.a0 + 2] = UInt64(arguments.1)
        return context
    }

    /// System-call words r0-r5 are a0-a5 (x10-x15).
    static func syscallWord(_ context: SavedContext, _ n: Int) -> UInt {
        UInt(UnsafeMutablePointer<UInt64>(bitPattern: context.raw)![ContextWord.a0 + n])
    }
    static func setSyscallWord(_ context: SavedContext, _ n: Int, _ value: UInt) {
        UnsafeMutablePointer<UInt64>(bitPattern: context.raw)![ContextWord.a0 + n] = UInt64(value)
    }

    static func willResume(kernelStackTop: UInt) {}

    static func cycleCounter() -> UInt64 { readTime() }
    static var cycleCounterKHz: UInt { UInt(timebaseHz / 1000) }

    /// The trap entry already saved into the thread's area (vectors.S); only
    /// the boot flow's first context, in riscv64_boot_context, is copied.
    static func suspend(_ trap: SavedContext, area: UnsafeMutableRawPointer?) -> SavedContext {
        keepInArea(trap, area: area)
    }

    static func startTimer(hz: UInt32) -> UInt32? {
        guard hz > 0, timebaseHz >= UInt64(hz) else {
            kputs("timer: the device tree gives no timebase-frequency of at least "); kputDecimal(UInt64(hz)); kputs(" Hz\n")
            return nil
        }
        timerThroughTimeExtension = SBI.has(SBI.time)
        timerInterval = timebaseHz / UInt64(hz)
        timerDeadline = readTime() &+ timerInterval
        SBITimer.set(timerDeadline)
        enableTimerInterrupt()
        PLIC.start()
        kputs("timer: SBI "); kputs(timerThroughTimeExtension ? "TIME extension" : "legacy set_timer")
        kputs(" at a "); kputDecimal(timebaseHz); kputs(" Hz timebase\n")
        return UInt32(timebaseHz / timerInterval)
    }

    static func disableInterrupts() -> Bool { interruptsOff() != 0 }
    static func enableInterrupts() { interruptsOn() }
    static func waitForInterrupt() { waitForInterruptNow() }
    static func schedulerCall(_ request: UInt, _ argument: UInt) { schedulerCallNow(UInt64(request), UInt64(argument)) }
    static func undefinedInstruction() { undefinedInstructionNow() }
    /// The console UART's source: its transmitter-empty interrupt, a level that
    /// stays asserted while the transmitter is empty, turned off and on.
    static var testDeviceLine: UInt32? { plicBase != 0 && uartInterrupt != 0 ? uartInterrupt : nil }
    static func raiseDeviceLine(_ line: UInt32) { UARTInterrupt.raise(writeConsole) }
    static func quietDeviceLine(_ line: UInt32) { UARTInterrupt.quiet(writeConsole) }
    private static func writeConsole(_ register: Int, _ value: UInt8) { mmioWrite8(consoleBase + (UInt(register) << consoleShift), value) }
}

enum SBITimer {
    /// The next interrupt at `time` (setting it also clears the pending one).
    static func set(_ time: UInt64) {
        if timerThroughTimeExtension { _ = SBI.call(SBI.time, SBI.setTimer, time) } else { _ = SBI.call(SBI.legacySetTimer, 0, time) }
    }

    /// The next deadline one interval after the last; if ticks were missed,
    /// one interval from now (the tick count then runs slow, never in bursts).
    static func rearm() {
        let now = readTime()
        var next = timerDeadline &+ timerInterval
        if next <= now { next = now &+ timerInterval }
        timerDeadline = next
        set(next)
    }
}
