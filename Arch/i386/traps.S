/* Trap entry: one stub per vector we install (0-31 exceptions, 32-47 the
 * PIC's IRQs, 48 the scheduler call, 128 user system calls). Each pushes a dummy error code where the
 * CPU does not, then the vector; trap_common saves the general registers and
 * the SSE/x87 state (fxsave) on the current stack and calls
 * i386_trap(context) in Swift. The context is the stack pointer after all of
 * that; i386_trap returns the context to resume, which is another thread's
 * when it switches. Saved frame, from the context up:
 *   [pointer to the pusha frame] [pad] [512-byte fxsave area, 16-aligned] [pad]
 *   gs fs es ds  edi esi ebp esp ebx edx ecx eax  vector error  eip cs eflags
 * The data segment registers are saved and the kernel's own loaded on every
 * entry: a task may have loaded any selector (the null one, say), and what one
 * task leaves in FS or GS must not reach the next (each resumes with its own). */

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
        .irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48
        STUB \n
        .endr
        STUB 128                    /* system calls from user tasks (int 0x80) */

trap_common:
        pusha
        mov %esp, %ebx              /* the pusha frame */
        push %ds
        push %es
        push %fs
        push %gs
        mov $0x23, %ax              /* the kernel's data selector (flat; see Descriptors.swift) */
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %fs
        mov %ax, %gs
        cld
        sub $512, %esp
        and $~15, %esp
        fxsave (%esp)
        push %ebx                   /* context: points back at the pusha frame */
        mov %esp, %eax
        sub $8, %esp                /* the call site 16-byte aligned */
        push %eax
        call i386_trap
        mov %eax, %esp              /* the context to resume */
        .globl i386_trap_return
i386_trap_return:
        pop %ebx
        fxrstor (%esp)
        lea -16(%ebx), %esp
        pop %gs
        pop %fs
        pop %es
        pop %ds
        popa
        add $8, %esp                /* vector, error code */
        iret

/* A new thread's first context returns here, on its fresh stack. */
        .globl i386_thread_entry
i386_thread_entry:
        call kernel_thread_start
        ud2

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
        .irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48
        .long i386_isr\n
        .endr
