// The IDT and the trap dispatcher. Exceptions 0-31 (8 through a task gate,
// see Descriptors.swift), the PIC's IRQs at 32-47, and vector 48 for a
// thread's scheduler call. A fault in a thread is reported and kills only
// that thread; in the boot flow it ends the boot (KERNEL FAIL).

enum Traps {
    /// Present, ring 0, 32-bit interrupt gate (interrupts off in the handler).
    static let interruptGate: UInt32 = 0x8E
    /// Present, ring 3 may use it, 32-bit interrupt gate: the system-call gate.
    static let userInterruptGate: UInt32 = 0xEE
    static let systemCall: UInt32 = 0x80
    /// Present, ring 0, task gate.
    static let taskGate: UInt32 = 0x85
    static let doubleFault: UInt32 = 8
    static let firstIRQ: UInt32 = 32
    static let schedulerCall: UInt32 = 48

    static func install() {
        let idt = idtBase()
        for vector in UInt32(0)...schedulerCall {
            if vector == doubleFault {
                idt[Int(vector) * 2] = Descriptors.faultTSS << 16
                idt[Int(vector) * 2 + 1] = taskGate << 8
                continue
            }
            let handler = isrAddress(vector)
            idt[Int(vector) * 2] = (Descriptors.kernelCode << 16) | (handler & 0xFFFF)
            idt[Int(vector) * 2 + 1] = (handler & 0xFFFF_0000) | (interruptGate << 8)
        }
        let gate = syscallStubAddress()
        idt[Int(systemCall) * 2] = (Descriptors.kernelCode << 16) | (gate & 0xFFFF)
        idt[Int(systemCall) * 2 + 1] = (gate & 0xFFFF_0000) | (userInterruptGate << 8)
        loadIDT()
    }

    static func name(_ vector: UInt32) -> StaticString {
        switch vector {
        case 0: "divide error"
        case 1: "debug"
        case 3: "breakpoint"
        case 4: "overflow"
        case 5: "bound range exceeded"
        case 6: "invalid opcode"
        case 7: "device not available"
        case 8: "double fault"
        case 10: "invalid TSS"
        case 11: "segment not present"
        case 12: "stack-segment fault"
        case 13: "general protection"
        case 14: "page fault"
        case 16: "x87 floating-point"
        case 17: "alignment check"
        case 18: "machine check"
        case 19: "SIMD floating-point"
        default: "reserved exception"
        }
    }
}

/// Registers in the pusha frame trap_common saved (word indexes).
enum SavedRegister {
    static let ebp = 2, vector = 8, error = 9, eip = 10, cs = 11
}

/// Every trap lands here (traps.S) with interrupts off. Returns the context to resume.
@_cdecl("i386_trap")
func i386Trap(_ context: UInt32) -> UInt32 {
    let frame = UnsafeMutablePointer<UInt32>(bitPattern: UInt(context))!
    let regs = UnsafeMutablePointer<UInt32>(bitPattern: UInt(frame[0]))!
    let vector = regs[SavedRegister.vector]
    switch vector {
    case Traps.firstIRQ..<Traps.schedulerCall:
        return UInt32(truncatingIfNeeded: LegacyPIC.interrupt(Int(vector - Traps.firstIRQ), context: UInt(context)))
    case Traps.schedulerCall:
        return UInt32(truncatingIfNeeded: kernelTrap(.schedulerCall, SavedContext(UInt(context))).raw)
    case Traps.systemCall:
        return UInt32(truncatingIfNeeded: kernelTrap(.systemCall, SavedContext(UInt(context))).raw)
    default:
        let kernelAccess = vector == 14 && regs[SavedRegister.error] & 4 == 0 ? UInt64(readCR2()) : nil
        let event = TrapEvent.fault(cause: UInt(vector), kernelAccess: kernelAccess)
        return UInt32(truncatingIfNeeded: kernelTrap(event, SavedContext(UInt(context))) { reportException(vector, regs) }.raw)
    }
}

private func reportException(_ vector: UInt32, _ regs: UnsafeMutablePointer<UInt32>) {
    let error = regs[SavedRegister.error], eip = regs[SavedRegister.eip]
    kputs("\nCPU EXCEPTION: "); kputs(Traps.name(vector))
    kputs(" vector="); kputDecimal(UInt64(vector))
    kputs(" error="); kputHex(UInt64(error))
    kputs(" eip="); kputHex(UInt64(eip))
    // CR2 means something only for a page fault; for any other fault it is stale.
    if vector == 14 { kputs(" cr2="); kputHex(UInt64(readCR2())) }
    if vector == 14 {
        kputs(error & 1 != 0 ? " (protection violation" : " (page not present")
        kputs(error & 2 != 0 ? ", write" : ", read")
        kputs(error & 4 != 0 ? ", user)" : ", kernel)")
    }
    kputs("\n")
    if vector == 14 {
        explainHeapFault(at: UInt64(readCR2()))
        explainStackFault(at: UInt64(readCR2()))
    }
    if regs[SavedRegister.cs] & 3 == 0 {  // kernel code: name its frames
        printBacktrace(pc: UInt(eip), framePointer: UInt(regs[SavedRegister.ebp]))
    }
}
