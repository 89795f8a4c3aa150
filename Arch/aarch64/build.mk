# aarch64 build facts for the Makefile's per-arch rules (ARCH_RULES).
ARCHES += aarch64
aarch64_SWIFT_TARGET := aarch64-none-none-elf
aarch64_CLANG_TARGET := aarch64-none-elf
# No FP/SIMD registers in C: the trap path does not save them.
aarch64_CFLAGS := -mgeneral-regs-only
aarch64_LDFLAGS :=
aarch64_HELPERS :=
# What QEMU loads, from the machine description (Arch/aarch64/machine.json).
aarch64_LOADED := $(shell python3 ci/machine.py get aarch64 loaded)
$(BUILD)/aarch64/kernel.bin: $(BUILD)/aarch64/kernel.elf
	$(OBJCOPY) -O binary $< $@
$(BUILD)/aarch64/%/kernel.bin: $(BUILD)/aarch64/%/kernel.elf
	$(OBJCOPY) -O binary $< $@
aarch64_HANDLERS := aarch64_trap
