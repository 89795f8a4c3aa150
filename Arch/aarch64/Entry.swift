// The first Swift code on aarch64. boot.S arrives here at EL1 with the MMU on
// (bootstrap identity map), FP/SIMD on, a stack, and the device tree address.
// Everything arch-specific about booting happens here; then the
// arch-independent kernel takes over and builds its own tables.

@_cdecl("aarch64_entry")
func aarch64Entry(_ deviceTree: UInt64, _ entryLevel: UInt64) {
    guard deviceTree != 0, let blob = UnsafeRawPointer(bitPattern: UInt(deviceTree)) else {
        kputs("boot: no device tree address in x0 (load the kernel as a raw image, not an ELF)\n")
        kernelFail()
    }
    let tree: DeviceTree
    switch DeviceTree.parse(blob, available: Int(DeviceTree.sizeLimit)) {
    case .success(let t): tree = t
    case .failure(let e):
        reportDeviceTreeProblem(e, at: deviceTree)
        // The command line is lost with the tree: try the semihosting exit, which a
        // test harness enables; without it the attempt traps and the CPU halts.
        exitThroughSemihosting = true
        kernelFail()
    }
    if let uart = tree.uart { consoleBase = UInt(uart.start) }
    psciConduit = tree.psci
    exitThroughSemihosting = tree.bootargs.hasWord("exit=semihosting")
    kputs("boot: entered at EL"); kputDecimal(entryLevel); kputs(", running at EL"); kputDecimal(currentEL())
    kputs("; device tree at "); kputHex(deviceTree); kputs(" ("); kputDecimal(tree.totalSize); kputs(" bytes)\n")
    if tree.uart == nil { kputs("boot: no PL011 in the device tree; console at the fallback address\n") }

    var boot = BootInfo()
    boot.commandLine = tree.bootargs
    for i in 0..<tree.memoryCount {
        boot.map.add(start: tree.memory[i].start, length: tree.memory[i].bytes, kind: .usable)
    }
    for i in 0..<tree.reservedCount {
        boot.map.reserve(start: tree.reserved[i].start, end: tree.reserved[i].end, kind: .reserved)
    }
    boot.map.reserve(start: deviceTree, end: deviceTree + tree.totalSize, kind: .bootInfo)
    boot.map.reserve(start: imageStart(), end: imageEnd(), kind: .kernelImage)
    boot.map.reserve(start: imageStart(), end: codeEnd(), kind: .kernelCode)
    gicIsVersion3 = tree.gicCompatible.contains("arm,gic-v3")
    if tree.gicCount == 2 {
        gicDistributor = UInt(tree.gic[0].start); gicCPUInterface = UInt(tree.gic[1].start)
        for i in 0..<2 { boot.addDevice(start: tree.gic[i].start, bytes: tree.gic[i].bytes) }
    }
    timerInterruptID = tree.virtualTimerInterrupt ?? 0
    if let uart = tree.uart { boot.addDevice(start: uart.start, bytes: uart.bytes) }
    else { boot.addDevice(start: UInt64(AArch64.fallbackConsole), bytes: 0x1000) }
    kernelMain(AArch64(), &boot)
}
