/* mixed_add(a, b) on aarch64 (AAPCS64: x0, x1, result in x0). */
        .text
        .globl mixed_add
mixed_add:
        add x0, x0, x1
        ret
