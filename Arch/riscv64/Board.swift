// The riscv64 board: its devices come from the boot device tree, its
// interrupt lines are PLIC sources (RISCV64Devices.line).

extension RISCV64: TreeBoard {
    static var bootTree: DeviceTree? { bootDeviceTree }
    static func line(_ s: InterruptSpecifier) -> UInt32? { RISCV64Devices.line(s) }
}
