// A task that reads kernel memory. The page is mapped (the kernel is in
// every address space) but not for the user, so the read faults and the
// kernel kills this task alone.

func taskMain(_ kernelAddress: UInt, _ unused: UInt) {
    var line = Line("intruder: reading kernel memory at "); line.hex(UInt64(kernelAddress)); line.print()
    let value = load32(kernelAddress)
    var leaked = Line("intruder: read "); leaked.hex(UInt64(value)); leaked.add(" (isolation is broken)"); leaked.print()
}
