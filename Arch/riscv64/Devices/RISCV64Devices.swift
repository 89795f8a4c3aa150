// What the riscv64 kernel drives, found in the device tree by the generic
// walker (Sources/Boot/DeviceTree.swift): the 16550 console, virt's test
// device (the exit with a status), the PLIC, the timebase frequency and the
// harts. Pure code, also in the host build, so that every matcher is tested
// on synthetic, damaged and real trees.

struct RISCV64Devices {
    /// A 16550-compatible UART and the shift between its byte registers.
    var uart: MemoryRegion? = nil
    var uartRegisterShift: UInt32 = 0
    /// True when the UART came from /chosen/stdout-path.
    var uartFromStdoutPath = false
    /// QEMU virt's "sifive,test" device: a write ends the machine with a status.
    var testDevice: MemoryRegion? = nil
    /// The platform-level interrupt controller, and the context (an index into its
    /// `interrupts-extended`) that interrupts the boot hart in S-mode (nil: none found).
    var plic: MemoryRegion? = nil
    var plicContext: Int? = nil
    /// The console UART's PLIC source (its `interrupts`; nil: none given).
    var uartInterrupt: UInt32? = nil
    /// /cpus/timebase-frequency: the rate of the `time` CSR and of SBI set_timer, in Hz.
    var timebaseHz: UInt64 = 0
    /// Enabled harts, and whether the boot hart is among them with an MMU that has Sv39.
    var harts = 0
    var bootHartFound = false
    var bootHartHasSv39 = false

    static func find(in tree: DeviceTree, bootHart: UInt64) -> RISCV64Devices {
        var d = RISCV64Devices()
        if let n = tree.stdoutNode, n.isEnabled, isUART(n), let r = n.reg(0) {
            d.uart = MemoryRegion(start: r.address, end: r.address + r.size, kind: .reserved)
            d.uartRegisterShift = n.cell("reg-shift") ?? 0
            d.uartInterrupt = n.cell("interrupts")
            d.uartFromStdoutPath = true
        }
        if let cpus = tree.node(atPath: ByteString(staticString: "/cpus")) {
            // The frequency may sit on /cpus or, per hart, on each cpu node.
            d.timebaseHz = UInt64(cpus.cell("timebase-frequency") ?? 0)
        }
        var bootHartController: UInt32? = nil, plicNode: DTNode? = nil
        tree.forEachNode { n in
            // The boot hart's own interrupt controller: the child of its cpu node.
            if n.isCompatible("riscv,cpu-intc"), let cpu = n.parent, let r = cpu.property("reg"), r.count == 4 || r.count == 8,
                r.cells(0, r.count / 4) == bootHart
            {
                bootHartController = n.phandle
            }
            if n.property("device_type")?.droppingTrailingNUL.equals(ByteString(staticString: "cpu")) == true {
                if n.isEnabled { d.harts += 1 }
                if d.timebaseHz == 0, let f = n.cell("timebase-frequency") { d.timebaseHz = UInt64(f) }
                if let r = n.property("reg"), r.count == 4 || r.count == 8, r.cells(0, r.count / 4) == bootHart {
                    d.bootHartFound = true
                    d.bootHartHasSv39 = hasSv39(n)
                }
                return true
            }
            if !n.isEnabled { return true }
            if d.uart == nil && isUART(n), let r = n.reg(0) {
                d.uart = MemoryRegion(start: r.address, end: r.address + r.size, kind: .reserved)
                d.uartRegisterShift = n.cell("reg-shift") ?? 0
                d.uartInterrupt = n.cell("interrupts")
            }
            if d.testDevice == nil && (n.isCompatible("sifive,test0") || n.isCompatible("sifive,test1")), let r = n.reg(0) {
                d.testDevice = MemoryRegion(start: r.address, end: r.address + r.size, kind: .reserved)
            }
            if d.plic == nil && isPLIC(n), let r = n.reg(0) {
                d.plic = MemoryRegion(start: r.address, end: r.address + r.size, kind: .reserved)
                plicNode = n
            }
            return true
        }
        if let p = plicNode, let h = bootHartController { d.plicContext = supervisorContext(p, hartController: h) }
        return d
    }

    /// The PLIC's contexts are its `interrupts-extended` entries in order, each a
    /// (hart controller phandle, interrupt) pair: the one for `hartController`
    /// with interrupt 9, the supervisor external interrupt, is the boot hart's S-mode context.
    static func supervisorContext(_ plic: DTNode, hartController: UInt32) -> Int? {
        guard let list = plic.property("interrupts-extended") else { return nil }
        var context = 0, at = 0
        while at + 8 <= list.count {
            if list.bigEndian32(at) == hartController && list.bigEndian32(at + 4) == 9 { return context }
            context += 1
            at += 8
        }
        return nil
    }

    static func isUART(_ n: DTNode) -> Bool {
        n.isCompatible("ns16550a") || n.isCompatible("ns16550") || n.isCompatible("ns16450")
    }

    /// `mmu-type` names the largest scheme; Sv48 and Sv57 harts implement Sv39 too.
    /// A hart that names none is taken at its word only if it says nothing (QEMU
    /// always names one).
    static func hasSv39(_ cpu: DTNode) -> Bool {
        guard let t = cpu.property("mmu-type")?.droppingTrailingNUL else { return true }
        return t.equals(ByteString(staticString: "riscv,sv39")) || t.equals(ByteString(staticString: "riscv,sv48"))
            || t.equals(ByteString(staticString: "riscv,sv57"))
    }

    static func isPLIC(_ n: DTNode) -> Bool { n.isCompatible("riscv,plic0") || n.isCompatible("sifive,plic-1.0.0") }

    /// The PLIC source a task's interrupt specifier names: its one cell, 1 up to 1023 (0 is no source).
    static func line(_ s: InterruptSpecifier) -> UInt32? {
        guard isPLIC(s.controller), s.count >= 1, s.cells[0] >= 1, s.cells[0] < 1024 else { return nil }
        return s.cells[0]
    }
}
