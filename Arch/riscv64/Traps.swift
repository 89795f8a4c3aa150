// Traps taken to S-mode (vectors.S), decoded from scause (privileged spec,
// "Supervisor Cause Register"), with stval and sepc. sstatus.SPP in the saved
// context says where from: a kernel thread or the boot flow (S) or a user
// task (U). A fault in a thread kills that thread, in a task that task; in the
// boot flow it ends the boot (KERNEL FAIL).

enum Cause {
    static let interrupt: UInt64 = 1 << 63
    static let supervisorTimer: UInt64 = 5, supervisorExternal: UInt64 = 9
    static let instructionMisaligned: UInt64 = 0, instructionAccess: UInt64 = 1, illegalInstruction: UInt64 = 2
    static let breakpoint: UInt64 = 3, loadMisaligned: UInt64 = 4, loadAccess: UInt64 = 5
    static let storeMisaligned: UInt64 = 6, storeAccess: UInt64 = 7, userEcall: UInt64 = 8
    static let instructionPage: UInt64 = 12, loadPage: UInt64 = 13, storePage: UInt64 = 15
}

/// Context words (vectors.S): x_i at word i, then sepc and sstatus.
enum ContextWord {
    static let ra = 1, sp = 2, t0 = 5, frame = 8, a0 = 10, a7 = 17, sepc = 32, sstatus = 33
}

enum SStatus {
    static let sie: UInt64 = 1 << 1, spie: UInt64 = 1 << 5, spp: UInt64 = 1 << 8
    static let fpInitial: UInt64 = 1 << 13
}

/// In a7 with the ebreak of riscv64_scheduler_call (cpu.S).
let schedulerCallMarker: UInt64 = 0x5C4ED

@_cdecl("riscv64_trap")
func riscv64Trap(_ cause: UInt64, _ context: UInt, _ nested: UInt64) -> UInt {
    let words = UnsafeMutablePointer<UInt64>(bitPattern: context)!
    if nested != 0 {
        reportTrap(cause, context)
        kputs("(taken inside the kernel's trap code: nothing to fall back to)\n")
        kernelFail()
    }
    if cause & Cause.interrupt != 0 {
        if cause & ~Cause.interrupt == Cause.supervisorTimer {
            SBITimer.rearm()
            return kernelTrap(.timer, SavedContext(context)).raw
        }
        if cause & ~Cause.interrupt == Cause.supervisorExternal, let source = PLIC.claim() {
            // Masked before it completes: a level source still asserted waits for its task's ack.
            PLIC.setEnabled(source, false)
            PLIC.complete(source)
            return kernelTrap(.device(line: source), SavedContext(context)).raw
        }
        return context  // nothing else is enabled in sie
    }
    let fromUser = words[ContextWord.sstatus] & SStatus.spp == 0
    if cause == Cause.userEcall {
        words[ContextWord.sepc] &+= 4  // past the ecall
        return kernelTrap(.systemCall, SavedContext(context)).raw
    }
    if cause == Cause.breakpoint && !fromUser && words[ContextWord.a7] == schedulerCallMarker {
        words[ContextWord.sepc] &+= 4  // past the 4-byte ebreak
        return kernelTrap(.schedulerCall, SavedContext(context)).raw
    }
    let kernelAccess = !fromUser && (cause == Cause.loadPage || cause == Cause.storePage) ? readSTVAL() : nil
    return kernelTrap(.fault(cause: UInt(cause), kernelAccess: kernelAccess), SavedContext(context)) {
        reportTrap(cause, context)
    }.raw
}

private func reportTrap(_ cause: UInt64, _ context: UInt) {
    let words = UnsafePointer<UInt64>(bitPattern: context)!
    let stval = readSTVAL(), sepc = words[ContextWord.sepc]
    let fromUser = words[ContextWord.sstatus] & SStatus.spp == 0
    kputs("\nCPU EXCEPTION: "); kputs(causeName(cause))
    kputs(" scause="); kputHex(cause); kputs(" sepc="); kputHex(sepc)
    kputs(" stval="); kputHex(stval); kputs(fromUser ? " (from U-mode)" : " (from S-mode)"); kputs("\n")
    let page = cause == Cause.loadPage || cause == Cause.storePage || cause == Cause.instructionPage
    if page || cause == Cause.loadAccess || cause == Cause.storeAccess {
        explainHeapFault(at: stval)
        explainStackFault(at: stval)
    }
    if !fromUser {  // kernel code: name its frames
        // Code the compiler outlined is entered with `jal t0`: t0 names its caller.
        printBacktrace(pc: UInt(sepc), framePointer: UInt(words[ContextWord.frame]), link: UInt(words[ContextWord.t0]))
    }
}

func causeName(_ cause: UInt64) -> StaticString {
    switch cause {
    case Cause.instructionMisaligned: "instruction address misaligned"
    case Cause.instructionAccess: "instruction access fault"
    case Cause.illegalInstruction: "illegal instruction"
    case Cause.breakpoint: "breakpoint"
    case Cause.loadMisaligned: "load address misaligned"
    case Cause.loadAccess: "load access fault"
    case Cause.storeMisaligned: "store address misaligned"
    case Cause.storeAccess: "store access fault"
    case Cause.userEcall: "ecall from U-mode"
    case Cause.instructionPage: "instruction page fault"
    case Cause.loadPage: "load page fault"
    case Cause.storePage: "store page fault"
    default: "exception"
    }
}
