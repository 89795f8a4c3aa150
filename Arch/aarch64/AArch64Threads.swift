// Threads on aarch64: exceptions arrive on the one exception stack (SP_EL1),
// and the entry saves the context straight into the running thread's area
// (TPIDR_EL1 names it; vectors.S), so a switch copies nothing; the context to
// resume is that area. Threads run at EL1 on SP_EL0 (EL1t).

extension AArch64: ThreadContext, InterruptControl, FaultProbes {
    /// vectors.S's context: x0-x30, SP_EL0, ELR, SPSR, FPCR, FPSR, q0-q31.
    static let contextBytes = 832
    enum Slot { static let sp = 31, elr = 32, spsr = 33 }
    /// EL1t with D, A, I, F all clear: the thread runs on SP_EL0, interrupts on.
    static let threadSPSR: UInt64 = 0x4

    static func initialContext(area: UnsafeMutableRawPointer?, stackTop: UInt) -> SavedContext {
        let a = area!
        a.initializeMemory(as: UInt8.self, repeating: 0, count: contextBytes)
        let words = a.assumingMemoryBound(to: UInt64.self)
        words[Slot.sp] = UInt64(stackTop)
        words[Slot.elr] = threadEntryAddress()
        words[Slot.spsr] = threadSPSR
        return SavedContext(UInt(bitPattern: a))
    }

    /// EL0t with interrupts on.
    static let userSPSR: UInt64 = 0x0

    /// A user task: ERET to `entry` at EL0 on `userStack`, arguments in x1 and x2.
    /// Its traps arrive on the exception stack, so `kernelStackTop` is not needed.
    static func initialUserContext(
        area: UnsafeMutableRawPointer?, kernelStackTop: UInt, entry: UInt, userStack: UInt,
        arguments: (UInt, UInt)
    ) -> SavedContext {
        let context = initialContext(area: area, stackTop: userStack)
        let words = area!.assumingMemoryBound(to: UInt64.self)
        words[Slot.elr] = UInt64(entry)
        words[Slot.spsr] = userSPSR
        words[1] = UInt64(arguments.0)
        words[2] = UInt64(arguments.1)
        return context
    }

    /// System-call words r0-r5 are x0-x5, the first six context words.
    static func syscallWord(_ context: SavedContext, _ n: Int) -> UInt {
        UInt(UnsafeMutablePointer<UInt64>(bitPattern: context.raw)![n])
    }
    static func setSyscallWord(_ context: SavedContext, _ n: Int, _ value: UInt) {
        UnsafeMutablePointer<UInt64>(bitPattern: context.raw)![n] = UInt64(value)
    }

    static func willResume(kernelStackTop: UInt) {}

    static func cycleCounter() -> UInt64 { readVirtualCount() }
    static var cycleCounterKHz: UInt { UInt(readCounterFrequency() / 1000) }

    /// The exception entry already saved into the thread's area (vectors.S);
    /// only the boot flow's first context, on the exception stack, is copied.
    static func suspend(_ trap: SavedContext, area: UnsafeMutableRawPointer?) -> SavedContext {
        keepInArea(trap, area: area)
    }

    /// The GIC (v2 or v3) from the device tree, then the virtual timer at `hz`.
    static func startTimer(hz: UInt32) -> UInt32? {
        if gicDistributor == 0 || gicCPUInterface == 0 {
            kputs("timer: the device tree names no enabled GIC with two register ranges\n")
            return nil
        }
        if timerInterruptID == 0 {
            kputs("timer: no virtual-timer interrupt: ")
            switch timerProblem {
            case .noTimerNode?, nil: kputs("no arm,armv8-timer node")
            case .noVirtualTimerEntry?: kputs("the timer lists no third (virtual timer) interrupt")
            case .parentNotGIC?: kputs("the timer's interrupt parent is not a GIC this kernel drives")
            case .notPPI(let type, let number)?:
                kputs("the virtual timer's specifier is type "); kputDecimal(UInt64(type)); kputs(" number ")
                kputDecimal(UInt64(number)); kputs(", not a PPI")
            }
            kputs("\n")
            return nil
        }
        if gicIsVersion3 {
            guard GICv3.start(enabling: timerInterruptID) else {
                kputs("timer: the GICv3 distributor or redistributor did not come up\n")
                return nil
            }
        } else {
            GICv2.start(enabling: timerInterruptID)
        }
        kputs("timer: "); kputs(gicIsVersion3 ? "GICv3" : "GICv2"); kputs(" at "); kputHex(UInt64(gicDistributor)); kputs("\n")
        guard let rate = VirtualTimer.start(hz: hz) else {
            kputs("timer: CNTFRQ_EL0 cannot give "); kputDecimal(UInt64(hz)); kputs(" Hz\n")
            return nil
        }
        return rate
    }

    static func disableInterrupts() -> Bool { interruptsOff() != 0 }
    static func enableInterrupts() { interruptsOn() }
    static func waitForInterrupt() { waitForInterruptNow() }
    static func schedulerCall(_ request: UInt, _ argument: UInt) { schedulerCallNow(UInt64(request), UInt64(argument)) }
    static func undefinedInstruction() { undefinedInstructionNow() }
    /// The distributor's last SPI: no device of QEMU virt sits that high. Software
    /// pends it (GICD_ISPENDR) and clears it (GICD_ICPENDR).
    static var testDeviceLine: UInt32? { gicDistributor == 0 ? nil : GICDistributor.lines - 1 }
    static func raiseDeviceLine(_ line: UInt32) { GICDistributor.bit(GICDistributor.setPending, line) }
    static func quietDeviceLine(_ line: UInt32) { GICDistributor.bit(GICDistributor.clearPending, line) }
}
