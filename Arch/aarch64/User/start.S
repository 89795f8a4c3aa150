/* The user runtime's aarch64 entry and system-call gate. The kernel starts a
 * task at _start (EL0) with its two arguments in x1 and x2 and SP_EL0 set. */
        .text
        .globl _start
_start:
        mov x0, x1
        mov x1, x2
        mov x29, #0
        mov x30, #0
        bl user_start
        brk #0

/* void user_syscall(uint64 n, a1, a2, a3, a4, a5, uint64 out[5]):
 * svc #0 with x0-x5; r0-r4 (x0-x4) to out (x6 survives the call).
 * syscall-abi: svc #0 | x0 | x1 x2 x3 x4 x5 | x0 | x1 x2 x3 x4
 * (instruction | number | arguments | status | results: read by ci/syscall_doc.py) */
        .globl user_syscall
user_syscall:
        svc #0
        stp x0, x1, [x6]
        stp x2, x3, [x6, #16]
        str x4, [x6, #32]
        ret

/* A load from an address the caller names: the isolation test's probe. */
        .globl user_load32
user_load32:
        ldr w0, [x0]
        ret

/* The user-visible thread register the kernel must neither leak nor let leak:
 * TPIDR_EL0. uint64 user_thread_registers(void); void user_plant_thread_registers(uint64). */
        .globl user_thread_registers, user_plant_thread_registers
user_thread_registers:
        mrs x0, tpidr_el0
        ret
user_plant_thread_registers:
        msr tpidr_el0, x0
        ret

/* uint64 user_privileged_probe(void): reads CTR_EL0, which traps to EL1 (EC
 * 0x18) while SCTLR_EL1.UCT is clear, as this kernel leaves it. */
        .globl user_privileged_probe
user_privileged_probe:
        mrs x0, ctr_el0
        ret

/* void user_count_loop(uint64 n): n iterations of a two-instruction loop, the
 * instruction-count calibration of make bench-ipc. */
        .globl user_count_loop
user_count_loop:
1:      subs x0, x0, #1
        b.ne 1b
        ret

/* uint user_kernel_image(void): where this arch's kernel image lies (its
 * Boot/<arch>/linker.ld), mapped in every address space for the kernel only:
 * what the intruder tries to read. */
        .globl user_kernel_image
user_kernel_image:
        ldr x0, =0x40080000
        ret
