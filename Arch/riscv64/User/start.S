/* The user runtime's riscv64 entry and system-call gate. The kernel starts a
 * task at _start (U-mode) with its two arguments in a1 and a2 and sp set. */
        .text
        .globl _start
_start:
        mv a0, a1
        mv a1, a2
        mv s0, zero
        mv ra, zero
        call user_start
        unimp

/* void user_syscall(uint64 n, a1, a2, a3, a4, a5, uint64 out[5]):
 * ecall with a0-a5; r0-r4 (a0-a4) to out (a6 survives the call).
 * syscall-abi: ecall | a0 | a1 a2 a3 a4 a5 | a0 | a1 a2 a3 a4
 * (instruction | number | arguments | status | results: read by ci/syscall_doc.py) */
        .globl user_syscall
user_syscall:
        ecall
        sd a0, 0(a6)
        sd a1, 8(a6)
        sd a2, 16(a6)
        sd a3, 24(a6)
        sd a4, 32(a6)
        ret

/* A load from an address the caller names: the isolation test's probe. */
        .globl user_load32
user_load32:
        lw a0, 0(a0)
        ret

/* The user-visible thread register the kernel must neither leak nor let leak:
 * tp. uint64 user_thread_registers(void); void user_plant_thread_registers(uint64). */
        .globl user_thread_registers, user_plant_thread_registers
user_thread_registers:
        mv a0, tp
        ret
user_plant_thread_registers:
        mv tp, a0
        ret

/* uint64 user_privileged_probe(void): reads sstatus, which U-mode may not
 * (an illegal-instruction exception). */
        .globl user_privileged_probe
user_privileged_probe:
        csrr a0, sstatus
        ret

/* void user_count_loop(uint64 n): n iterations of a two-instruction loop, the
 * instruction-count calibration of make bench-ipc. */
        .globl user_count_loop
user_count_loop:
1:      addi a0, a0, -1
        bnez a0, 1b
        ret

/* uint user_kernel_image(void): where this arch's kernel image lies (its
 * Boot/<arch>/linker.ld), mapped in every address space for the kernel only:
 * what the intruder tries to read. */
        .globl user_kernel_image
user_kernel_image:
        li a0, 0x80200000
        ret
