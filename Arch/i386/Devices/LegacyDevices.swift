// The i386 board: a PC has no device tree, so the devices a task may be
// given are this fixed table of legacy ISA devices, at the ports and IRQs the
// PC/AT fixed and QEMU's `pc` machine keeps, named by path as a tree would
// name them. "@stdout" is the first serial port, the kernel's console. The
// kernel's own (the PICs at 0x20 and 0xA0, the PIT at 0x40) are not in it, so
// they cannot be named. Pure: the host tests read the table.

struct LegacyDevice {
    let path: StaticString
    /// Registers: I/O ports (count from first), or memory (bytes from base).
    let range: BoardRange
    /// The 8259 IRQ, or nil.
    let irq: UInt32?
}

enum LegacyDevices {
    static let count = 4

    /// Device `i` of the table (a switch, not an array: no heap in a system call).
    static func device(_ i: Int) -> LegacyDevice? {
        switch i {
        case 0: LegacyDevice(path: "/isa/serial@3f8", range: .ports(first: 0x3F8, count: 8), irq: 4)  // COM1, the console
        case 1: LegacyDevice(path: "/isa/serial@2f8", range: .ports(first: 0x2F8, count: 8), irq: 3)  // COM2
        case 2: LegacyDevice(path: "/isa/rtc@70", range: .ports(first: 0x70, count: 2), irq: 8)  // the CMOS clock
        case 3: LegacyDevice(path: "/isa/vga@b8000", range: .registers(base: 0xB8000, bytes: 0x8000), irq: nil)  // colour text
        default: nil
        }
    }

    /// The device at `path` ("@stdout": the console's, COM1).
    static func device(at path: ByteString) -> LegacyDevice? {
        if path.equals("@stdout") { return device(0) }
        for i in 0..<count { if let d = device(i), path.equals(d.path) { return d } }
        return nil
    }

    /// Each device has one range and at most one IRQ: index 0.
    static func range(path: ByteString, index: Int) throws(BoardRefusal) -> BoardRange {
        guard index == 0, let d = device(at: path) else { throw .noDevice }
        return d.range
    }

    static func line(path: ByteString, index: Int) throws(BoardRefusal) -> UInt32 {
        guard index == 0, let d = device(at: path), let irq = d.irq else { throw .noDevice }
        return irq
    }
}
