// The assembly primitives of cpu.S, as Swift sees them.

@_extern(c, "riscv64_read_stval") func readSTVAL() -> UInt64
@_extern(c, "riscv64_read_sepc") func readSEPC() -> UInt64
@_extern(c, "riscv64_read_sstatus") func readSSTATUS() -> UInt64
@_extern(c, "riscv64_set_root") func setSATP(_ satp: UInt64)
@_extern(c, "riscv64_invalidate_page") func invalidatePage(_ va: UInt64)
@_extern(c, "riscv64_publish_mappings") func publishMappings()
@_extern(c, "riscv64_mmio_read8") func mmioRead8(_ address: UInt) -> UInt8
@_extern(c, "riscv64_mmio_write8") func mmioWrite8(_ address: UInt, _ value: UInt8)
@_extern(c, "riscv64_mmio_read32") func mmioRead32(_ address: UInt) -> UInt32
@_extern(c, "riscv64_mmio_write32") func mmioWrite32(_ address: UInt, _ value: UInt32)
@_extern(c, "riscv64_sbi_call") func sbiCall(
    _ extensionID: UInt64, _ function: UInt64, _ a0: UInt64, _ a1: UInt64,
    _ value: UnsafeMutablePointer<UInt64>
) -> Int64
@_extern(c, "riscv64_halt_forever") func haltNow()
@_extern(c, "riscv64_image_start") func imageStart() -> UInt64
@_extern(c, "riscv64_image_end") func imageEnd() -> UInt64
@_extern(c, "riscv64_code_end") func codeEnd() -> UInt64
/// The unmapped pages below the exception stack and below the boot stack.
@_extern(c, "riscv64_exception_stack_guard_page") func exceptionStackGuard() -> UInt64
@_extern(c, "riscv64_boot_stack_guard_page") func bootStackGuard() -> UInt64

@_extern(c, "riscv64_interrupts_off") func interruptsOff() -> UInt64
@_extern(c, "riscv64_interrupts_on") func interruptsOn()
@_extern(c, "riscv64_wait_for_interrupt") func waitForInterruptNow()
@_extern(c, "riscv64_scheduler_call") func schedulerCallNow(_ request: UInt64, _ argument: UInt64)
@_extern(c, "riscv64_undefined_instruction") func undefinedInstructionNow()
@_extern(c, "riscv64_thread_entry_address") func threadEntryAddress() -> UInt64
@_extern(c, "riscv64_read_time") func readTime() -> UInt64
@_extern(c, "riscv64_enable_timer_interrupt") func enableTimerInterrupt()
@_extern(c, "riscv64_enable_external_interrupts") func enableExternalInterrupts()

/// The SBI calls the kernel makes (SBI spec v1.0/2.0): extension and function ids.
enum SBI {
    static let base: UInt64 = 0x10, probeExtension: UInt64 = 3
    static let time: UInt64 = 0x5449_4D45, setTimer: UInt64 = 0
    static let systemReset: UInt64 = 0x5352_5354, reset: UInt64 = 0
    static let shutdown: UInt64 = 0, noReason: UInt64 = 0, systemFailure: UInt64 = 1
    /// The legacy (v0.1) set_timer, for firmware without the TIME extension.
    static let legacySetTimer: UInt64 = 0

    static func call(_ e: UInt64, _ f: UInt64, _ a0: UInt64 = 0, _ a1: UInt64 = 0) -> (error: Int64, value: UInt64) {
        var value: UInt64 = 0
        let error = sbiCall(e, f, a0, a1, &value)
        return (error, value)
    }

    static func has(_ e: UInt64) -> Bool {
        let r = call(base, probeExtension, e)
        return r.error == 0 && r.value != 0
    }
}
