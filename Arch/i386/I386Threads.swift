// Threads on i386: a switched-out context stays on the thread's own stack
// (traps.S saves it there), so a switch is only a change of stack pointer.

extension I386: ThreadContext, InterruptControl, FaultProbes {
    static let contextBytes = 0
    /// Flags a new thread starts with: IF (interrupts on) and the reserved bit 1.
    static let initialFlags: UInt32 = 0x202
    /// fxsave defaults: x87 control word (all exceptions masked) and MXCSR (likewise).
    static let defaultFCW: UInt16 = 0x037F, defaultMXCSR: UInt32 = 0x1F80

    /// Lay out at `stackTop` what traps.S would have saved for a thread about
    /// to run i386_thread_entry: the iret frame, vector and error, the pusha
    /// registers (all zero), a clean fxsave area, and the context word.
    static func initialContext(area: UnsafeMutableRawPointer?, stackTop: UInt) -> SavedContext {
        let top = UInt32(stackTop)
        let iret = UnsafeMutablePointer<UInt32>(bitPattern: UInt(top - 12))!
        iret[0] = threadEntryAddress(); iret[1] = Descriptors.kernelCode; iret[2] = initialFlags
        return frame(below: top - 12, dataSegments: Descriptors.userData, extraSegments: Descriptors.userData)
    }

    /// A user task: the iret frame also carries the user stack and its segment
    /// (a return to ring 3); the arguments go in ebx and ecx (words 1 and 2).
    static func initialUserContext(
        area: UnsafeMutableRawPointer?, kernelStackTop: UInt, entry: UInt, userStack: UInt,
        arguments: (UInt, UInt)
    ) -> SavedContext {
        let top = UInt32(kernelStackTop)
        let iret = UnsafeMutablePointer<UInt32>(bitPattern: UInt(top - 20))!
        iret[0] = UInt32(entry); iret[1] = Descriptors.userCode; iret[2] = initialFlags
        iret[3] = UInt32(userStack); iret[4] = Descriptors.userData
        // FS and GS start null: nothing another task left there reaches this one.
        let context = frame(below: top - 20, dataSegments: Descriptors.userData, extraSegments: 0)
        setSyscallWord(context, 1, arguments.0)
        setSyscallWord(context, 2, arguments.1)
        return context
    }

    /// The rest of a saved trap frame below the iret words at `iretStart`: DS
    /// and ES are `dataSegments`, FS and GS `extraSegments` (traps.S's layout).
    private static func frame(below iretStart: UInt32, dataSegments: UInt32, extraSegments: UInt32) -> SavedContext {
        let pusha = iretStart - 8 - 32
        UnsafeMutableRawPointer(bitPattern: UInt(pusha))!.initializeMemory(as: UInt8.self, repeating: 0, count: 40)
        let segments = UnsafeMutablePointer<UInt32>(bitPattern: UInt(pusha - 16))!
        segments[0] = extraSegments; segments[1] = extraSegments  // gs, fs
        segments[2] = dataSegments; segments[3] = dataSegments  // es, ds
        let fx = (pusha - 16 - 512) & ~15
        let area = UnsafeMutableRawPointer(bitPattern: UInt(fx))!
        area.initializeMemory(as: UInt8.self, repeating: 0, count: 512)
        area.storeBytes(of: defaultFCW, toByteOffset: 0, as: UInt16.self)
        area.storeBytes(of: defaultMXCSR, toByteOffset: 24, as: UInt32.self)
        let context = fx - 4
        UnsafeMutablePointer<UInt32>(bitPattern: UInt(context))!.pointee = pusha
        return SavedContext(UInt(context))
    }

    static func suspend(_ trap: SavedContext, area: UnsafeMutableRawPointer?) -> SavedContext { trap }

    /// System-call words r0-r5 are eax, ebx, ecx, edx, esi, edi (pusha frame indexes).
    static let syscallRegisters: (Int, Int, Int, Int, Int, Int) = (7, 4, 6, 5, 1, 0)

    private static func register(_ context: SavedContext, _ n: Int) -> UnsafeMutablePointer<UInt32> {
        let pusha = UnsafeMutablePointer<UInt32>(bitPattern: context.raw)!.pointee
        let r = syscallRegisters
        let index = n == 0 ? r.0 : n == 1 ? r.1 : n == 2 ? r.2 : n == 3 ? r.3 : n == 4 ? r.4 : r.5
        return UnsafeMutablePointer<UInt32>(bitPattern: UInt(pusha))! + index
    }
    static func syscallWord(_ context: SavedContext, _ n: Int) -> UInt { UInt(register(context, n).pointee) }
    static func setSyscallWord(_ context: SavedContext, _ n: Int, _ value: UInt) {
        register(context, n).pointee = UInt32(truncatingIfNeeded: value)
    }

    /// A trap from ring 3 switches to TSS.esp0: make it this thread's kernel stack.
    static func willResume(kernelStackTop: UInt) { Descriptors.setKernelStack(UInt32(kernelStackTop)) }

    static func cycleCounter() -> UInt64 { readTimeStampCounter() }
    /// The TSC's rate, measured against the PIT when the timer starts (0 until then).
    static var cycleCounterKHz: UInt { tscKHz }

    /// PIC remapped with only the timer's IRQ open, then the PIT at `hz`.
    static func startTimer(hz: UInt32) -> UInt32? {
        LegacyPIC.remap(unmasked: 1 << UInt16(PIT.irq))
        tscKHz = PIT.measureTSCkHz()
        kputs("timer: the TSC runs at "); kputDecimal(UInt64(tscKHz)); kputs(" kHz (measured against the PIT)\n")
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
    /// COM1's IRQ 4: with OUT2 (which gates the UART's interrupt onto the bus)
    /// and the transmitter-empty interrupt on, turning that interrupt off and
    /// on again while the transmitter is empty gives the PIC an edge.
    static var testDeviceLine: UInt32? { 4 }
    static func raiseDeviceLine(_ line: UInt32) { UARTInterrupt.raise(writeCOM1) }
    static func quietDeviceLine(_ line: UInt32) { UARTInterrupt.quiet(writeCOM1) }
    private static func writeCOM1(_ register: Int, _ value: UInt8) { outb(Serial16550.com1.base + UInt16(register), value) }
}

/// The TSC's measured rate (I386Threads.cycleCounterKHz).
private var tscKHz: UInt = 0
