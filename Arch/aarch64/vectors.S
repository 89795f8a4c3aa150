/* The EL1 exception vector table (16 entries of 0x80 bytes, 2 KiB aligned).
 * Threads (and the boot flow) run at EL1 on SP_EL0; every exception arrives
 * on SP_EL1, a separate exception stack, so a thread that overflows its own
 * stack into the guard page can still be reported. An exception from a
 * thread or a task saves the full context (x0-x30, SP_EL0, ELR, SPSR, FPCR,
 * FPSR, q0-q31) straight into the area TPIDR_EL1 names: the running thread's
 * own context area, so a switch copies nothing (the copy was 33 % of an IPC
 * round trip's kernel instructions). aarch64_trap_return sets TPIDR_EL1 to
 * the context it resumes; until the first switch it names a frame reserved at
 * the top of the exception stack (boot.S). An exception taken inside the
 * handler saves on the exception stack. aarch64_trap(entry, context) returns
 * the context to resume. Context layout:
 *   0: x0..x30   248: sp_el0   256: elr   264: spsr   272: fpcr   280: fpsr
 *   288: tpidr_el0   304: q0..q31   (832 bytes in all)
 * TPIDR_EL0 is EL0's own thread register: saved and restored with the rest,
 * so what one task plants there never reaches another (a new context has 0). */

        .set FRAME, 832
        .set QREGS, 304

        /* From a thread or a task: into the area TPIDR_EL1 names; the handler
         * then runs below the frame reserved at the exception stack's top. */
        .macro ENTRY_AREA n
        .align 7
        stp x0, x1, [sp, #-16]!
        mrs x1, tpidr_el1
        stp x2, x3, [x1, #16]
        ldp x2, x3, [sp], #16
        stp x2, x3, [x1, #0]
        adrp x2, aarch64_exception_stack_top
        add x2, x2, :lo12:aarch64_exception_stack_top
        sub sp, x2, #FRAME
        mov x0, #\n
        b trap_common
        .endm

        /* Inside the handler: on the exception stack. */
        .macro ENTRY_STACK n
        .align 7
        sub sp, sp, #FRAME
        stp x0, x1, [sp, #0]
        stp x2, x3, [sp, #16]
        mov x1, sp
        mov x0, #\n
        b trap_common
        .endm

        .text
        .align 11
        .globl aarch64_vectors
aarch64_vectors:
        .irp n, 0,1,2,3
        ENTRY_AREA \n
        .endr
        .irp n, 4,5,6,7
        ENTRY_STACK \n
        .endr
        .irp n, 8,9,10,11,12,13,14,15
        ENTRY_AREA \n
        .endr

/* x0: the entry, x1: the context, x0-x3 already saved in it. */
trap_common:
        stp x4, x5, [x1, #32]
        stp x6, x7, [x1, #48]
        stp x8, x9, [x1, #64]
        stp x10, x11, [x1, #80]
        stp x12, x13, [x1, #96]
        stp x14, x15, [x1, #112]
        stp x16, x17, [x1, #128]
        stp x18, x19, [x1, #144]
        stp x20, x21, [x1, #160]
        stp x22, x23, [x1, #176]
        stp x24, x25, [x1, #192]
        stp x26, x27, [x1, #208]
        stp x28, x29, [x1, #224]
        mrs x2, sp_el0
        stp x30, x2, [x1, #240]
        mrs x2, elr_el1
        mrs x3, spsr_el1
        stp x2, x3, [x1, #256]
        mrs x2, fpcr
        mrs x3, fpsr
        stp x2, x3, [x1, #272]
        mrs x2, tpidr_el0
        str x2, [x1, #288]
        add x2, x1, #QREGS
        stp q0, q1, [x2, #0]
        stp q2, q3, [x2, #32]
        stp q4, q5, [x2, #64]
        stp q6, q7, [x2, #96]
        stp q8, q9, [x2, #128]
        stp q10, q11, [x2, #160]
        stp q12, q13, [x2, #192]
        stp q14, q15, [x2, #224]
        stp q16, q17, [x2, #256]
        stp q18, q19, [x2, #288]
        stp q20, q21, [x2, #320]
        stp q22, q23, [x2, #352]
        stp q24, q25, [x2, #384]
        stp q26, q27, [x2, #416]
        stp q28, q29, [x2, #448]
        stp q30, q31, [x2, #480]
        bl aarch64_trap

/* Resume the context at x0. The exception stack is empty again afterwards. */
        .globl aarch64_trap_return
aarch64_trap_return:
        msr tpidr_el1, x0               /* this context's next exception saves here */
        add x2, x0, #QREGS
        ldp q0, q1, [x2, #0]
        ldp q2, q3, [x2, #32]
        ldp q4, q5, [x2, #64]
        ldp q6, q7, [x2, #96]
        ldp q8, q9, [x2, #128]
        ldp q10, q11, [x2, #160]
        ldp q12, q13, [x2, #192]
        ldp q14, q15, [x2, #224]
        ldp q16, q17, [x2, #256]
        ldp q18, q19, [x2, #288]
        ldp q20, q21, [x2, #320]
        ldp q22, q23, [x2, #352]
        ldp q24, q25, [x2, #384]
        ldp q26, q27, [x2, #416]
        ldp q28, q29, [x2, #448]
        ldp q30, q31, [x2, #480]
        ldp x2, x3, [x0, #272]
        msr fpcr, x2
        msr fpsr, x3
        ldr x2, [x0, #288]
        msr tpidr_el0, x2
        ldp x2, x3, [x0, #256]
        msr elr_el1, x2
        msr spsr_el1, x3
        ldp x30, x2, [x0, #240]
        msr sp_el0, x2
        ldr x2, =aarch64_exception_stack_top
        mov sp, x2
        ldp x2, x3, [x0, #16]
        ldp x4, x5, [x0, #32]
        ldp x6, x7, [x0, #48]
        ldp x8, x9, [x0, #64]
        ldp x10, x11, [x0, #80]
        ldp x12, x13, [x0, #96]
        ldp x14, x15, [x0, #112]
        ldp x16, x17, [x0, #128]
        ldp x18, x19, [x0, #144]
        ldp x20, x21, [x0, #160]
        ldp x22, x23, [x0, #176]
        ldp x24, x25, [x0, #192]
        ldp x26, x27, [x0, #208]
        ldp x28, x29, [x0, #224]
        ldp x0, x1, [x0, #0]
        eret

/* A new thread's first context returns here, on its fresh stack (SP_EL0). */
        .globl aarch64_thread_entry
aarch64_thread_entry:
        mov x29, #0
        mov x30, #0
        bl kernel_thread_start
        brk #0

/* The exception stack, above an unmapped guard page (Entry.swift reserves it
 * as one): running off its end faults instead of writing over the boot stack
 * below it, as a 9 KiB system-call frame once did at 16 KiB. */
        .section .bss
        .balign 4096
        .globl aarch64_exception_stack_guard
aarch64_exception_stack_guard:
        .skip 4096
exception_stack:
        .skip 32768
        .globl aarch64_exception_stack_top
aarch64_exception_stack_top:
