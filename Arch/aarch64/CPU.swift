// The assembly primitives of cpu.S, as Swift sees them.

@_extern(c, "aarch64_read_esr") func readESR() -> UInt64
@_extern(c, "aarch64_read_far") func readFAR() -> UInt64
@_extern(c, "aarch64_read_elr") func readELR() -> UInt64
@_extern(c, "aarch64_current_el") func currentEL() -> UInt64
@_extern(c, "aarch64_set_root") func setRoot(_ root: UInt64)
@_extern(c, "aarch64_invalidate_page") func invalidatePage(_ va: UInt64)
@_extern(c, "aarch64_publish_mappings") func publishMappings()
@_extern(c, "aarch64_mmio_read32") func mmioRead32(_ address: UInt) -> UInt32
@_extern(c, "aarch64_mmio_write32") func mmioWrite32(_ address: UInt, _ value: UInt32)
@_extern(c, "aarch64_psci_hvc") func psciHVC(_ function: UInt64, _ argument: UInt64) -> UInt64
@_extern(c, "aarch64_psci_smc") func psciSMC(_ function: UInt64, _ argument: UInt64) -> UInt64
@_extern(c, "aarch64_semihosting") func semihosting(_ operation: UInt64, _ parameter: UnsafeRawPointer) -> UInt64
@_extern(c, "aarch64_halt_forever") func haltNow()
@_extern(c, "aarch64_image_start") func imageStart() -> UInt64
@_extern(c, "aarch64_image_end") func imageEnd() -> UInt64
@_extern(c, "aarch64_code_end") func codeEnd() -> UInt64
/// The unmapped pages below the exception stack and below the boot stack.
@_extern(c, "aarch64_exception_stack_guard_page") func exceptionStackGuard() -> UInt64
@_extern(c, "aarch64_boot_stack_guard_page") func bootStackGuard() -> UInt64

@_extern(c, "aarch64_interrupts_off") func interruptsOff() -> UInt64
@_extern(c, "aarch64_interrupts_on") func interruptsOn()
@_extern(c, "aarch64_wait_for_interrupt") func waitForInterruptNow()
@_extern(c, "aarch64_scheduler_call") func schedulerCallNow(_ request: UInt64, _ argument: UInt64)
@_extern(c, "aarch64_undefined_instruction") func undefinedInstructionNow()
@_extern(c, "aarch64_thread_entry_address") func threadEntryAddress() -> UInt64
@_extern(c, "aarch64_counter_frequency") func readCounterFrequency() -> UInt64
@_extern(c, "aarch64_virtual_count") func readVirtualCount() -> UInt64
@_extern(c, "aarch64_read_cntv_cval") func readVirtualTimerCompare() -> UInt64
@_extern(c, "aarch64_write_cntv_cval") func writeVirtualTimerCompare(_ value: UInt64)
@_extern(c, "aarch64_write_cntv_ctl") func writeVirtualTimerControl(_ value: UInt64)
@_extern(c, "aarch64_gicv3_cpu_on") func gicv3CPUOn()
@_extern(c, "aarch64_gicv3_acknowledge") func gicv3Acknowledge() -> UInt64
@_extern(c, "aarch64_gicv3_end") func gicv3End(_ iar: UInt64)
