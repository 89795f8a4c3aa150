// The first Swift code on aarch64. boot.S arrives here at EL1 with the MMU on
// (bootstrap identity map), FP/SIMD on, a stack, and the device tree address.
// Everything arch-specific about booting happens here; then the
// arch-independent kernel takes over and builds its own tables.

@_cdecl("aarch64_entry")
func aarch64Entry(_ deviceTree: UInt64, _ entryLevel: UInt64) {
    guard
        let tree = openBootDeviceTree(
            at: deviceTree,
            missing: "boot: no device tree address in x0 (load the kernel as a raw image, not an ELF)\n")
    else {
        // The command line is lost with the tree: try the semihosting exit, which a
        // test harness enables; without it the attempt traps and the CPU halts.
        exitThroughSemihosting = true
        kernelFail()
    }
    let devices = AArch64Devices.find(in: tree)
    if let uart = devices.uart { consoleBase = UInt(uart.start) }
    psciConduit = devices.psci
    exitThroughSemihosting = tree.bootargs.hasWord("exit=semihosting")
    kputs("boot: entered at EL"); kputDecimal(entryLevel); kputs(", running at EL"); kputDecimal(currentEL())
    kputs("; device tree at "); kputHex(deviceTree); kputs(" ("); kputDecimal(tree.totalSize); kputs(" bytes)\n")
    if devices.uart == nil { kputs("boot: no enabled PL011 in the device tree; console at the fallback address\n") }

    var boot = BootInfo()
    guard readDeviceTreeMemory(tree, at: deviceTree, into: &boot) else { kernelFail() }
    boot.map.reserve(start: imageStart(), end: imageEnd(), kind: .kernelImage)
    boot.map.reserve(start: imageStart(), end: codeEnd(), kind: .kernelCode)
    boot.map.reserve(start: exceptionStackGuard(), end: exceptionStackGuard() + 0x1000, kind: .guardPage)
    boot.map.reserve(start: bootStackGuard(), end: bootStackGuard() + 0x1000, kind: .guardPage)
    gicIsVersion3 = devices.gicVersion3
    if let d = devices.gicDistributor, let c = devices.gicSecond {
        gicDistributor = UInt(d.start); gicCPUInterface = UInt(c.start)
        boot.addDevice(start: d.start, bytes: d.bytes)
        boot.addDevice(start: c.start, bytes: c.bytes)
    }
    switch devices.virtualTimer {
    case .success(let id): timerInterruptID = id
    case .failure(let why): timerInterruptID = 0; timerProblem = why
    }
    if let uart = devices.uart {
        boot.addDevice(start: uart.start, bytes: uart.bytes, console: true)
    } else {
        boot.addDevice(start: UInt64(AArch64.fallbackConsole), bytes: 0x1000)
    }
    kernelMain(AArch64(), &boot)
}
