// Threads on aarch64: exceptions arrive on the one exception stack (SP_EL1),
// so a thread being switched away has its context copied into its area; the
// context to resume is that area. Threads run at EL1 on SP_EL0 (EL1t).

extension AArch64: ThreadCPU {
    /// vectors.S's context: x0-x30, SP_EL0, ELR, SPSR, FPCR, FPSR, q0-q31.
    static let contextBytes = 832
    enum Slot { static let sp = 31, elr = 32, spsr = 33 }
    /// EL1t with D, A, I, F all clear: the thread runs on SP_EL0, interrupts on.
    static let threadSPSR: UInt64 = 0x4

    static func initialContext(area: UnsafeMutableRawPointer?, stackTop: UInt) -> UInt {
        let a = area!
        a.initializeMemory(as: UInt8.self, repeating: 0, count: contextBytes)
        let words = a.assumingMemoryBound(to: UInt64.self)
        words[Slot.sp] = UInt64(stackTop)
        words[Slot.elr] = threadEntryAddress()
        words[Slot.spsr] = threadSPSR
        return UInt(bitPattern: a)
    }

    static func suspend(_ trap: UInt, area: UnsafeMutableRawPointer?) -> UInt {
        area!.copyMemory(from: UnsafeRawPointer(bitPattern: trap)!, byteCount: contextBytes)
        return UInt(bitPattern: area!)
    }

    /// The GIC from the device tree, then the virtual timer at `hz`.
    static func startTimer(hz: UInt32) -> UInt32? {
        if gicIsVersion3 {
            kputs("timer: this kernel drives a GICv2; the device tree names a GICv3 (use -M virt without gic-version=3)\n")
            return nil
        }
        if gicDistributor == 0 || gicCPUInterface == 0 || timerInterruptID == 0 {
            kputs("timer: the device tree names no GIC or no timer interrupt\n")
            return nil
        }
        GICv2.start(enabling: timerInterruptID)
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
}
