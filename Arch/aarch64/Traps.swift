// Exceptions taken to EL1 (vectors.S). The entry number says where from:
// 0-3 the running thread or boot flow (SP_EL0), 4-7 the kernel's own
// exception code (SP_EL1: always fatal), 8-11 a user task at EL0 (12-15,
// AArch32, is never used). Synchronous exceptions are decoded from ESR_EL1 (Arm ARM D17.2.37),
// with FAR and ELR. A fault in a thread kills that thread; in the boot flow
// it ends the boot (KERNEL FAIL).

enum VectorEntry {
    static let synchronous: UInt64 = 0, irq: UInt64 = 1
    static let threadGroup: ClosedRange<UInt64> = 0...3
    static let handlerGroup: ClosedRange<UInt64> = 4...7
    /// From EL0 (user tasks), AArch64.
    static let userGroup: ClosedRange<UInt64> = 8...11
}

enum ExceptionClass {
    static let unknown: UInt64 = 0x00, svc: UInt64 = 0x15
    static let instructionAbortLower: UInt64 = 0x20, instructionAbort: UInt64 = 0x21
    static let dataAbortLower: UInt64 = 0x24, dataAbort: UInt64 = 0x25
}

@_cdecl("aarch64_trap")
func aarch64Trap(_ entry: UInt64, _ context: UInt) -> UInt {
    let kind = entry & 3
    if VectorEntry.threadGroup.contains(entry) {
        if kind == VectorEntry.irq { return aarch64Interrupt(context) }
        let esr = readESR()
        if kind == VectorEntry.synchronous && (esr >> 26) & 0x3F == ExceptionClass.svc {
            return kernelTrap(.schedulerCall, SavedContext(context)).raw
        }
    }
    if VectorEntry.userGroup.contains(entry) {
        if kind == VectorEntry.irq { return aarch64Interrupt(context) }
        if kind == VectorEntry.synchronous && (readESR() >> 26) & 0x3F == ExceptionClass.svc {
            return kernelTrap(.systemCall, SavedContext(context)).raw
        }
    }
    if VectorEntry.handlerGroup.contains(entry) {
        reportException(entry, context)
        kputs("(taken inside the kernel's exception code: nothing to fall back to)\n")
        kernelFail()
    }
    let kernelAccess = entry == VectorEntry.synchronous && (readESR() >> 26) & 0x3F == ExceptionClass.dataAbort ? readFAR() : nil
    let event = TrapEvent.fault(cause: UInt((readESR() >> 26) & 0x3F), kernelAccess: kernelAccess)
    return kernelTrap(event, SavedContext(context)) { reportException(entry, context) }.raw
}

/// Context words (vectors.S): x0-x30 in order.
enum ContextWord { static let frame = 29, link = 30 }

private func reportException(_ entry: UInt64, _ context: UInt) {
    let esr = readESR(), far = readFAR(), elr = readELR()
    let ec = (esr >> 26) & 0x3F
    kputs("\nCPU EXCEPTION: ")
    switch entry & 3 {
    case 0: kputs(exceptionClassName(ec))
    case 1: kputs("IRQ")
    case 2: kputs("FIQ")
    default: kputs("SError")
    }
    kputs(" vector="); kputDecimal(entry)
    kputs(" esr="); kputHex(esr); kputs(" (EC "); kputHex(ec); kputs(")")
    let abort =
        ec == ExceptionClass.dataAbort || ec == ExceptionClass.dataAbortLower
        || ec == ExceptionClass.instructionAbort || ec == ExceptionClass.instructionAbortLower
    // FAR holds the faulting address for aborts and PC alignment faults only;
    // for any other exception it is stale (Arm ARM D17.2.40).
    if abort || ec == 0x22 { kputs(" far="); kputHex(far) }
    kputs(" elr="); kputHex(elr)
    if abort {
        let isData = ec == ExceptionClass.dataAbort || ec == ExceptionClass.dataAbortLower
        kputs(isData ? (esr & (1 << 6) != 0 ? " (write" : " (read") : " (fetch")
        let fsc = esr & 0x3F
        kputs((fsc & 0x3C) == 0x04 ? ", translation fault)" : (fsc & 0x3C) == 0x0C ? ", permission fault)" : ", other fault)")
    }
    kputs("\n")
    if abort {
        explainHeapFault(at: far)
        explainStackFault(at: far)
    }
    if !VectorEntry.userGroup.contains(entry) {  // kernel code: name its frames
        let words = UnsafePointer<UInt>(bitPattern: context)!
        printBacktrace(pc: UInt(elr), framePointer: words[ContextWord.frame], link: words[ContextWord.link])
    }
}

func exceptionClassName(_ ec: UInt64) -> StaticString {
    switch ec {
    case 0x00: "undefined instruction"
    case 0x07: "FP/SIMD access trapped"
    case 0x15: "SVC"
    case 0x18: "trapped MSR, MRS or system instruction"
    case 0x20, 0x21: "instruction abort"
    case 0x22: "PC alignment fault"
    case 0x24, 0x25: "data abort"
    case 0x26: "SP alignment fault"
    case 0x3C: "BRK"
    default: "synchronous exception"
    }
}
