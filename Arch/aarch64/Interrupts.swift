// The interrupt controller and timer of the aarch64 backend: a GICv2 (Arm
// IHI 0048B) at the addresses the device tree gives, and the EL1 virtual
// timer of the generic timer (Arm ARM D11), at the rate CNTFRQ_EL0 names.

/// Learned from the device tree at boot (zero-initialized: no lazy globals).
var gicDistributor: UInt = 0
var gicCPUInterface: UInt = 0
var gicIsVersion3 = false
var timerInterruptID: UInt32 = 0
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

enum VirtualTimer {
    /// Arm the first deadline `hz` per second from now; returns the rate set.
    static func start(hz: UInt32) -> UInt32? {
        let frequency = readCounterFrequency()
        guard frequency >= UInt64(hz), hz > 0 else { return nil }
        timerInterval = frequency / UInt64(hz)
        writeVirtualTimerCompare(readVirtualCount() &+ timerInterval)
        writeVirtualTimerControl(1)                  // enabled, not masked
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

/// An IRQ arrived: acknowledge it at the GIC, act, signal its end.
func aarch64Interrupt(_ context: UInt) -> UInt {
    let iar = GICv2.acknowledgeInterrupt()
    let id = iar & 0x3FF
    if id == GICv2.spurious { return context }
    if id == timerInterruptID {
        VirtualTimer.rearm()
        GICv2.end(iar)
        return timerInterrupt(context)
    }
    GICv2.end(iar)
    return context
}
