// What the aarch64 kernel drives, found in the device tree by the generic
// walker (Sources/Boot/DeviceTree.swift): the PL011 console, the GIC, the
// architected timer's virtual-timer interrupt, and the PSCI conduit. Pure
// code, also in the host build, so that every matcher is tested on synthetic,
// damaged and real trees.

enum PSCIConduit: Equatable { case hvc, smc }

/// Why the virtual timer's interrupt could not be taken from the tree.
enum TimerProblem: Error, Equatable {
    case noTimerNode
    /// Fewer than three entries: no virtual timer (the third) listed.
    case noVirtualTimerEntry
    /// The timer's interrupt parent is missing or not a GIC this kernel drives.
    case parentNotGIC
    /// The entry is not a PPI (type 1) with a number below 16.
    case notPPI(type: UInt32, number: UInt32)
}

struct AArch64Devices {
    var uart: MemoryRegion? = nil
    /// True when the UART came from /chosen/stdout-path.
    var uartFromStdoutPath = false
    var psci: PSCIConduit? = nil
    /// GIC distributor and CPU interface (v2) or redistributor (v3) registers.
    var gicDistributor: MemoryRegion? = nil
    var gicSecond: MemoryRegion? = nil
    var gicVersion3 = false
    /// The GIC interrupt ID of the EL1 virtual timer (a PPI: 16 + its number),
    /// or why there is none: kept as a value, for the boot to report.
    var virtualTimer: Result<UInt32, TimerProblem> = .failure(.noTimerNode)

    static func find(in tree: DeviceTree) -> AArch64Devices {
        var d = AArch64Devices()
        // The console: the one /chosen/stdout-path names, else the first enabled PL011.
        if let n = tree.stdoutNode, n.isEnabled, n.isCompatible("arm,pl011"), let r = n.reg(0) {
            d.uart = MemoryRegion(start: r.address, end: r.address + r.size, kind: .reserved)
            d.uartFromStdoutPath = true
        }
        var timerNode: DTNode? = nil
        tree.forEachNode { n in
            if !n.isEnabled { return true }
            if d.uart == nil && n.isCompatible("arm,pl011"), let r = n.reg(0) {
                d.uart = MemoryRegion(start: r.address, end: r.address + r.size, kind: .reserved)
            }
            if d.psci == nil && (n.isCompatible("arm,psci") || n.isCompatible("arm,psci-0.2") || n.isCompatible("arm,psci-1.0")),
                let m = n.property("method")?.droppingTrailingNUL
            {
                d.psci = m.equals("hvc") ? .hvc : m.equals("smc") ? .smc : nil
            }
            if d.gicDistributor == nil && isGIC(n), let a = n.reg(0), let b = n.reg(1) {
                d.gicDistributor = MemoryRegion(start: a.address, end: a.address + a.size, kind: .reserved)
                d.gicSecond = MemoryRegion(start: b.address, end: b.address + b.size, kind: .reserved)
                d.gicVersion3 = n.isCompatible("arm,gic-v3")
            }
            if timerNode == nil && (n.isCompatible("arm,armv8-timer") || n.isCompatible("arm,armv7-timer")) { timerNode = n }
            return true
        }
        if let t = timerNode { d.virtualTimer = Result { () throws(TimerProblem) in try virtualTimerInterrupt(t, tree) } }
        return d
    }

    /// A GICv2 or GICv3 (no array of names: this runs before the heap exists).
    static func isGIC(_ n: DTNode) -> Bool {
        n.isCompatible("arm,gic-v3") || n.isCompatible("arm,cortex-a15-gic") || n.isCompatible("arm,gic-400")
            || n.isCompatible("arm,cortex-a7-gic") || n.isCompatible("arm,cortex-a9-gic")
    }

    /// The virtual timer is the third of the timer's interrupts (secure, non-secure,
    /// virtual, hypervisor). Its specifier is in the interrupt parent's cells:
    /// through `interrupts-extended` (a phandle before each specifier) or
    /// `interrupts` with `interrupt-parent` (found up the ancestors). GIC
    /// specifiers are (type, number, flags) or, with PPI partitions, four cells.
    static func virtualTimerInterrupt(_ timer: DTNode, _ tree: DeviceTree) throws(TimerProblem) -> UInt32 {
        let entry = 2
        if let extended = timer.property("interrupts-extended") {
            var at = 0, index = 0
            while at + 4 <= extended.count {
                // At most 8 cells (a GIC has 3 or 4): a larger count is no controller's, and
                // Int(cells) * 4 stays far from overflow where Int is 32 bits.
                guard let parent = tree.node(phandle: extended.bigEndian32(at)), let cells = parent.cell("#interrupt-cells"),
                    cells > 0, cells <= 8, at + 4 + Int(cells) * 4 <= extended.count
                else { throw .parentNotGIC }
                if index == entry {
                    guard isGIC(parent) && cells >= 3 else { throw .parentNotGIC }
                    return try ppi(extended, at + 4)
                }
                at += 4 + Int(cells) * 4
                index += 1
            }
            throw .noVirtualTimerEntry
        }
        guard let interrupts = timer.property("interrupts") else { throw .noVirtualTimerEntry }
        guard let parent = tree.interruptParent(of: timer), let cells = parent.cell("#interrupt-cells"), cells > 0, cells <= 8 else {
            throw .parentNotGIC
        }
        let size = Int(cells) * 4
        if interrupts.count < (entry + 1) * size { throw .noVirtualTimerEntry }
        if !isGIC(parent) || cells < 3 { throw .parentNotGIC }
        return try ppi(interrupts, entry * size)
    }

    private static func ppi(_ v: ByteString, _ at: Int) throws(TimerProblem) -> UInt32 {
        let type = v.bigEndian32(at), number = v.bigEndian32(at + 4)
        guard type == 1 && number < 16 else { throw .notPPI(type: type, number: number) }
        return 16 + number
    }

    /// The GIC INTID a task's interrupt specifier names: an SPI (type 0) is
    /// 32 + its number (GICv2 and v3 take 988 of them). PPIs and SGIs are each
    /// CPU's own (the timer's among them): never a task's.
    static func line(_ s: InterruptSpecifier) -> UInt32? {
        guard isGIC(s.controller), s.count >= 3, s.cells[0] == 0, s.cells[1] < 988 else { return nil }
        return 32 + s.cells[1]
    }
}
