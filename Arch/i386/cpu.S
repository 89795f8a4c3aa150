/* i386 privileged primitives Swift cannot express: port I/O, control
 * registers, TLB invalidation, halting, and the kernel image bounds. */

        .text
        .globl i386_outw, i386_inw, i386_outl, i386_inl
        .globl i386_outb, i386_inb, i386_read_cr0, i386_write_cr0, i386_read_cr2
        .globl i386_read_cr3, i386_write_cr3, i386_read_cr4, i386_write_cr4
        .globl i386_invlpg, i386_halt_forever, i386_image_start, i386_image_end

/* Port I/O of each width: void i386_out<w>(uint16 port, value) writes the
 * value's low bytes; i386_in<w>(uint16 port) returns the port's, zero-extended. */
        .macro PORT_IO width, value
i386_out\width:
        mov 4(%esp), %edx
        mov 8(%esp), %eax
        out\width \value, %dx
        ret
i386_in\width:
        mov 4(%esp), %edx
        xor %eax, %eax
        in\width %dx, \value
        ret
        .endm
        PORT_IO b, %al
        PORT_IO w, %ax
        PORT_IO l, %eax
i386_read_cr0:  mov %cr0, %eax; ret
i386_read_cr2:  mov %cr2, %eax; ret
i386_read_cr3:  mov %cr3, %eax; ret
i386_read_cr4:  mov %cr4, %eax; ret
i386_write_cr0: mov 4(%esp), %eax; mov %eax, %cr0; ret
i386_write_cr3: mov 4(%esp), %eax; mov %eax, %cr3; ret
i386_write_cr4: mov 4(%esp), %eax; mov %eax, %cr4; ret
/* void i386_cpuid(uint32 leaf, uint32 subleaf, uint32 out[4]): eax ebx ecx edx. */
        .globl i386_cpuid
i386_cpuid:
        push %ebx
        push %edi
        mov 12(%esp), %eax
        mov 16(%esp), %ecx
        mov 20(%esp), %edi
        cpuid
        mov %eax, 0(%edi)
        mov %ebx, 4(%edi)
        mov %ecx, 8(%edi)
        mov %edx, 12(%edi)
        pop %edi
        pop %ebx
        ret
i386_invlpg:
        mov 4(%esp), %eax
        invlpg (%eax)
        ret
i386_image_start:               /* the linker script's bounds of the kernel image */
        mov $__kernel_start, %eax
        ret
i386_image_end:
        mov $__kernel_end, %eax
        ret
        .globl i386_code_end
i386_code_end:
        mov $__kernel_code_end, %eax
        ret
        .globl i386_boot_stack_guard_page
i386_boot_stack_guard_page:
        mov $boot_stack_guard, %eax
        ret
i386_halt_forever:
        cli
1:      hlt
        jmp 1b

/* Interrupt control and the thread primitives of Threads.swift. */
        .globl i386_interrupts_off, i386_interrupts_on, i386_wait_for_interrupt
        .globl i386_scheduler_call, i386_undefined_instruction
i386_interrupts_off:            /* uint32 (void): 1 if interrupts were on */
        pushf
        pop %eax
        cli
        shr $9, %eax
        and $1, %eax
        ret
i386_interrupts_on:
        sti
        ret
i386_wait_for_interrupt:        /* sti's one-instruction shadow: no wake-up is lost */
        sti
        hlt
        ret
i386_scheduler_call:            /* void (uint32 request, uint32 argument): int 48 with them in */
        push %ebx                   /* system-call words 0 and 1 (eax, ebx); ebx is callee-saved */
        mov 8(%esp), %eax
        mov 12(%esp), %ebx
        int $48
        pop %ebx
        ret
i386_undefined_instruction:
        ud2
        ret
        .globl i386_thread_entry_address
i386_thread_entry_address:
        mov $i386_thread_entry, %eax
        ret
        .globl i386_read_tsc, i386_syscall_stub_address
i386_read_tsc:                  /* uint64 (void): edx:eax */
        rdtsc
        ret
i386_syscall_stub_address:
        mov $i386_isr128, %eax
        ret
