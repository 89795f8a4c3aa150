/* mixed_add(a, b) on i386 (cdecl: arguments on the stack, result in eax). */
        .text
        .globl mixed_add
mixed_add:
        movl 4(%esp), %eax
        addl 8(%esp), %eax
        ret
