/* aarch64 privileged primitives Swift cannot express: system registers,
 * TLB maintenance, device-memory accesses, PSCI and semihosting calls. */

        .text
        .globl aarch64_read_esr, aarch64_read_far, aarch64_read_elr, aarch64_current_el
        .globl aarch64_set_root, aarch64_invalidate_page, aarch64_publish_mappings, aarch64_mmio_read32, aarch64_mmio_write32
        .globl aarch64_psci_hvc, aarch64_psci_smc, aarch64_semihosting, aarch64_halt_forever
        .globl aarch64_image_start, aarch64_image_end

aarch64_read_esr:   mrs x0, esr_el1; ret
aarch64_read_far:   mrs x0, far_el1; ret
aarch64_read_elr:   mrs x0, elr_el1; ret
aarch64_current_el: mrs x0, CurrentEL; lsr x0, x0, #2; ret

aarch64_set_root:                       /* void (uint64 root): TTBR0_EL1, then drop all old entries */
        dsb ishst
        msr ttbr0_el1, x0
        isb
        tlbi vmalle1
        dsb ish
        isb
        ret
aarch64_invalidate_page:                /* void (uint64 va): publish table writes, drop one VA */
        dsb ishst
        lsr x0, x0, #12
        tlbi vaae1is, x0
        dsb ish
        isb
        ret

aarch64_publish_mappings:               /* void (): new entries visible to the walker */
        dsb ishst
        isb
        ret

aarch64_mmio_read32:  ldr w0, [x0]; ret
aarch64_mmio_write32: str w1, [x0]; ret

aarch64_psci_hvc:                       /* uint64 (uint64 function, uint64 arg1) */
        hvc #0
        ret
aarch64_psci_smc:
        smc #0
        ret
aarch64_semihosting:                    /* uint64 (uint64 op, void *parameter) */
        hlt #0xf000
        ret
aarch64_halt_forever:
        msr daifset, #0xf
1:      wfe
        b 1b

aarch64_image_start: ldr x0, =__kernel_start; ret
aarch64_image_end:   ldr x0, =__kernel_end; ret
        .globl aarch64_code_end
aarch64_code_end:    ldr x0, =__kernel_code_end; ret
        .globl aarch64_exception_stack_guard_page, aarch64_boot_stack_guard_page
aarch64_exception_stack_guard_page: ldr x0, =aarch64_exception_stack_guard; ret
aarch64_boot_stack_guard_page:      ldr x0, =bootstrap_l1; ret

/* Interrupt masking, the thread primitives, and the generic timer's registers. */
        .globl aarch64_interrupts_off, aarch64_interrupts_on, aarch64_wait_for_interrupt
        .globl aarch64_scheduler_call, aarch64_undefined_instruction, aarch64_thread_entry_address
        .globl aarch64_counter_frequency, aarch64_virtual_count
        .globl aarch64_read_cntv_cval, aarch64_write_cntv_cval, aarch64_write_cntv_ctl
aarch64_interrupts_off:                 /* uint64 (void): 1 if IRQs were unmasked */
        mrs x0, daif
        msr daifset, #2
        ubfx x0, x0, #7, #1
        eor x0, x0, #1
        ret
aarch64_interrupts_on:
        msr daifclr, #2
        ret
aarch64_wait_for_interrupt:
        msr daifclr, #2
        wfi
        ret
aarch64_scheduler_call:                 /* void (uint64 request, uint64 argument): svc */
        svc #0
        ret
aarch64_undefined_instruction:
        udf #0
        ret
aarch64_thread_entry_address: ldr x0, =aarch64_thread_entry; ret
aarch64_counter_frequency:    mrs x0, cntfrq_el0; ret
aarch64_virtual_count:        isb; mrs x0, cntvct_el0; ret
aarch64_read_cntv_cval:       mrs x0, cntv_cval_el0; ret
aarch64_write_cntv_cval:      msr cntv_cval_el0, x0; isb; ret
aarch64_write_cntv_ctl:       msr cntv_ctl_el0, x0; isb; ret

/* The GICv3 CPU interface's system registers (Arm IHI 0069, ch. 12). */
        .globl aarch64_gicv3_cpu_on, aarch64_gicv3_acknowledge, aarch64_gicv3_end
aarch64_gicv3_cpu_on:                   /* SRE on, every priority let through, group 1 on */
        mrs x0, icc_sre_el1
        orr x0, x0, #1
        msr icc_sre_el1, x0
        isb
        mov x0, #0xff
        msr icc_pmr_el1, x0
        mov x0, #1
        msr icc_igrpen1_el1, x0
        isb
        ret
aarch64_gicv3_acknowledge:  mrs x0, icc_iar1_el1; ret
aarch64_gicv3_end:          msr icc_eoir1_el1, x0; isb; ret
