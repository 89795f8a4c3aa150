// The aarch64 board: its devices come from the boot device tree, its
// interrupt lines are GIC SPIs (AArch64Devices.line).

extension AArch64: TreeBoard {
    static var bootTree: DeviceTree? { bootDeviceTree }
    static func line(_ s: InterruptSpecifier) -> UInt32? { AArch64Devices.line(s) }
}
