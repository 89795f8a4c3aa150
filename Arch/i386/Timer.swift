// The legacy interrupt hardware of a PC: two 8259A PICs, remapped so their
// IRQs do not collide with CPU exceptions, and the 8254 PIT's channel 0 as
// the periodic timer (IRQ 0).

enum LegacyPIC {
    static let masterCommand: UInt16 = 0x20, masterData: UInt16 = 0x21
    static let slaveCommand: UInt16 = 0xA0, slaveData: UInt16 = 0xA1
    static let endOfInterrupt: UInt8 = 0x20
    static let readISR: UInt8 = 0x0B

    /// ICW1-4: IRQ 0-7 at vectors 32-39, 8-15 at 40-47, the slave on IRQ 2;
    /// then every line masked except those in `unmasked` (bit n: IRQ n).
    static func remap(unmasked: UInt16) {
        outb(masterCommand, 0x11); outb(slaveCommand, 0x11)  // ICW1: edge, cascade, ICW4 follows
        outb(masterData, UInt8(Traps.firstIRQ)); outb(slaveData, UInt8(Traps.firstIRQ + 8))
        outb(masterData, 1 << 2); outb(slaveData, 2)  // ICW3: slave on IRQ 2
        outb(masterData, 0x01); outb(slaveData, 0x01)  // ICW4: 8086 mode
        let masked = ~unmasked & ~(unmasked > 0xFF ? UInt16(1 << 2) : 0)
        outb(masterData, UInt8(truncatingIfNeeded: masked)); outb(slaveData, UInt8(truncatingIfNeeded: masked >> 8))
    }

    /// IRQ `irq` arrived: acknowledge it and act. A spurious IRQ 7 or 15 (the
    /// PIC's in-service bit clear) is not acknowledged, as the 8259A requires.
    static func interrupt(_ irq: Int, context: UInt) -> UInt {
        if irq == 7 || irq == 15 {
            let command = irq == 7 ? masterCommand : slaveCommand
            outb(command, readISR)
            if inb(command) & 0x80 == 0 {
                if irq == 15 { outb(masterCommand, endOfInterrupt) }  // the master did see IRQ 2
                return context
            }
        }
        // A device line (DeviceLines.swift) is masked before its end of
        // interrupt: it is not delivered again until its task acknowledges it.
        let device = irq != PIT.irq && irq != cascade
        if device { mask(irq) }
        if irq >= 8 { outb(slaveCommand, endOfInterrupt) }
        outb(masterCommand, endOfInterrupt)
        if irq == PIT.irq { return kernelTrap(.timer, SavedContext(context)).raw }
        return device ? kernelTrap(.device(line: UInt32(irq)), SavedContext(context)).raw : context
    }

    /// The master's input the slave is wired to.
    static let cascade = 2

    /// Set (mask) or clear (unmask) `irq`'s bit in its PIC's interrupt mask
    /// register. A masked line's edges are still latched, and delivered on unmask.
    static func mask(_ irq: Int) { setMask(irq, true) }
    static func unmask(_ irq: Int) {
        setMask(irq, false)
        if irq >= 8 { setMask(cascade, false) }  // the slave reaches the CPU through the master's IRQ 2
    }
    private static func setMask(_ irq: Int, _ on: Bool) {
        let port = irq < 8 ? masterData : slaveData, bit = UInt8(1 << (irq % 8))
        outb(port, on ? inb(port) | bit : inb(port) & ~bit)
    }
}

enum PIT {
    static let irq = 0
    /// The PIT's input clock, in Hz.
    static let inputHz: UInt32 = 1_193_182
    static let channel0: UInt16 = 0x40, mode: UInt16 = 0x43

    /// Channel 0 as a rate generator (mode 2) at about `hz`; returns the rate set.
    static func start(hz: UInt32) -> UInt32? {
        guard hz >= 19, hz <= inputHz / 2 else { return nil }  // the divisor is 16 bits
        let divisor = (inputHz + hz / 2) / hz
        outb(mode, 0x34)  // channel 0, low then high byte, mode 2
        outb(channel0, UInt8(truncatingIfNeeded: divisor)); outb(channel0, UInt8(truncatingIfNeeded: divisor >> 8))
        return (inputHz + divisor / 2) / divisor
    }

    /// The TSC's rate in kHz, measured against channel 2 (gated through port
    /// 0x61, its output read back there) over half a millisecond; 0 if the
    /// channel never runs out (no such timer). The method every PC kernel
    /// uses; half a millisecond keeps it to about half a million instructions.
    static func measureTSCkHz() -> UInt {
        let control: UInt16 = 0x61, channel2: UInt16 = 0x42
        let counts: UInt32 = inputHz / 2000  // 0.5 ms
        outb(control, (inb(control) & ~0x03))  // gate off, speaker off
        outb(mode, 0xB0)  // channel 2, low then high byte, mode 0 (out goes high at the end)
        outb(channel2, UInt8(truncatingIfNeeded: counts)); outb(channel2, UInt8(truncatingIfNeeded: counts >> 8))
        outb(control, inb(control) | 0x01)  // gate on: the count starts
        let start = readTimeStampCounter()
        var polls = 0
        while inb(control) & 0x20 == 0 {
            polls += 1
            if polls > 10_000_000 { outb(control, inb(control) & ~0x01); return 0 }
        }
        let cycles = readTimeStampCounter() &- start
        outb(control, inb(control) & ~0x01)
        return UInt(cycles * UInt64(inputHz) / UInt64(counts) / 1000)
    }
}
