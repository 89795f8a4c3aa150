// Threads on i386: a switched-out context stays on the thread's own stack
// (traps.S saves it there), so a switch is only a change of stack pointer.

extension I386: ThreadCPU {
    static let contextBytes = 0
    /// Flags a new thread starts with: IF (interrupts on) and the reserved bit 1.
    static let initialFlags: UInt32 = 0x202
    /// fxsave defaults: x87 control word (all exceptions masked) and MXCSR (likewise).
    static let defaultFCW: UInt16 = 0x037F, defaultMXCSR: UInt32 = 0x1F80

    /// Lay out at `stackTop` what traps.S would have saved for a thread about
    /// to run i386_thread_entry: the iret frame, vector and error, the pusha
    /// registers (all zero), a clean fxsave area, and the context word.
    static func initialContext(area: UnsafeMutableRawPointer?, stackTop: UInt) -> UInt {
        let top = UInt32(stackTop)
        let iret = UnsafeMutablePointer<UInt32>(bitPattern: UInt(top - 12))!
        iret[0] = threadEntryAddress(); iret[1] = Descriptors.kernelCode; iret[2] = initialFlags
        let pusha = top - 12 - 8 - 32
        UnsafeMutableRawPointer(bitPattern: UInt(pusha))!.initializeMemory(as: UInt8.self, repeating: 0, count: 40)
        let fx = (pusha - 512) & ~15
        let area = UnsafeMutableRawPointer(bitPattern: UInt(fx))!
        area.initializeMemory(as: UInt8.self, repeating: 0, count: 512)
        area.storeBytes(of: defaultFCW, toByteOffset: 0, as: UInt16.self)
        area.storeBytes(of: defaultMXCSR, toByteOffset: 24, as: UInt32.self)
        let context = fx - 4
        UnsafeMutablePointer<UInt32>(bitPattern: UInt(context))!.pointee = pusha
        return UInt(context)
    }

    static func suspend(_ trap: UInt, area: UnsafeMutableRawPointer?) -> UInt { trap }

    /// PIC remapped with only the timer's IRQ open, then the PIT at `hz`.
    static func startTimer(hz: UInt32) -> UInt32? {
        LegacyPIC.remap(unmasked: 1 << UInt16(PIT.irq))
        guard let rate = PIT.start(hz: hz) else {
            kputs("timer: the PIT cannot run at "); kputDecimal(UInt64(hz)); kputs(" Hz\n")
            return nil
        }
        return rate
    }

    static func disableInterrupts() -> Bool { interruptsOff() != 0 }
    static func enableInterrupts() { interruptsOn() }
    static func waitForInterrupt() { waitForInterruptNow() }
    static func schedulerCall(_ request: UInt, _ argument: UInt) {
        schedulerCallNow(UInt32(truncatingIfNeeded: request), UInt32(truncatingIfNeeded: argument))
    }
    static func undefinedInstruction() { undefinedInstructionNow() }
}
