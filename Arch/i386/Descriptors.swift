// The i386 segment and task descriptors (Intel SDM vol. 3, ch. 3.4 and 7):
// flat kernel and user segments, the main TSS (ring-0 stack for later ring
// switches) and a second TSS for double faults. A kernel stack overflow
// faults while pushing the page-fault frame onto the same stack; only a task
// switch to a known-good stack can report that instead of a triple fault.

enum Descriptors {
    static let kernelCode: UInt32 = 0x08
    static let kernelData: UInt32 = 0x10
    static let userCode: UInt32 = 0x18 | 3
    static let userData: UInt32 = 0x20 | 3
    static let mainTSS: UInt32 = 0x28
    static let faultTSS: UInt32 = 0x30
    static let tssBytes: UInt32 = 104

    /// TSS fields, as 32-bit word indexes (SDM vol. 3, fig. 7-2).
    enum TSS {
        static let esp0 = 1, ss0 = 2, cr3 = 7, eip = 8, eflags = 9, esp = 14, ebp = 15
        static let es = 18, cs = 19, ss = 20, ds = 21, fs = 22, gs = 23, ioMapBase = 25
    }

    static func install() {
        let gdt = table(0).assumingMemoryBound(to: UInt64.self)
        gdt[0] = 0
        gdt[1] = segment(base: 0, limit: 0xF_FFFF, access: 0x9A, flags: 0xC)  // ring 0 code
        gdt[2] = segment(base: 0, limit: 0xF_FFFF, access: 0x92, flags: 0xC)  // ring 0 data
        gdt[3] = segment(base: 0, limit: 0xF_FFFF, access: 0xFA, flags: 0xC)  // ring 3 code
        gdt[4] = segment(base: 0, limit: 0xF_FFFF, access: 0xF2, flags: 0xC)  // ring 3 data
        gdt[5] = segment(base: address(table(1)), limit: tssBytes - 1, access: 0x89, flags: 0)  // available 32-bit TSS
        gdt[6] = segment(base: address(table(2)), limit: tssBytes - 1, access: 0x89, flags: 0)
        let main = tss(1), fault = tss(2)
        main[TSS.ss0] = kernelData
        main[TSS.esp0] = address(table(3))  // replaced per thread once rings are in use
        main[TSS.ioMapBase] = tssBytes << 16  // no I/O permission bitmap
        fault[TSS.eip] = address(table(4))
        fault[TSS.esp] = address(table(3))
        fault[TSS.eflags] = 0x2  // interrupts off
        setKernelSegments(fault)
        fault[TSS.ioMapBase] = tssBytes << 16
        setPageTableRoot(readCR3())
        loadGDT()
        loadTaskRegister(UInt16(mainTSS))
    }

    /// The page-table root both tasks switch to (keep it current). A task
    /// switch saves the general state into the old TSS but never CR3: the
    /// return to the main task loads CR3 from its TSS, so that must be right too.
    static func setPageTableRoot(_ cr3: UInt32) {
        tss(1)[TSS.cr3] = cr3
        tss(2)[TSS.cr3] = cr3
    }

    /// After a double fault: make the interrupted task resume at the trap
    /// context `context` (the next thread) when the fault task returns.
    static func resumeInterruptedTask(at context: UInt32) {
        let main = tss(1)
        main[TSS.eip] = address(table(5))
        main[TSS.esp] = context
        main[TSS.eflags] = 0x2
        setKernelSegments(main)
    }

    /// The kernel's selectors in a TSS, as i386_load_gdt sets them: ring-0 code
    /// and stack, the flat ring-3 data selector in the data registers (an iret
    /// to a user task would null a ring-0 one). No array literal: there may be no heap yet.
    private static func setKernelSegments(_ t: UnsafeMutablePointer<UInt32>) {
        t[TSS.cs] = kernelCode
        t[TSS.ss] = kernelData
        t[TSS.es] = userData; t[TSS.ds] = userData; t[TSS.fs] = userData; t[TSS.gs] = userData
    }

    /// The ring-0 stack a trap from ring 3 switches to.
    static func setKernelStack(_ top: UInt32) { tss(1)[TSS.esp0] = top }

    /// The interrupted task's EIP and ESP, as the double fault left them.
    static var interruptedTask: (eip: UInt32, esp: UInt32, ebp: UInt32) {
        (tss(1)[TSS.eip], tss(1)[TSS.esp], tss(1)[TSS.ebp])
    }

    /// A segment descriptor: base, 20-bit limit, access byte, flags nibble (SDM fig. 3-8).
    static func segment(base: UInt32, limit: UInt32, access: UInt8, flags: UInt8) -> UInt64 {
        var d = UInt64(limit & 0xFFFF)
        d |= UInt64(base & 0xFF_FFFF) << 16
        d |= UInt64(access) << 40
        d |= UInt64((limit >> 16) & 0xF) << 48
        d |= UInt64(flags & 0xF) << 52
        d |= UInt64(base >> 24) << 56
        return d
    }

    private static func table(_ which: UInt32) -> UnsafeMutableRawPointer { descriptorTables(which) }
    private static func tss(_ which: UInt32) -> UnsafeMutablePointer<UInt32> { table(which).assumingMemoryBound(to: UInt32.self) }
    private static func address(_ p: UnsafeMutableRawPointer) -> UInt32 { UInt32(UInt(bitPattern: p)) }
}

/// Entered in the double-fault task (descriptors.S), on its own stack.
@_cdecl("i386_double_fault")
func i386DoubleFault() {
    let (eip, esp, ebp) = Descriptors.interruptedTask
    let cr2 = readCR2()
    kputs("\nCPU EXCEPTION: double fault vector=8 eip="); kputHex(UInt64(eip))
    kputs(" esp="); kputHex(UInt64(esp)); kputs(" cr2="); kputHex(UInt64(cr2))
    kputs(" (a fault while delivering a fault, such as a page fault whose frame cannot be pushed)\n")
    explainStackFault(at: UInt64(cr2))
    // The walker reads only frame records inside the thread's mapped stack: an
    // overflowed stack's EBP points into the guard page, and the walk stops there.
    printBacktrace(pc: UInt(eip), framePointer: UInt(ebp))
    // Reported above; the kernel kills the thread (or fails the boot) and names what to resume.
    let next = kernelTrap(.fault(cause: 8, kernelAccess: nil), .none)
    Descriptors.resumeInterruptedTask(at: UInt32(next.raw))
}
