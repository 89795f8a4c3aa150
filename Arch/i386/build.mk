# i386 build facts for the Makefile's per-arch rules (ARCH_RULES).
ARCHES += i386
i386_SWIFT_TARGET := i686-unknown-none-elf
i386_CLANG_TARGET := i686-unknown-none-elf
i386_CFLAGS :=
i386_LDFLAGS := -m elf_i386
# QEMU loads the ELF itself (Multiboot).
i386_LOADED := kernel.elf
# 64-bit integer helpers (__udivdi3, ...) of our own, in place of libgcc's: in
# the kernel and in every user program.
i386_HELPERS := $(BUILD)/i386/int64.c.o
$(BUILD)/i386/int64.c.o: Arch/i386/Int64/int64.c Arch/i386/Int64/include/int64.h
	@mkdir -p $(@D)
	$(CLANG) --target=i686-unknown-none-elf $(KERNEL_C_FLAGS) -IArch/i386/Int64/include -c $< -o $@
	ci/check_link.sh helpers $@
# QEMU exits with (value << 1) | 1 through isa-debug-exit: 33 is the kernel's pass.
i386_QEMU = qemu-system-i386 -m $(RAM) -kernel $(1) -append "pt=$(PT)" \
    -serial stdio -display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04
# The trap entries the handler call-graph check starts from.
i386_HANDLERS := i386_trap i386_double_fault
