/* aarch64 entry for QEMU virt. The image starts with the arm64 Linux image
 * header, so QEMU loads it at RAM base + text_offset and passes the device
 * tree's address in x0. Parks secondary CPUs, drops from EL2 to EL1 when
 * started at EL2, enables FP/SIMD, zeroes the BSS, installs the exception
 * vectors, puts exceptions on their own stack (SP_EL1) and the boot flow on
 * SP_EL0, and turns the MMU on with a bootstrap identity map (1 GiB blocks),
 * so Swift never runs with the MMU off (where unaligned accesses fault). The
 * kernel replaces the bootstrap map with its own tables at once. */

        .section .head, "ax"
        .globl _head
_head:
        b _start                        /* code0 */
        .long 0                         /* code1 */
        .quad 0x80000                   /* text_offset: the link address is RAM base + this */
        .quad __image_size              /* image_size, BSS included */
        .quad 0x2                       /* flags: little-endian, 4 KiB pages */
        .quad 0, 0, 0
        .ascii "ARM\x64"                /* magic */
        .long 0

        .text
        .globl _start
_start:
        mov x19, x0                     /* device tree */
        mrs x1, mpidr_el1
        and x1, x1, #0xffffff           /* Aff2.Aff1.Aff0 */
        cbnz x1, park

        mrs x20, CurrentEL
        lsr x20, x20, #2                /* the exception level we were entered at */
        cmp x20, #2
        b.ne at_el1
        /* EL2 -> EL1: EL1 is AArch64, its timer and FP are not trapped. */
        mov x1, #(1 << 31)              /* HCR_EL2.RW */
        msr hcr_el2, x1
        mov x1, #3                      /* CNTHCTL_EL2: EL1PCEN, EL1PCTEN */
        msr cnthctl_el2, x1
        msr cntvoff_el2, xzr
        mov x1, #0x33ff                 /* CPTR_EL2: no traps (RES1 bits set) */
        msr cptr_el2, x1
        msr hstr_el2, xzr
        mrs x1, id_aa64pfr0_el1
        ubfx x1, x1, #24, #4            /* GIC system registers implemented? */
        cbz x1, 1f
        mov x1, #0xf                    /* ICC_SRE_EL2: SRE, and EL1 may use SRE too */
        msr icc_sre_el2, x1
        isb
1:
        ldr x1, =0x30d00800             /* SCTLR_EL1: RES1 bits only, MMU off */
        msr sctlr_el1, x1
        mov x1, #0x3c5                  /* SPSR: EL1h, DAIF masked */
        msr spsr_el2, x1
        adr x1, at_el1
        msr elr_el2, x1
        eret

at_el1:
        mov x1, #(3 << 20)              /* CPACR_EL1.FPEN: FP/SIMD on at EL1 */
        msr cpacr_el1, x1
        isb
        ldr x1, =aarch64_exception_stack_top
        mov sp, x1                      /* SP_EL1: exceptions only */
        msr spsel, #0
        ldr x1, =boot_stack_top
        mov sp, x1                      /* SP_EL0: the boot flow, later each thread */
        ldr x1, =__bss_start
        ldr x2, =__bss_end
1:      cmp x1, x2
        b.hs 2f
        str xzr, [x1], #8
        b 1b
2:      ldr x1, =aarch64_vectors
        msr vbar_el1, x1
        ldr x1, =aarch64_exception_stack_top
        sub x1, x1, #832                /* where the boot flow's exceptions save (vectors.S) */
        msr tpidr_el1, x1
        isb
        bl bootstrap_mmu
        mov x0, x19
        mov x1, x20
        bl aarch64_entry
park:   wfe
        b park

/* Identity-map the first 512 GiB with 1 GiB blocks: the first GiB (devices
 * on virt) as device memory, the rest as normal memory. Then MMU and caches on. */
bootstrap_mmu:
        ldr x0, =bootstrap_l0
        ldr x1, =bootstrap_l1
        orr x2, x1, #3                  /* table descriptor */
        str x2, [x0]
        mov x2, #0
        mov x3, #0
        ldr x4, =((1 << 10) | (1 << 2) | 1)             /* AF, AttrIndx 1 (device), block */
        ldr x5, =((1 << 10) | (3 << 8) | 1)             /* AF, inner shareable, AttrIndx 0, block */
3:      cmp x2, #0
        csel x6, x4, x5, eq
        orr x6, x6, x3
        str x6, [x1, x2, lsl #3]
        mov x7, #(1 << 30)
        add x3, x3, x7
        add x2, x2, #1
        cmp x2, #512
        b.lo 3b

        ldr x1, =0x04ff                 /* MAIR: 0 normal write-back, 1 device nGnRE */
        msr mair_el1, x1
        mrs x1, id_aa64mmfr0_el1
        and x1, x1, #0xf                /* PARange */
        cmp x1, #5
        mov x2, #5
        csel x1, x1, x2, ls             /* at most 48 bits */
        lsl x1, x1, #32                 /* TCR.IPS */
        ldr x2, =(16 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23))   /* T0SZ 16, WB WA, inner shareable, 4K, no TTBR1 walks */
        orr x1, x1, x2
        msr tcr_el1, x1
        msr ttbr0_el1, x0
        isb
        tlbi vmalle1
        dsb ish
        isb
        mrs x1, sctlr_el1
        ldr x2, =((1 << 0) | (1 << 2) | (1 << 12))      /* M, C, I */
        orr x1, x1, x2
        bic x1, x1, #(1 << 1)           /* no alignment checks */
        msr sctlr_el1, x1
        isb
        ret

        .section .bss
        .align 12
bootstrap_l0:
        .skip 4096
        /* Unmapped once the kernel's own tables are on (Entry.swift reserves it as a
         * guard page): the boot stack cannot run down into anything. */
        .globl bootstrap_l1
bootstrap_l1:
        .skip 4096
        .align 4
        .globl boot_stack_bottom
boot_stack_bottom:
        .skip 131072
        .globl boot_stack_top
boot_stack_top:
