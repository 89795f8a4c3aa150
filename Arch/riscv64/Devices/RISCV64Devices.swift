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
    /// The platform-level interrupt controller (nothing is routed through it yet).
    var plic: MemoryRegion? = nil
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
            d.uartFromStdoutPath = true
        }
        if let cpus = tree.node(atPath: ByteString(staticString: "/cpus")) {
            // The frequency may sit on /cpus or, per hart, on each cpu node.
            d.timebaseHz = UInt64(cpus.cell("timebase-frequency") ?? 0)
        }
        tree.forEachNode { n in
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
            }
            if d.testDevice == nil && (n.isCompatible("sifive,test0") || n.isCompatible("sifive,test1")), let r = n.reg(0) {
                d.testDevice = MemoryRegion(start: r.address, end: r.address + r.size, kind: .reserved)
            }
            if d.plic == nil && (n.isCompatible("riscv,plic0") || n.isCompatible("sifive,plic-1.0.0")), let r = n.reg(0) {
                d.plic = MemoryRegion(start: r.address, end: r.address + r.size, kind: .reserved)
            }
            return true
        }
        return d
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
}
