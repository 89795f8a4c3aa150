// The interrupt controller and timer of the aarch64 backend: a GICv2 (Arm
// IHI 0048B) or GICv3 (Arm IHI 0069) at the addresses the device tree gives,
// and the EL1 virtual timer of the generic timer (Arm ARM D11), at the rate
// CNTFRQ_EL0 names.

/// Learned from the device tree at boot (zero-initialized: no lazy globals).
var gicDistributor: UInt = 0
var gicCPUInterface: UInt = 0
var gicIsVersion3 = false
var timerInterruptID: UInt32 = 0
/// Why the device tree gave no virtual-timer interrupt (read at boot only).
var timerProblem: TimerProblem? = nil
var timerInterval: UInt64 = 0

enum GICv2 {
    static let distributorControl: UInt = 0x000, setEnable: UInt = 0x100, priority: UInt = 0x400
    static let cpuControl: UInt = 0x000, priorityMask: UInt = 0x004
    static let acknowledge: UInt = 0x00C, endOfInterrupt: UInt = 0x010
    static let spurious: UInt32 = 1023

    /// Distributor and CPU interface on, every priority let through, `id` enabled.
    static func start(enabling id: UInt32) {
        mmioWrite32(gicDistributor + distributorControl, 1)
        let priorityRegister = gicDistributor + priority + UInt(id & ~3)
        let shift = (id & 3) * 8
        mmioWrite32(priorityRegister, mmioRead32(priorityRegister) & ~(0xFF << shift) | (0x80 << shift))
        mmioWrite32(gicDistributor + setEnable + UInt(id / 32) * 4, 1 << (id % 32))
        mmioWrite32(gicCPUInterface + priorityMask, 0xFF)
        mmioWrite32(gicCPUInterface + cpuControl, 1)
    }

    static func acknowledgeInterrupt() -> UInt32 { mmioRead32(gicCPUInterface + acknowledge) }
    static func end(_ iar: UInt32) { mmioWrite32(gicCPUInterface + endOfInterrupt, iar) }
}

/// GICv3: the distributor routes shared interrupts (none used yet); the timer
/// is a PPI, configured in this CPU's redistributor; the CPU interface is
/// system registers.
enum GICv3 {
    static let distributorControl: UInt = 0x0000
    static let are: UInt32 = 1 << 4, enableGroup1: UInt32 = 1 << 1, enableGroup0: UInt32 = 1 << 0
    static let registerWritePending: UInt32 = 1 << 31
    /// Redistributor frames: RD_base, then SGI_base 64 KiB above it.
    static let waker: UInt = 0x0014, sgiBase: UInt = 0x1_0000
    static let group: UInt = 0x0080, setEnable: UInt = 0x0100, priority: UInt = 0x0400
    static let processorSleep: UInt32 = 1 << 1, childrenAsleep: UInt32 = 1 << 2

    /// The distributor with affinity routing on, this CPU's redistributor
    /// awake, `id` (a PPI) in group 1 and enabled, then the CPU interface on.
    /// The boot CPU's redistributor is the first frame of the region.
    static func start(enabling id: UInt32) -> Bool {
        mmioWrite32(gicDistributor + distributorControl, are | enableGroup1 | enableGroup0)
        guard waitUntil({ mmioRead32(gicDistributor + distributorControl) & registerWritePending == 0 }) else { return false }
        let rd = gicCPUInterface  // the redistributor region, for v3
        mmioWrite32(rd + waker, mmioRead32(rd + waker) & ~processorSleep)
        guard waitUntil({ mmioRead32(rd + waker) & childrenAsleep == 0 }) else { return false }
        let sgi = rd + sgiBase
        mmioWrite32(sgi + group, mmioRead32(sgi + group) | (1 << id))
        let priorityRegister = sgi + priority + UInt(id & ~3), shift = (id & 3) * 8
        mmioWrite32(priorityRegister, mmioRead32(priorityRegister) & ~(0xFF << shift) | (0x80 << shift))
        mmioWrite32(sgi + setEnable, 1 << id)
        gicv3CPUOn()
        return true
    }

    private static func waitUntil(_ done: () -> Bool) -> Bool {
        for _ in 0..<1_000_000 where done() { return true }
        return false
    }
}

enum VirtualTimer {
    /// Arm the first deadline `hz` per second from now; returns the rate set.
    static func start(hz: UInt32) -> UInt32? {
        let frequency = readCounterFrequency()
        guard frequency >= UInt64(hz), hz > 0 else { return nil }
        timerInterval = frequency / UInt64(hz)
        writeVirtualTimerCompare(readVirtualCount() &+ timerInterval)
        writeVirtualTimerControl(1)  // enabled, not masked
        return UInt32(frequency / timerInterval)
    }

    /// The next deadline one interval after the last; if ticks were missed,
    /// one interval from now (the tick count then runs slow, never in bursts).
    static func rearm() {
        let now = readVirtualCount()
        var next = readVirtualTimerCompare() &+ timerInterval
        if next <= now { next = now &+ timerInterval }
        writeVirtualTimerCompare(next)
    }
}

/// An IRQ arrived: acknowledge it at the GIC, act, signal its end. A device
/// line (an SPI) is masked before its end, so that a line still asserted does
/// not fire again until its task acknowledges it (DeviceLines.swift).
func aarch64Interrupt(_ context: UInt) -> UInt {
    let iar = gicIsVersion3 ? UInt32(truncatingIfNeeded: gicv3Acknowledge()) : GICv2.acknowledgeInterrupt()
    let id = iar & (gicIsVersion3 ? 0xFF_FFFF : 0x3FF)
    if id >= GICv2.spurious && id <= 1023 { return context }  // 1020-1023: special, nothing to end
    if id == timerInterruptID { VirtualTimer.rearm() }
    let device = id != timerInterruptID && id >= 32
    if device { AArch64.maskDeviceLine(id) }
    if gicIsVersion3 { gicv3End(UInt64(iar)) } else { GICv2.end(iar) }
    if id == timerInterruptID { return kernelTrap(.timer, SavedContext(context)).raw }
    return device ? kernelTrap(.device(line: id), SavedContext(context)).raw : context
}
