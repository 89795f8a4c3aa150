// Exceptions taken to EL1. All are fatal for now: reported with ESR, FAR and
// ELR (Arm ARM D17.2.37 for the ESR classes), then KERNEL FAIL.

@_cdecl("aarch64_trap")
func aarch64Trap(_ entry: UInt64, _ frame: UnsafeMutablePointer<UInt64>) {
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
    kputs(" far="); kputHex(far); kputs(" elr="); kputHex(elr)
    if ec == 0x24 || ec == 0x25 {
        kputs(esr & (1 << 6) != 0 ? " (write" : " (read")
        let fsc = esr & 0x3F
        kputs((fsc & 0x3C) == 0x04 ? ", translation fault)" : (fsc & 0x3C) == 0x0C ? ", permission fault)" : ", other fault)")
    }
    kputs("\n")
    if ec == 0x25 { explainHeapFault(at: far) }
    kernelFail()
}

func exceptionClassName(_ ec: UInt64) -> StaticString {
    switch ec {
    case 0x00: "unknown reason"
    case 0x07: "FP/SIMD access trapped"
    case 0x15: "SVC"
    case 0x20, 0x21: "instruction abort"
    case 0x22: "PC alignment fault"
    case 0x24, 0x25: "data abort"
    case 0x26: "SP alignment fault"
    case 0x3C: "BRK"
    default: "synchronous exception"
    }
}
