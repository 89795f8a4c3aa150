// CPU exceptions: an IDT whose 32 gates lead to the stubs in traps.S, and the
// handler they call. Any exception is fatal for now: it is reported with the
// registers that explain it, never left to become a silent triple fault.

enum Traps {
    static let kernelCode: UInt32 = 0x08
    /// Present, ring 0, 32-bit interrupt gate.
    static let interruptGate: UInt32 = 0x8E

    static func install() {
        let idt = idtBase()
        for vector in UInt32(0)..<32 {
            let handler = isrAddress(vector)
            idt[Int(vector) * 2] = (kernelCode << 16) | (handler & 0xFFFF)
            idt[Int(vector) * 2 + 1] = (handler & 0xFFFF_0000) | (interruptGate << 8)
        }
        loadIDT()
    }


    static func name(_ vector: UInt32) -> StaticString {
        switch vector {
        case 0: "divide error"
        case 6: "invalid opcode"
        case 8: "double fault"
        case 13: "general protection"
        case 14: "page fault"
        case 19: "SIMD floating-point"
        default: "exception"
        }
    }
}

/// Frame pushed by traps.S: edi esi ebp esp ebx edx ecx eax, vector, error, eip, cs, eflags.
@_cdecl("i386_trap")
func i386Trap(_ frame: UnsafeMutablePointer<UInt32>) {
    let vector = frame[8], error = frame[9], eip = frame[10]
    kputs("\nCPU EXCEPTION: "); kputs(Traps.name(vector))
    kputs(" vector="); kputDecimal(UInt64(vector))
    kputs(" error="); kputHex(UInt64(error))
    kputs(" eip="); kputHex(UInt64(eip))
    kputs(" cr2="); kputHex(UInt64(readCR2()))
    if vector == 14 {
        kputs(error & 1 != 0 ? " (protection violation" : " (page not present")
        kputs(error & 2 != 0 ? ", write" : ", read")
        kputs(error & 4 != 0 ? ", user)" : ", kernel)")
    }
    kputs("\n")
    if vector == 14 { explainHeapFault(at: UInt64(readCR2())) }
    kernelFail()
}
