// The first Swift code on i386. boot.S arrives here with paging off, a stack,
// SSE on and the Multiboot registers. Everything arch-specific about booting
// happens here; then the arch-independent kernel takes over.

@_cdecl("i386_entry")
func i386Entry(_ magic: UInt32, _ infoAddress: UInt32) {
    Serial16550.com1.initialize()
    Descriptors.install()
    Traps.install()
    enableUMIPIfPresent()
    if magic != MultibootInfo.bootloaderMagic {
        kputs("boot: not started by a Multiboot loader (EAX = "); kputHex(UInt64(magic))
        kputs("); no memory map to trust\n")
        kernelFail()
    }
    var boot = BootInfo()
    // Paging is off: every physical address below 4 GiB is its own pointer.
    let info = MultibootInfo(info: UInt64(infoAddress), into: &boot.map) { address, length in
        if address == 0 || address + UInt64(length) > 0xFFFF_FFFF { return nil }
        return UnsafeRawPointer(bitPattern: UInt(address))
    }
    for i in 0..<info.problemCount { reportMultibootProblem(info.problems[i]) }
    if info.usedBasicSizes { kputs("boot: no usable Multiboot memory map; using the basic lower/upper sizes\n") }
    boot.commandLine = info.commandLine
    for i in 0..<3 where info.structures[i].end > info.structures[i].start {
        boot.map.reserve(start: info.structures[i].start, end: info.structures[i].end, kind: .bootInfo)
    }
    boot.map.reserve(start: UInt64(imageStart()), end: UInt64(imageEnd()), kind: .kernelImage)
    boot.map.reserve(start: UInt64(imageStart()), end: UInt64(codeEnd()), kind: .kernelCode)
    boot.map.reserve(start: UInt64(bootStackGuard()), end: UInt64(bootStackGuard()) + 0x1000, kind: .guardPage)
    boot.map.reserve(start: 0, end: I386PageTable.pageSize, kind: .reserved)  // the null page stays unmapped
    kernelMain(I386(), &boot)
}
