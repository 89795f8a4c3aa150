// A 16550 UART's interrupt, as software can raise it (the PC's COM ports and
// QEMU virt's ns16550a; National Semiconductor PC16550D data sheet): the test
// image's storm check does it on i386 and riscv64, each backend with its own
// way to write a register (port I/O, or MMIO with the tree's reg-shift).
enum UARTInterrupt {
    /// Register numbers: interrupt enable, modem control.
    static let interruptEnable = 1, modemControl = 4
    /// IER: interrupt while the transmitter is empty.
    static let transmitterEmpty: UInt8 = 0x02
    /// MCR: DTR and RTS, and OUT2, which gates the interrupt onto a PC's bus.
    static let outputs: UInt8 = 0x03, out2: UInt8 = 0x08

    /// The interrupt off, then on while the transmitter is empty: an edge, and a
    /// line that stays asserted until the interrupt is turned off again.
    static func raise(_ write: (_ register: Int, _ value: UInt8) -> Void) {
        write(modemControl, outputs | out2)
        write(interruptEnable, 0)
        write(interruptEnable, transmitterEmpty)
    }

    /// The interrupt off and OUT2 low again, as the kernel's polled console has them.
    static func quiet(_ write: (_ register: Int, _ value: UInt8) -> Void) {
        write(interruptEnable, 0)
        write(modemControl, outputs)
    }
}
