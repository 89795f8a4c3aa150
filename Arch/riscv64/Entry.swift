// The first Swift code on riscv64. boot.S arrives here in S-mode with the MMU
// off, FP on, a stack, the device tree's address and the boot hart's id.
// Everything arch-specific about booting happens here; then the
// arch-independent kernel takes over and builds its own tables.

@_cdecl("riscv64_entry")
func riscv64Entry(_ deviceTree: UInt64, _ hart: UInt64) {
    // Without the tree there is no test device to carry a status: the exit is
    // SBI's reset, so the console line is what tells.
    guard
        let tree = openBootDeviceTree(
            at: deviceTree,
            missing: "boot: no device tree address in a1 (start the kernel through OpenSBI: -bios default)\n")
    else {
        kernelFail()
    }
    let devices = RISCV64Devices.find(in: tree, bootHart: hart)
    if let uart = devices.uart { consoleBase = UInt(uart.start); consoleShift = UInt(devices.uartRegisterShift) }
    if let test = devices.testDevice { testDeviceBase = UInt(test.start) }
    timebaseHz = devices.timebaseHz
    kputs("boot: hart "); kputDecimal(hart); kputs(" in S-mode under SBI; device tree at "); kputHex(deviceTree)
    kputs(" ("); kputDecimal(tree.totalSize); kputs(" bytes)\n")
    if devices.harts > 1 {
        kputs("boot: "); kputDecimal(UInt64(devices.harts - 1))
        kputs(devices.harts == 2 ? " other hart stays" : " other harts stay")
        kputs(" parked in the firmware (never started through SBI HSM)\n")
    }
    if devices.uart == nil { kputs("boot: no enabled 16550 UART in the device tree; console at the fallback address\n") }
    if devices.testDevice == nil { kputs("boot: no sifive,test device: the exit cannot carry a status\n") }
    if !devices.bootHartFound {
        kputs("boot: the device tree lists no cpu node for this hart\n")
    } else if !devices.bootHartHasSv39 {
        kputs("boot: this hart's mmu-type has no Sv39, which this kernel's page tables need\n")
        kernelFail()
    }
    if let plic = devices.plic {
        kputs("boot: PLIC at "); kputHex(plic.start)
        if let c = devices.plicContext {
            plicBase = UInt(plic.start); plicContext = UInt(c)
            kputs(", the boot hart's S-mode context "); kputDecimal(UInt64(c)); kputs("\n")
        } else {
            kputs(": no context for this hart's S-mode in its interrupts-extended; no device interrupts\n")
        }
    }
    uartInterrupt = devices.uartInterrupt ?? 0

    // OpenSBI keeps its own code and data at the start of RAM and lists it in
    // /reserved-memory, which readDeviceTreeMemory reserves: handing those
    // frames out would fault (PMP).
    var boot = BootInfo()
    guard readDeviceTreeMemory(tree, at: deviceTree, into: &boot) else { kernelFail() }
    boot.map.reserve(start: imageStart(), end: imageEnd(), kind: .kernelImage)
    boot.map.reserve(start: imageStart(), end: codeEnd(), kind: .kernelCode)
    boot.map.reserve(start: exceptionStackGuard(), end: exceptionStackGuard() + 0x1000, kind: .guardPage)
    boot.map.reserve(start: bootStackGuard(), end: bootStackGuard() + 0x1000, kind: .guardPage)
    if let uart = devices.uart {
        boot.addDevice(start: uart.start, bytes: uart.bytes, console: true)
    } else {
        boot.addDevice(start: UInt64(RISCV64.fallbackConsole), bytes: 0x1000)
    }
    if let test = devices.testDevice { boot.addDevice(start: test.start, bytes: test.bytes) }
    if plicBase != 0, let plic = devices.plic { boot.addDevice(start: plic.start, bytes: plic.bytes) }
    kernelMain(RISCV64(), &boot)
}
