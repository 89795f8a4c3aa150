# aarch64 build facts for the Makefile's per-arch rules (ARCH_RULES).
ARCHES += aarch64
aarch64_SWIFT_TARGET := aarch64-none-none-elf
aarch64_CLANG_TARGET := aarch64-none-elf
# No FP/SIMD registers in C: the trap path does not save them.
aarch64_CFLAGS := -mgeneral-regs-only
aarch64_LDFLAGS :=
aarch64_HELPERS :=
# A raw image: QEMU passes the device tree only to images with the arm64 header.
aarch64_LOADED := kernel.bin
$(BUILD)/aarch64/kernel.bin: $(BUILD)/aarch64/kernel.elf
	$(OBJCOPY) -O binary $< $@
$(BUILD)/aarch64/%/kernel.bin: $(BUILD)/aarch64/%/kernel.elf
	$(OBJCOPY) -O binary $< $@
# Semihosting carries the pass/fail status out (33 pass, 35 fail), as on i386.
aarch64_QEMU = qemu-system-aarch64 -M $(MACHINE) -cpu $(CPU) -m $(RAM) -kernel $(1) \
    -append "pt=$(PT) exit=semihosting" -semihosting -serial stdio -display none -no-reboot
aarch64_HANDLERS := aarch64_trap
