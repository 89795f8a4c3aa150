// A polled 16550 UART (QEMU virt's ns16550a): write the transmit holding
// register once the line status says it is empty. QEMU needs no set-up.

struct UART16550 {
    let base: UInt
    /// Registers are 1 << shift bytes apart (the device tree's reg-shift).
    let shift: UInt
    static let transmitHolding: UInt = 0, lineStatus: UInt = 5
    static let transmitEmpty: UInt8 = 1 << 5

    func put(_ byte: UInt8) {
        if byte == 10 { put(13) }
        while mmioRead8(base + (UART16550.lineStatus << shift)) & UART16550.transmitEmpty == 0 {}
        mmioWrite8(base + (UART16550.transmitHolding << shift), byte)
    }
}
