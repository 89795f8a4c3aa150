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
        .align 16
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
