// A polled 16550 UART (the PC's COM1), 115200 baud, 8 data bits, no parity.

struct Serial16550 {
    let base: UInt16
    static let com1 = Serial16550(base: 0x3F8)

    // Register offsets from the base port.
    static let data: UInt16 = 0, interruptEnable: UInt16 = 1, fifoControl: UInt16 = 2
    static let lineControl: UInt16 = 3, modemControl: UInt16 = 4, lineStatus: UInt16 = 5
    static let transmitEmpty: UInt8 = 1 << 5

    func initialize() {
        outb(base + Serial16550.interruptEnable, 0)
        outb(base + Serial16550.lineControl, 0x80)  // divisor latch on
        outb(base + Serial16550.data, 1)  // divisor 1: 115200 baud
        outb(base + Serial16550.interruptEnable, 0)
        outb(base + Serial16550.lineControl, 0x03)  // 8N1, latch off
        outb(base + Serial16550.fifoControl, 0xC7)  // FIFOs on and cleared
        outb(base + Serial16550.modemControl, 0x03)  // DTR, RTS
    }

    func put(_ byte: UInt8) {
        if byte == 10 { put(13) }
        while inb(base + Serial16550.lineStatus) & Serial16550.transmitEmpty == 0 {}
        outb(base + Serial16550.data, byte)
    }
}
