// Device lines for tasks (Sources/IPC/InterruptObjects.swift) on the PLIC
// (RISC-V PLIC specification): its sources 1 up to 1023, through the boot
// hart's S-mode context, which the device tree names (RISCV64Devices). Each
// source has a priority (0 never interrupts), an enable bit per context, and
// the context a threshold; a claim names the source and a completion ends it.
// The trap entry disables a source before it completes it, so a level source
// still asserted is not delivered again until its task acknowledges it.

/// Learned at boot (zero: no usable PLIC).
var plicBase: UInt = 0
var plicContext: UInt = 0
/// The console UART's PLIC source (0: the tree gave none).
var uartInterrupt: UInt32 = 0

enum PLIC {
    static let priority: UInt = 0, enable: UInt = 0x2000, enableStride: UInt = 0x80
    static let threshold: UInt = 0x20_0000, claimComplete: UInt = 0x20_0004, contextStride: UInt = 0x1000
    static let sources: UInt32 = 1024

    static func setEnabled(_ source: UInt32, _ on: Bool) {
        let register = plicBase + enable + plicContext * enableStride + UInt(source / 32) * 4, bit = UInt32(1) << (source % 32)
        mmioWrite32(register, on ? mmioRead32(register) | bit : mmioRead32(register) & ~bit)
    }

    /// The source that interrupts, claimed (nil: none, or no PLIC).
    static func claim() -> UInt32? {
        guard plicBase != 0 else { return nil }
        let source = mmioRead32(plicBase + claimComplete + plicContext * contextStride)
        return source == 0 ? nil : source
    }

    static func complete(_ source: UInt32) { mmioWrite32(plicBase + claimComplete + plicContext * contextStride, source) }

    /// Every priority let through, and external interrupts on in sie.
    static func start() {
        guard plicBase != 0 else { return }
        mmioWrite32(plicBase + threshold + plicContext * contextStride, 0)
        enableExternalInterrupts()
    }
}

extension RISCV64: DeviceLines {
    static func enableDeviceLine(_ line: UInt32) -> Bool {
        guard plicBase != 0, line >= 1, line < PLIC.sources else { return false }
        mmioWrite32(plicBase + PLIC.priority + UInt(line) * 4, 1)
        PLIC.setEnabled(line, true)
        return true
    }

    static func unmaskDeviceLine(_ line: UInt32) { if plicBase != 0 && line >= 1 && line < PLIC.sources { PLIC.setEnabled(line, true) } }
}
