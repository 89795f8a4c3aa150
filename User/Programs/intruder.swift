// A task that breaks the rules, to show that only it pays. Mode 0 reads
// kernel memory: the page is mapped (the kernel is in every address space)
// but not for the user. Mode 1 writes over its own code, which is mapped
// read-only. Either way the access faults and the kernel kills this task alone.
// Mode 2 spins without ever blocking or yielding: the kernel must go on anyway.
// Mode 3 runs an instruction user mode should not (Arch/<arch>/User/start.S):
// i386 sgdt (stopped where the CPU has UMIP), aarch64 a CTR_EL0 read (trapped
// while SCTLR_EL1.UCT is clear), riscv64 a read of sstatus.

@_extern(c, "_start") func entrySymbol()

func taskMain(_ address: UInt, _ mode: UInt) {
    let kernelAddress = address != 0 ? address : kernelImageAddress()
    // What a task finds in the registers it can set: nothing another task left.
    // Then plant a value for the next task to (not) see: a flat data selector
    // in FS and GS on i386, a marker in TPIDR_EL0 on aarch64 and in tp on riscv64.
    var seen = Line("intruder: thread registers at start "); seen.hex(UInt64(threadRegisters())); seen.print()
    plantThreadRegisters(MemoryLayout<UInt>.size == 4 ? 0x23 : 0x5EC7E7)
    if mode == 3 {
        var line = Line("intruder: reading a privileged register"); line.print()
        let value = privilegedProbe()
        var read = Line("intruder: read "); read.hex(UInt64(value)); read.add(" (the probe was not stopped)"); read.print()
        return
    }
    if mode == 2 {
        var line = Line("intruder: spinning without ever blocking"); line.print()
        while true {}
    }
    if mode == 0 {
        // A forged summary line, a carriage return and an escape that would erase
        // it: the kernel tags the line with this task's name and shows both bytes.
        var forged = Line("KERNEL OK arch=forged "); forged.byte(13); forged.byte(27); forged.add("[2K"); forged.print()
        var line = Line("intruder: reading kernel memory at "); line.hex(UInt64(kernelAddress)); line.print()
        let value = load32(kernelAddress)
        var leaked = Line("intruder: read "); leaked.hex(UInt64(value)); leaked.add(" (isolation is broken)"); leaked.print()
    } else {
        let code = unsafeBitCast(entrySymbol as @convention(c) () -> Void, to: UInt.self)
        var line = Line("intruder: writing over my own code at "); line.hex(UInt64(code)); line.print()
        UnsafeMutablePointer<UInt32>(bitPattern: code)!.pointee = 0
        var broken = Line("intruder: my code is writable (W^X is broken)"); broken.print()
    }
}
