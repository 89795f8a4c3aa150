// The GIC's shared peripheral interrupts (SPIs, INTID 32 and up) given to
// tasks (Sources/IPC/InterruptObjects.swift). GICv2 (Arm IHI 0048B) routes an
// SPI to CPUs with a byte of GICD_ITARGETSR; GICv3 (Arm IHI 0069), with
// affinity routing on, with GICD_IROUTER and puts it in group 1. Both enable,
// disable and pend it with the same distributor bit arrays. SGIs and PPIs are
// per CPU and are never given out; neither is the kernel's timer.

enum GICDistributor {
    static let typer: UInt = 0x004, group: UInt = 0x080, setEnable: UInt = 0x100, clearEnable: UInt = 0x180
    static let setPending: UInt = 0x200, clearPending: UInt = 0x280, priority: UInt = 0x400, targets: UInt = 0x800
    static let router: UInt = 0x6000

    /// Lines the distributor has: 32 * (ITLinesNumber + 1), at most 1020.
    static var lines: UInt32 { min(32 * ((mmioRead32(gicDistributor + typer) & 0x1F) + 1), 1020) }

    static func bit(_ array: UInt, _ line: UInt32) { mmioWrite32(gicDistributor + array + UInt(line / 32) * 4, 1 << (line % 32)) }

    /// Replace `line`'s byte in a byte-per-line register array.
    static func setByte(_ array: UInt, _ line: UInt32, _ value: UInt32) {
        let register = gicDistributor + array + UInt(line & ~3), shift = (line & 3) * 8
        mmioWrite32(register, mmioRead32(register) & ~(0xFF << shift) | (value << shift))
    }
}

extension AArch64: DeviceLines {
    static func enableDeviceLine(_ line: UInt32) -> Bool {
        guard gicDistributor != 0, line >= 32, line < GICDistributor.lines, line != timerInterruptID else { return false }
        GICDistributor.setByte(GICDistributor.priority, line, 0x80)
        if gicIsVersion3 {
            let group = gicDistributor + GICDistributor.group + UInt(line / 32) * 4
            mmioWrite32(group, mmioRead32(group) | (1 << (line % 32)))
            // Routed to affinity 0.0.0.0 (the boot CPU), not to any CPU (bit 31 clear).
            let router = gicDistributor + GICDistributor.router + UInt(line) * 8
            mmioWrite32(router, 0); mmioWrite32(router + 4, 0)
        } else {
            GICDistributor.setByte(GICDistributor.targets, line, 0x01)  // CPU interface 0
        }
        unmaskDeviceLine(line)
        return true
    }

    static func unmaskDeviceLine(_ line: UInt32) { GICDistributor.bit(GICDistributor.setEnable, line) }
    static func maskDeviceLine(_ line: UInt32) { GICDistributor.bit(GICDistributor.clearEnable, line) }
}
