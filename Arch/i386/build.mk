# i386 build facts for the Makefile's per-arch rules (ARCH_RULES).
ARCHES += i386
i386_SWIFT_TARGET := i686-unknown-none-elf
i386_CLANG_TARGET := i686-unknown-none-elf
i386_CFLAGS :=
i386_LDFLAGS := -m elf_i386
# What QEMU loads, from the machine description (Arch/i386/machine.json).
i386_LOADED := $(shell python3 ci/machine.py get i386 loaded)
# 64-bit integer helpers (__udivdi3, ...) of our own, in place of libgcc's: in
# the kernel and in every user program.
i386_HELPERS := $(BUILD)/i386/int64.c.o
# (A pattern: the kernel's build folder and the user programs' may differ, HEAP_DEBUG=1.)
%/i386/int64.c.o: Arch/i386/Int64/int64.c Arch/i386/Int64/include/int64.h
	@mkdir -p $(@D)
	$(CLANG) --target=i686-unknown-none-elf $(KERNEL_C_FLAGS) -IArch/i386/Int64/include -c $< -o $@
	ci/check_link.sh helpers $@
# The trap entries the handler call-graph check starts from.
i386_HANDLERS := i386_trap i386_double_fault
