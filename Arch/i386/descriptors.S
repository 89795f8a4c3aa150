/* Storage for the GDT and the two TSSs (filled in by Descriptors.swift), the
 * instructions that load them, and the double-fault task's entry. */

        .section .bss
        .align 16
        .globl i386_gdt, i386_main_tss, i386_fault_tss
i386_gdt:       .skip 8 * 8
i386_main_tss:  .skip 104
        .align 16
i386_fault_tss: .skip 104
        .align 16
fault_stack:    .skip 16384
        .globl i386_fault_stack_top
i386_fault_stack_top:

        .section .data
        .align 4
gdt_pointer:
        .word 8 * 8 - 1
        .long i386_gdt

        .text
        .globl i386_load_gdt, i386_load_task_register, i386_descriptor_tables
        .globl i386_fault_task_entry, i386_resume_after_task
/* void (void): lgdt, then reload every segment register. The data segments
 * get the ring-3 data selector even in the kernel: both are flat, ring 0 may
 * use it, and an iret to ring 3 then keeps them valid, so traps need not
 * save and reload them. SS stays the ring-0 selector (it must match CPL). */
i386_load_gdt:
        lgdt gdt_pointer
        ljmp $0x08, $1f
1:      mov $0x23, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %fs
        mov %ax, %gs
        mov $0x10, %ax
        mov %ax, %ss
        ret
i386_load_task_register:        /* void (uint16 selector) */
        mov 4(%esp), %eax
        ltr %ax
        ret
i386_descriptor_tables:         /* void *(uint32 which): 0 GDT, 1 main TSS, 2 fault TSS, 3 fault stack top,
                                   4 fault task entry, 5 resume-after-task */
        mov 4(%esp), %eax
        mov tables(,%eax,4), %eax
        ret

/* The double-fault task: the CPU switches here through the task gate of
 * vector 8, onto its own stack, whatever state the faulting stack is in.
 * i386_double_fault reports, and points the interrupted task's saved EIP and
 * ESP at the next thread; iret switches back. The loop makes the next double
 * fault start here again (the task resumes after its iret). */
i386_fault_task_entry:
        add $4, %esp                /* the error code (always 0) the double fault pushed */
        clts                        /* the task switch set CR0.TS; Swift uses SSE */
        call i386_double_fault
        iret
        jmp i386_fault_task_entry

/* The interrupted task resumes here with ESP at a saved trap context. */
i386_resume_after_task:
        clts
        jmp i386_trap_return

        .section .rodata
        .align 4
tables:
        .long i386_gdt, i386_main_tss, i386_fault_tss, i386_fault_stack_top
        .long i386_fault_task_entry, i386_resume_after_task
