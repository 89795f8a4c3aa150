/* Exception entry: one stub per CPU exception vector (0-31). Each pushes a
 * dummy error code where the CPU does not, then the vector, saves the general
 * registers and calls i386_trap(frame) in Swift. */

        .macro STUB n
        .globl i386_isr\n
i386_isr\n:
        .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
        .else
        push $0
        .endif
        push $\n
        jmp trap_common
        .endm

        .text
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        STUB \n
        .endr

trap_common:
        pusha
        cld
        push %esp               /* frame: edi esi ebp esp ebx edx ecx eax vector error eip cs eflags */
        call i386_trap
        add $4, %esp
        popa
        add $8, %esp
        iret

        .globl i386_isr_address, i386_idt_base, i386_load_idt
i386_isr_address:               /* uint32 i386_isr_address(uint32 vector) */
        mov 4(%esp), %eax
        mov i386_isr_table(,%eax,4), %eax
        ret
i386_idt_base:                  /* void *i386_idt_base(void) */
        mov $i386_idt, %eax
        ret
i386_load_idt:                  /* void i386_load_idt(void) */
        lidt idt_pointer
        ret

        .section .bss
        .align 8
i386_idt:
        .skip 256 * 8

        .section .rodata
        .align 4
idt_pointer:
        .word 256 * 8 - 1
        .long i386_idt
        .globl i386_isr_table
i386_isr_table:
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .long i386_isr\n
        .endr
