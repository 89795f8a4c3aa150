/* i386 entry: a Multiboot (v1) header, then the first instructions the boot
 * loader runs. Sets up a stack, a flat GDT, a zeroed BSS and SSE (the Embedded
 * Swift stdlib uses SSE), then calls i386_entry(magic, info) in Swift. */

        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0x00000003          /* page-align modules, want memory info */

        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .section .bss
        /* An unmapped page below the boot stack (Entry.swift reserves it as a
         * guard page): running off the stack faults instead of corrupting. */
        .balign 4096
        .globl boot_stack_guard
boot_stack_guard:
        .skip 4096
        .globl boot_stack_bottom
boot_stack_bottom:
        .skip 131072
        .globl boot_stack_top
boot_stack_top:

        .section .rodata
        .align 8
gdt:
        .quad 0                            /* null */
        .quad 0x00CF9A000000FFFF           /* 0x08: code, flat 4 GiB, ring 0 */
        .quad 0x00CF92000000FFFF           /* 0x10: data, flat 4 GiB, ring 0 */
gdt_end:
gdt_pointer:
        .word gdt_end - gdt - 1
        .long gdt

        .section .text
        .globl _start
_start:
        cli
        mov $boot_stack_top, %esp
        mov %eax, %esi                     /* Multiboot magic */
        mov %ebx, %edi                     /* Multiboot info (physical) */

        lgdt gdt_pointer
        ljmp $0x08, $1f
1:      mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov %ax, %fs
        mov %ax, %gs

        /* Zero the BSS (the stack lives there too, but is not in use yet beyond this frame). */
        mov $__bss_start, %edi
        mov $__bss_end, %ecx
        sub %edi, %ecx
        xor %eax, %eax
        cld
        rep stosb
        mov %ebx, %edi

        /* The prebuilt Swift runtime uses SSE2 (and fxsave saves its state), so
         * ask the CPU before turning SSE on: CPUID must exist (EFLAGS.ID, bit 21,
         * can be toggled), and CPUID.1:EDX must report FXSR (24), SSE (25) and
         * SSE2 (26). A CPU without them would otherwise triple-fault in silence. */
        pushfl
        pop %eax
        mov %eax, %ecx
        xor $(1 << 21), %eax
        push %eax
        popfl
        pushfl
        pop %eax
        push %ecx
        popfl
        xor %ecx, %eax
        test $(1 << 21), %eax
        jz no_cpuid
        push %ebx
        mov $1, %eax
        cpuid
        pop %ebx
        and $((1 << 24) | (1 << 25) | (1 << 26)), %edx
        cmp $((1 << 24) | (1 << 25) | (1 << 26)), %edx
        jne no_sse

        /* SSE: CR0.EM off, CR0.MP on; CR4.OSFXSR and CR4.OSXMMEXCPT on. */
        mov %cr0, %eax
        and $~(1 << 2), %eax
        or $(1 << 1), %eax
        mov %eax, %cr0
        mov %cr4, %eax
        or $((1 << 9) | (1 << 10)), %eax
        mov %eax, %cr4
        fninit

        mov $boot_stack_top, %esp
        push %edi                          /* info */
        push %esi                          /* magic */
        call i386_entry
halt:   cli
        hlt
        jmp halt

/* Too old a CPU: say which features are missing on COM1 (polled, no setup
 * needed on a PC's 16550 at its reset rate), then leave with the fail code
 * through isa-debug-exit (0x11 -> QEMU status 35) and halt. */
no_cpuid:
        mov $msg_no_cpuid, %esi
        call early_puts
        jmp fail_boot
no_sse:
        mov %edx, %ebp
        mov $msg_no_sse, %esi
        call early_puts
        test $(1 << 24), %ebp
        jnz 1f
        mov $msg_fxsr, %esi
        call early_puts
1:      test $(1 << 25), %ebp
        jnz 2f
        mov $msg_sse, %esi
        call early_puts
2:      test $(1 << 26), %ebp
        jnz 3f
        mov $msg_sse2, %esi
        call early_puts
3:      mov $msg_need, %esi
        call early_puts
fail_boot:
        mov $msg_fail, %esi
        call early_puts
        mov $0xf4, %dx
        mov $0x11, %al
        outb %al, %dx
        jmp halt

/* Write the NUL-terminated string at %esi to COM1. */
early_puts:
        mov $0x3fd, %dx                    /* line status: bit 5, transmitter empty */
1:      inb %dx, %al
        test $0x20, %al
        jz 1b
        lodsb
        test %al, %al
        jz 2f
        mov $0x3f8, %dx
        outb %al, %dx
        jmp early_puts
2:      ret

        .section .rodata
msg_no_cpuid:
        .asciz "\nboot: this CPU has no CPUID instruction; the kernel needs SSE2 (a Pentium 4 or later, e.g. QEMU -cpu qemu32 or pentium4)\n"
msg_no_sse:
        .asciz "\nboot: this CPU lacks"
msg_fxsr:
        .asciz " FXSR"
msg_sse:
        .asciz " SSE"
msg_sse2:
        .asciz " SSE2"
msg_need:
        .asciz " (CPUID.1:EDX); the kernel needs SSE2 (a Pentium 4 or later, e.g. QEMU -cpu qemu32 or pentium4)\n"
msg_fail:
        .asciz "KERNEL FAIL arch=i386\n"
