// A polled PL011 UART (Arm PrimeCell UART, TRM DDI 0183): write the data
// register once the transmit FIFO has room. QEMU needs no set-up.

struct PL011 {
    let base: UInt
    static let dataRegister: UInt = 0x00
    static let flagRegister: UInt = 0x18
    static let transmitFull: UInt32 = 1 << 5

    func put(_ byte: UInt8) {
        if byte == 10 { put(13) }
        while mmioRead32(base + PL011.flagRegister) & PL011.transmitFull != 0 {}
        mmioWrite32(base + PL011.dataRegister, UInt32(byte))
    }
}
