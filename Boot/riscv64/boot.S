/* riscv64 entry for QEMU virt under OpenSBI (-bios default): OpenSBI enters
 * the kernel in S-mode at its link address with the boot hart's id in a0 and
 * the device tree's address in a1, the MMU off (satp Bare) and interrupts
 * off. Only the boot hart comes here: the others stay stopped in OpenSBI
 * (they would start only through SBI HSM, which this kernel never calls), so
 * nothing assumes the boot hart is hart 0. Turns FP on (the kernel is built
 * for the D extension; a CPU without F and D is reported and stopped), zeroes the BSS, installs the trap vector and the
 * boot flow's context area (sscratch, vectors.S), and calls riscv64_entry.
 * Swift runs with the MMU off until the kernel activates its own tables;
 * RISC-V has no alignment rule that the MMU changes. */

        .section .text.boot, "ax"
        .globl _start
_start:
        csrw sie, zero
        csrci sstatus, 2                /* SIE off */
        mv s2, a0                       /* hart id */
        mv s1, a1                       /* device tree */
        la sp, boot_stack_top
        /* Without F and D the first FP instruction traps (illegal instruction,
         * redirected here by the firmware): say what is missing and stop,
         * rather than trap for ever through an stvec not yet set. */
        la t0, no_fp
        csrw stvec, t0
        li t0, (1 << 13)                /* sstatus.FS = Initial: FP instructions allowed */
        csrs sstatus, t0
        fscsr zero
        fmv.d.x f0, zero                /* D as well as F */
        la t0, __bss_start
        la t1, __bss_end
1:      bgeu t0, t1, 2f
        sd zero, 0(t0)
        addi t0, t0, 8
        j 1b
2:      la t0, riscv64_vectors
        csrw stvec, t0                  /* direct mode: every trap at riscv64_vectors */
        la t0, riscv64_boot_context
        csrw sscratch, t0               /* where the boot flow's traps save (vectors.S) */
        mv a0, s1
        mv a1, s2
        mv s0, zero                     /* the outermost frame, for backtraces */
        mv ra, zero
        call riscv64_entry
park:   wfi
        j park

        /* The kernel is built for RV64GC (lp64d): no F and D, no kernel. The
         * device tree is not read yet, so the report goes through the SBI's
         * legacy console and the machine ends through SBI system reset. */
        .balign 4
no_fp:  la s3, no_fp_message
1:      lbu a0, 0(s3)
        beqz a0, 2f
        li a7, 1                        /* legacy console_putchar */
        ecall
        addi s3, s3, 1
        j 1b
2:      li a7, 0x53525354               /* SRST */
        li a6, 0                        /* system_reset */
        li a0, 0                        /* shutdown */
        li a1, 1                        /* reason: system failure */
        ecall
3:      wfi
        j 3b

        .section .rodata
no_fp_message:
        .asciz "\nboot: this CPU lacks the F and D extensions (floating point); the kernel is built for RV64GC (lp64d) and needs them\nKERNEL FAIL arch=riscv64\n"

        .section .bss
        .balign 4096
        /* Unmapped once the kernel's tables are on (Entry.swift reserves it as a
         * guard page): the boot stack cannot run down into anything. */
        .globl riscv64_boot_stack_guard
riscv64_boot_stack_guard:
        .skip 4096
        .globl boot_stack_bottom
boot_stack_bottom:
        .skip 131072
        .globl boot_stack_top
boot_stack_top:
