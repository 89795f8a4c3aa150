/* The user runtime's i386 entry and system-call gate. The kernel starts a
 * task at _start with its two arguments in ebx and ecx and a 16-aligned stack. */
        .text
        .globl _start
_start:
        sub $8, %esp
        push %ecx
        push %ebx
        call user_start
        ud2

/* void user_syscall(uint32 n, a1, a2, a3, a4, a5, uint32 out[5]):
 * int 0x80 with eax=n, ebx..edi = a1..a5; r0-r4 (eax ebx ecx edx esi) to out.
 * syscall-abi: int $0x80 | eax | ebx ecx edx esi edi | eax | ebx ecx edx esi
 * (instruction | number | arguments | status | results: read by ci/syscall_doc.py) */
        .globl user_syscall
user_syscall:
        push %ebx
        push %esi
        push %edi
        push %ebp
        mov 20(%esp), %eax
        mov 24(%esp), %ebx
        mov 28(%esp), %ecx
        mov 32(%esp), %edx
        mov 36(%esp), %esi
        mov 40(%esp), %edi
        int $0x80
        mov 44(%esp), %ebp
        mov %eax, 0(%ebp)
        mov %ebx, 4(%ebp)
        mov %ecx, 8(%ebp)
        mov %edx, 12(%ebp)
        mov %esi, 16(%ebp)
        pop %ebp
        pop %edi
        pop %esi
        pop %ebx
        ret

/* A load from an address the caller names: the isolation test's probe. */
        .globl user_load32
user_load32:
        mov 4(%esp), %eax
        mov (%eax), %eax
        ret

/* The user-visible registers the kernel must neither leak nor let leak: FS and
 * GS here. uint32 user_thread_registers(void): fs << 16 | gs.
 * void user_plant_thread_registers(uint32 selector): load it into FS and GS. */
        .globl user_thread_registers, user_plant_thread_registers
user_thread_registers:
        xor %eax, %eax
        mov %fs, %ax
        shl $16, %eax
        mov %gs, %ax
        ret
user_plant_thread_registers:
        mov 4(%esp), %eax
        mov %ax, %fs
        mov %ax, %gs
        ret

/* uint32 user_privileged_probe(void): sgdt, which reads the GDT's base; with
 * CR4.UMIP set it faults in ring 3. */
        .globl user_privileged_probe
user_privileged_probe:
        sub $8, %esp
        sgdt (%esp)
        mov 2(%esp), %eax
        add $8, %esp
        ret

/* void user_count_loop(uint32 n): n iterations of a two-instruction loop, the
 * instruction-count calibration of make bench-ipc. */
        .globl user_count_loop
user_count_loop:
        mov 4(%esp), %ecx
1:      dec %ecx
        jnz 1b
        ret

/* uint user_kernel_image(void): where this arch's kernel image lies (its
 * Boot/<arch>/linker.ld), mapped in every address space for the kernel only:
 * what the intruder tries to read. */
        .globl user_kernel_image
user_kernel_image:
        movl $0x00100000, %eax
        ret
