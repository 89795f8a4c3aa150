// Device lines for tasks (Sources/IPC/InterruptObjects.swift) on the PC's two
// 8259A PICs: IRQ 1 and 3 to 15. IRQ 0 is the kernel's timer and IRQ 2 the
// slave's cascade; neither is given out. The PICs deliver edges: a line's
// edge while it is masked is latched and delivered once when it is unmasked.

extension I386: DeviceLines {
    static func enableDeviceLine(_ line: UInt32) -> Bool {
        guard line < 16, line != UInt32(PIT.irq), line != UInt32(LegacyPIC.cascade) else { return false }
        LegacyPIC.unmask(Int(line))
        return true
    }

    static func unmaskDeviceLine(_ line: UInt32) { if line < 16 { LegacyPIC.unmask(Int(line)) } }
}
