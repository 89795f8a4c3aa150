/* The riscv64 trap entry (stvec, direct mode) and the way back (sret).
 * sscratch holds the context area of whatever runs: the running thread's or
 * task's own area (the kernel's thread table), or riscv64_boot_context for
 * the boot flow, so an entry saves the whole context straight into it and a
 * switch copies nothing, as on aarch64. While the handler runs, sscratch is
 * 0: a trap taken inside the handler finds 0 there, saves on the exception
 * stack instead, and is reported as fatal. riscv64_trap(scause, context,
 * nested) returns the context to resume; riscv64_trap_return resumes it and
 * makes it sscratch again. Context layout (544 bytes):
 *   8*i: x_i (i = 1..31; slot 0 unused)   256: sepc   264: sstatus
 *   272: fcsr   288: f0..f31
 * The handler runs on the exception stack, with the kernel's sstatus.FS on
 * (every context's sstatus has FS set; boot.S set it for the boot flow). */

        .set FRAME, 544
        .set FREGS, 288

        .macro SAVE_GPRS base
        .irp n, 1,2,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        sd x\n, (\n * 8)(\base)
        .endr
        .endm

        .text
        .balign 4
        .globl riscv64_vectors
riscv64_vectors:
        csrrw t0, sscratch, t0          /* t0: the context area; sscratch: the old t0 */
        beqz t0, nested
        SAVE_GPRS t0
        csrr t1, sscratch
        sd t1, 40(t0)                   /* x5, t0 */
        csrw sscratch, zero             /* inside the handler from here */
        mv a1, t0
        li a2, 0
        la sp, riscv64_exception_stack_top
        j trap_common
nested:
        csrrw t0, sscratch, t0          /* t0 back, sscratch 0 again */
        addi sp, sp, -FRAME
        SAVE_GPRS sp
        sd t0, 40(sp)
        addi t1, sp, FRAME
        sd t1, 16(sp)                   /* the sp of the interrupted handler */
        mv a1, sp
        li a2, 1

/* a1: the context, its general registers saved; a2: nested. */
trap_common:
        csrr t1, sepc
        sd t1, 256(a1)
        csrr t1, sstatus
        sd t1, 264(a1)
        frcsr t1
        sd t1, 272(a1)
        addi t1, a1, FREGS
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        fsd f\n, (\n * 8)(t1)
        .endr
        csrr a0, scause
        call riscv64_trap

/* Resume the context at a0; it becomes sscratch, where its next trap saves.
 * The exception stack is empty again afterwards. */
        .globl riscv64_trap_return
riscv64_trap_return:
        addi t1, a0, FREGS
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        fld f\n, (\n * 8)(t1)
        .endr
        ld t1, 272(a0)
        fscsr t1
        ld t1, 256(a0)
        csrw sepc, t1
        ld t1, 264(a0)
        csrw sstatus, t1                /* SPP, SPIE, FS of the context; SIE stays 0 until sret */
        csrw sscratch, a0
        .irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        ld x\n, (\n * 8)(a0)
        .endr
        ld a0, 80(a0)                   /* x10 last */
        sret

/* A new thread's first context returns here, on its fresh stack, in S-mode. */
        .globl riscv64_thread_entry
riscv64_thread_entry:
        mv s0, zero
        mv ra, zero
        call kernel_thread_start
        unimp

        .section .bss
        .balign 16
        .globl riscv64_boot_context
riscv64_boot_context:
        .skip FRAME
/* The exception stack, above an unmapped guard page (Entry.swift reserves it
 * as one): running off its end faults instead of writing over what lies below. */
        .balign 4096
        .globl riscv64_exception_stack_guard
riscv64_exception_stack_guard:
        .skip 4096
        .skip 32768
        .globl riscv64_exception_stack_top
riscv64_exception_stack_top:
