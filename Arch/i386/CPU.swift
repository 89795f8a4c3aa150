// The assembly primitives of cpu.S and traps.S, as Swift sees them.

@_extern(c, "i386_outb") func outb(_ port: UInt16, _ value: UInt8)
@_extern(c, "i386_inb") func inb(_ port: UInt16) -> UInt8
@_extern(c, "i386_read_cr0") func readCR0() -> UInt32
@_extern(c, "i386_write_cr0") func writeCR0(_ value: UInt32)
@_extern(c, "i386_read_cr4") func readCR4() -> UInt32
@_extern(c, "i386_write_cr4") func writeCR4(_ value: UInt32)
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

@_extern(c, "i386_cpuid") func cpuidRaw(_ leaf: UInt32, _ subleaf: UInt32, _ out: UnsafeMutablePointer<UInt32>)

/// CPUID leaf `leaf` (sub-leaf `subleaf`): (eax, ebx, ecx, edx).
func cpuid(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
    var r: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    withUnsafeMutablePointer(to: &r) { $0.withMemoryRebound(to: UInt32.self, capacity: 4) { cpuidRaw(leaf, subleaf, $0) } }
    return r
}

/// User-mode instruction prevention (SDM vol. 3, 2.5): with CR4.UMIP set,
/// sgdt, sidt, sldt, smsw and str fault in ring 3, so a task cannot learn where
/// the GDT and IDT are. Turned on where CPUID.(7,0):ECX[2] says the CPU has it.
func enableUMIPIfPresent() {
    let umipBit: UInt32 = 1 << 2, cr4UMIP: UInt32 = 1 << 11
    if cpuid(0).eax >= 7 && cpuid(7, 0).ecx & umipBit != 0 {
        writeCR4(readCR4() | cr4UMIP)
        kputs("cpu: UMIP on: sgdt, sidt, sldt, smsw and str fault in ring 3\n")
    } else {
        kputs("cpu: no UMIP on this CPU: ring 3 can read the GDT and IDT bases with sgdt and sidt\n")
    }
}
@_extern(c, "i386_inw") func inw(_ port: UInt16) -> UInt16
@_extern(c, "i386_outw") func outw(_ port: UInt16, _ value: UInt16)
@_extern(c, "i386_inl") func inl(_ port: UInt16) -> UInt32
@_extern(c, "i386_outl") func outl(_ port: UInt16, _ value: UInt32)
