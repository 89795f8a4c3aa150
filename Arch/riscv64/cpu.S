/* riscv64 privileged primitives Swift cannot express: CSRs, address-
 * translation fences, byte and word device accesses, SBI calls (the SBI spec:
 * extension id in a7, function id in a6, error in a0, value in a1). */

        .text
        .globl riscv64_read_stval, riscv64_read_sepc, riscv64_read_sstatus
        .globl riscv64_set_root, riscv64_invalidate_page, riscv64_publish_mappings
        .globl riscv64_mmio_read8, riscv64_mmio_write8, riscv64_mmio_read32, riscv64_mmio_write32
        .globl riscv64_sbi_call, riscv64_halt_forever
riscv64_read_stval:   csrr a0, stval; ret
riscv64_read_sepc:    csrr a0, sepc; ret
riscv64_read_sstatus: csrr a0, sstatus; ret

riscv64_set_root:                       /* void (uint64 satp): switch tables, drop every old translation */
        sfence.vma
        csrw satp, a0
        sfence.vma
        ret
riscv64_invalidate_page:                /* void (uint64 va): order table writes, drop one page's translations */
        sfence.vma a0, zero
        ret
/* void (): entries just went from invalid to valid. A RISC-V hart may cache
 * invalid entries too (privileged spec, SFENCE.VMA), so unlike aarch64 this
 * needs a fence: one for all addresses, once per run of new pages. */
riscv64_publish_mappings:
        sfence.vma
        ret

riscv64_mmio_read8:   fence; lbu a0, 0(a0); fence; ret
riscv64_mmio_write8:  fence; sb a1, 0(a0); fence; ret
riscv64_mmio_read32:  fence; lwu a0, 0(a0); fence; ret
riscv64_mmio_write32: fence; sw a1, 0(a0); fence; ret

/* uint64 (uint64 extension, uint64 function, uint64 arg0, uint64 arg1, uint64 *value):
 * the SBI error; the value into *value. */
riscv64_sbi_call:
        mv t0, a4
        mv a7, a0
        mv a6, a1
        mv a0, a2
        mv a1, a3
        ecall
        sd a1, 0(t0)
        ret

riscv64_halt_forever:
        csrci sstatus, 2
        csrw sie, zero
1:      wfi
        j 1b

        .globl riscv64_image_start, riscv64_image_end, riscv64_code_end
        .globl riscv64_exception_stack_guard_page, riscv64_boot_stack_guard_page
riscv64_image_start: la a0, __kernel_start; ret
riscv64_image_end:   la a0, __kernel_end; ret
riscv64_code_end:    la a0, __kernel_code_end; ret
riscv64_exception_stack_guard_page: la a0, riscv64_exception_stack_guard; ret
riscv64_boot_stack_guard_page:      la a0, riscv64_boot_stack_guard; ret

/* Interrupt masking, the thread primitives, the time CSR and the timer's enable. */
        .globl riscv64_interrupts_off, riscv64_interrupts_on, riscv64_wait_for_interrupt
        .globl riscv64_scheduler_call, riscv64_undefined_instruction, riscv64_thread_entry_address
        .globl riscv64_read_time, riscv64_enable_timer_interrupt, riscv64_enable_external_interrupts
riscv64_interrupts_off:                 /* uint64 (void): 1 if interrupts were on */
        csrrci a0, sstatus, 2
        srli a0, a0, 1
        andi a0, a0, 1
        ret
riscv64_interrupts_on:
        csrsi sstatus, 2
        ret
riscv64_wait_for_interrupt:
        csrsi sstatus, 2
        wfi
        ret
/* void (uint64 request, uint64 argument): a kernel thread's scheduler call. An
 * S-mode ecall would go to the firmware, so it is an ebreak with a marker in
 * a7 (Traps.swift), always the 4-byte encoding so that the return skips 4. */
riscv64_scheduler_call:
        li a7, 0x5C4ED
        .option push
        .option norvc
        ebreak
        .option pop
        ret
riscv64_undefined_instruction:
        unimp
        ret
riscv64_thread_entry_address: la a0, riscv64_thread_entry; ret
riscv64_read_time:    rdtime a0; ret
riscv64_enable_timer_interrupt:         /* sie.STIE */
        li t0, (1 << 5)
        csrs sie, t0
        ret
riscv64_enable_external_interrupts:     /* sie.SEIE */
        li t0, (1 << 9)
        csrs sie, t0
        ret
