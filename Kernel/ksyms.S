/* The kernel's own symbol table (for backtraces with function names), left
 * empty at the link: ci/kernel_symbols.py fills it in afterwards, in place,
 * without moving anything, since the section's size is fixed here. Each
 * arch's linker script places .ksyms among the read-only data. */
        .section .ksyms, "a"
        .balign 8
        .globl kernel_symbols
kernel_symbols:
        .space KSYMS_SIZE
        .globl kernel_symbols_end
kernel_symbols_end:
