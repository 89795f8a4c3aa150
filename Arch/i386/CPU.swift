// The assembly primitives of cpu.S and traps.S, as Swift sees them.

@_extern(c, "i386_outb") func outb(_ port: UInt16, _ value: UInt8)
@_extern(c, "i386_inb") func inb(_ port: UInt16) -> UInt8
@_extern(c, "i386_read_cr0") func readCR0() -> UInt32
@_extern(c, "i386_write_cr0") func writeCR0(_ value: UInt32)
@_extern(c, "i386_read_cr2") func readCR2() -> UInt32
@_extern(c, "i386_read_cr3") func readCR3() -> UInt32
@_extern(c, "i386_write_cr3") func writeCR3(_ value: UInt32)
@_extern(c, "i386_invlpg") func invlpg(_ address: UInt32)
@_extern(c, "i386_halt_forever") func haltNow()
@_extern(c, "i386_image_start") func imageStart() -> UInt32
@_extern(c, "i386_image_end") func imageEnd() -> UInt32
@_extern(c, "i386_code_end") func codeEnd() -> UInt32
/// The unmapped page below the boot stack.
@_extern(c, "i386_boot_stack_guard_page") func bootStackGuard() -> UInt32
@_extern(c, "i386_isr_address") func isrAddress(_ vector: UInt32) -> UInt32
@_extern(c, "i386_idt_base") func idtBase() -> UnsafeMutablePointer<UInt32>
@_extern(c, "i386_load_idt") func loadIDT()

@_extern(c, "i386_load_gdt") func loadGDT()
@_extern(c, "i386_load_task_register") func loadTaskRegister(_ selector: UInt16)
@_extern(c, "i386_descriptor_tables") func descriptorTables(_ which: UInt32) -> UnsafeMutableRawPointer
@_extern(c, "i386_interrupts_off") func interruptsOff() -> UInt32
@_extern(c, "i386_interrupts_on") func interruptsOn()
@_extern(c, "i386_wait_for_interrupt") func waitForInterruptNow()
@_extern(c, "i386_scheduler_call") func schedulerCallNow(_ request: UInt32, _ argument: UInt32)
@_extern(c, "i386_undefined_instruction") func undefinedInstructionNow()
@_extern(c, "i386_thread_entry_address") func threadEntryAddress() -> UInt32
@_extern(c, "i386_read_tsc") func readTimeStampCounter() -> UInt64
@_extern(c, "i386_syscall_stub_address") func syscallStubAddress() -> UInt32
