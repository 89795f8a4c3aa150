# riscv64 build facts for the Makefile's per-arch rules (ARCH_RULES).
ARCHES += riscv64
# Hard float (RV64GC, the lp64d ABI) everywhere: the Swift code, the C and the
# assembly must agree (ld.lld refuses to mix float ABIs). Soft float would need
# double-precision helpers (__muldf3, ...) that the toolchain does not ship;
# the kernel saves the FP registers at every trap, as on the other arches.
riscv64_SWIFT_TARGET := riscv64-none-none-eabi
# Frame pointers (s0) in the Swift code too, for backtraces: -Xcc reaches Swift's own code generation.
riscv64_SWIFT_FLAGS := -Xcc -march=rv64gc -Xcc -mabi=lp64d -Xcc -fno-omit-frame-pointer
riscv64_CLANG_TARGET := riscv64-unknown-elf
riscv64_CC_FLAGS := -march=rv64gc -mabi=lp64d -mcmodel=medany
riscv64_CFLAGS :=
riscv64_LDFLAGS :=
riscv64_HELPERS :=
# QEMU loads the ELF at its link address; OpenSBI (-bios default) jumps there.
riscv64_LOADED := kernel.elf
# virt's test device ends QEMU with the kernel's status (33 pass, 35 fail), as on the others.
riscv64_QEMU = qemu-system-riscv64 -M virt -m $(RAM) -bios default -kernel $(1) -append "pt=$(PT)" \
    -serial stdio -display none -no-reboot
riscv64_HANDLERS := riscv64_trap
