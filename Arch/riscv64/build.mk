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
# What QEMU loads, from the machine description (Arch/riscv64/machine.json).
riscv64_LOADED := $(shell python3 ci/machine.py get riscv64 loaded)
riscv64_HANDLERS := riscv64_trap
