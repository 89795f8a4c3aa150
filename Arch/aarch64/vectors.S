/* The EL1 exception vector table (16 entries of 0x80 bytes, 2 KiB aligned).
 * Every entry saves x0-x30 and calls aarch64_trap(entry, frame) in Swift. */

        .macro ENTRY n
        .align 7
        sub sp, sp, #256
        stp x0, x1, [sp, #0]
        stp x2, x3, [sp, #16]
        mov x0, #\n
        b trap_common
        .endm

        .text
        .align 11
        .globl aarch64_vectors
aarch64_vectors:
        .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
        ENTRY \n
        .endr

trap_common:
        stp x4, x5, [sp, #32]
        stp x6, x7, [sp, #48]
        stp x8, x9, [sp, #64]
        stp x10, x11, [sp, #80]
        stp x12, x13, [sp, #96]
        stp x14, x15, [sp, #112]
        stp x16, x17, [sp, #128]
        stp x18, x19, [sp, #144]
        stp x20, x21, [sp, #160]
        stp x22, x23, [sp, #176]
        stp x24, x25, [sp, #192]
        stp x26, x27, [sp, #208]
        stp x28, x29, [sp, #224]
        str x30, [sp, #240]
        mov x1, sp
        bl aarch64_trap
        ldp x0, x1, [sp, #0]
        ldp x2, x3, [sp, #16]
        ldp x4, x5, [sp, #32]
        ldp x6, x7, [sp, #48]
        ldp x8, x9, [sp, #64]
        ldp x10, x11, [sp, #80]
        ldp x12, x13, [sp, #96]
        ldp x14, x15, [sp, #112]
        ldp x16, x17, [sp, #128]
        ldp x18, x19, [sp, #144]
        ldp x20, x21, [sp, #160]
        ldp x22, x23, [sp, #176]
        ldp x24, x25, [sp, #192]
        ldp x26, x27, [sp, #208]
        ldp x28, x29, [sp, #224]
        ldr x30, [sp, #240]
        add sp, sp, #256
        eret
