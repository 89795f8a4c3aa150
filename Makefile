# Swift microkernel: host tests, kernels for i386 and aarch64, and their boot tests.
#   make run-i386    [PT=spare|prereserve|direct|pool:N] [RAM=128M]
#   make run-aarch64 [PT=...] [RAM=128M] [CPU=cortex-a57] [MACHINE=virt]
#   make test
SHELL := /bin/bash
# Keep intermediate objects (user-task .o files), so a second make does not rebuild
# them; a deleted one is still rebuilt (which .SECONDARY would skip).
.PRECIOUS: %.o %.elf
# HEAP_DEBUG=1 builds kernels whose heap checks magic, canaries and poison (into build/heap-debug).
HEAP_DEBUG ?=
BUILD ?= $(if $(HEAP_DEBUG),build/heap-debug,build)
PT ?= spare
RAM ?= 128M

# Everything is built with the Swift toolchain's own compilers and LLVM tools,
# found next to swiftc; nothing comes from the host's gcc.
SWIFTC ?= swiftc
TOOLCHAIN_BIN := $(dir $(realpath $(shell command -v $(SWIFTC))))
CLANG ?= $(TOOLCHAIN_BIN)clang
LLD ?= $(TOOLCHAIN_BIN)ld.lld
NM ?= $(TOOLCHAIN_BIN)llvm-nm
OBJCOPY ?= $(TOOLCHAIN_BIN)llvm-objcopy
# Kernels always carry DWARF line tables and function entries: Swift's debug info
# changes code generation (about 2.7 KiB more .text on i386, closures kept out of
# line), so the image the debugger sees is the very image that runs and is tested.
# Line tables, not full -g: gdb 13 stops at the type references full -g makes into
# Clang-module skeleton units ("Dwarf Error: Cannot find DIE"). QEMU loads only the
# ELF's segments (aarch64: the objcopy'd binary), never the debug sections.
DEBUG_INFO ?= -gline-tables-only
KERNEL_SWIFT_FLAGS := -enable-experimental-feature Embedded -enable-experimental-feature Extern \
    -wmo -parse-as-library -Osize $(DEBUG_INFO) -Xfrontend -disable-stack-protector -module-name Kernel \
    $(if $(HEAP_DEBUG),-D HEAP_DEBUG)
KERNEL_C_FLAGS := -ffreestanding -fno-builtin -fno-omit-frame-pointer -O2 -Wall

CORE_SOURCES := $(shell find Sources Kernel -name '*.swift')
# Bytes set aside in every kernel for its own symbol table (Kernel/ksyms.S).
KSYMS_SIZE := 49152
# The compile flags, kept in a file that changes only when they do, so that a
# changed flag (DEBUG_INFO=..., HEAP_DEBUG) rebuilds the kernels.
FLAGS_STAMP := $(BUILD)/flags.txt
$(shell mkdir -p $(BUILD); echo '$(KERNEL_SWIFT_FLAGS) $(KERNEL_C_FLAGS)' | cmp -s - $(FLAGS_STAMP) || \
    echo '$(KERNEL_SWIFT_FLAGS) $(KERNEL_C_FLAGS)' > $(FLAGS_STAMP))

# User tasks: each program in User/Programs is its own ELF image, built from the
# user runtime, the shared syscall ABI and the heap (Sources/Heap), then embedded
# in the kernel (User/images.S).
USER_PROGRAMS := kvserver kvclient pingpong intruder hog sysfuzz
USER_SWIFT := Sources/IPC/SyscallABI.swift $(filter-out %/HeapRegion.swift,$(wildcard Sources/Heap/*.swift)) \
    $(wildcard User/Runtime/*.swift)
USER_SWIFT_FLAGS := -enable-experimental-feature Embedded -enable-experimental-feature Extern \
    -wmo -parse-as-library -Osize -Xfrontend -disable-stack-protector

# --- i386 -------------------------------------------------------------------
I386 := $(BUILD)/i386
I386_SWIFT := $(CORE_SOURCES) $(shell find Arch/i386 -name '*.swift')
I386_ASM := Boot/i386/boot.S $(wildcard Arch/i386/*.S)
# 64-bit integer helpers (__udivdi3, ...) of our own, in place of libgcc's.
I386_INT64 := $(I386)/int64.c.o
I386_OBJS := $(I386)/kernel.o $(patsubst %,$(I386)/%.o,$(notdir $(I386_ASM))) $(I386)/runtime.c.o $(I386)/memory.c.o \
    $(I386_INT64) $(I386)/user_images.S.o $(I386)/ksyms.S.o
I386_USER := $(patsubst %,$(I386)/user/%.elf,$(USER_PROGRAMS))
QEMU_I386 = qemu-system-i386 -m $(RAM) -kernel $(I386)/kernel.elf -append "pt=$(PT)" \
    -serial stdio -display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04

.PHONY: all kernels kernel-i386 kernel-aarch64 run-i386 run-aarch64 test test-host test-boot tools clean

all: kernels
kernels: kernel-i386 kernel-aarch64
kernel-i386: $(I386)/kernel.elf

$(I386)/kernel.o: $(I386_SWIFT) $(FLAGS_STAMP) | $(I386)
	$(SWIFTC) -target i686-unknown-none-elf $(KERNEL_SWIFT_FLAGS) -c $(I386_SWIFT) -o $@
	@touch $@   # swiftc leaves an unchanged object's time alone, so make would compile it again and again
$(I386)/%.S.o: Boot/i386/%.S | $(I386)
	$(CLANG) --target=i686-unknown-none-elf -c $< -o $@
$(I386)/%.S.o: Arch/i386/%.S | $(I386)
	$(CLANG) --target=i686-unknown-none-elf -c $< -o $@
$(I386)/ksyms.S.o: Kernel/ksyms.S | $(I386)
	$(CLANG) --target=i686-unknown-none-elf -DKSYMS_SIZE=$(KSYMS_SIZE) -c $< -o $@
$(I386)/%.c.o: Kernel/%.c | $(I386)
	$(CLANG) --target=i686-unknown-none-elf $(KERNEL_C_FLAGS) -c $< -o $@
$(I386_INT64): Arch/i386/Int64/int64.c Arch/i386/Int64/include/int64.h | $(I386)
	$(CLANG) --target=i686-unknown-none-elf $(KERNEL_C_FLAGS) -IArch/i386/Int64/include -c $< -o $@
	ci/check_link.sh helpers $@
$(I386)/user/%.o: User/Programs/%.swift $(USER_SWIFT) | $(I386)/user
	$(SWIFTC) -target i686-unknown-none-elf $(USER_SWIFT_FLAGS) -module-name $* -c $(USER_SWIFT) $< -o $@ && touch $@
$(I386)/user/start.S.o: Arch/i386/User/start.S | $(I386)/user
	$(CLANG) --target=i686-unknown-none-elf -c $< -o $@
$(I386)/user/%.c.o: User/Runtime/%.c | $(I386)/user
	$(CLANG) --target=i686-unknown-none-elf $(KERNEL_C_FLAGS) -c $< -o $@
$(I386)/user/memory.c.o: Kernel/memory.c | $(I386)/user
	$(CLANG) --target=i686-unknown-none-elf $(KERNEL_C_FLAGS) -c $< -o $@
$(I386)/user/%.elf: $(I386)/user/%.o $(I386)/user/start.S.o $(I386)/user/free.c.o $(I386)/user/memory.c.o $(I386_INT64) Boot/i386/user.ld
	$(LLD) -m elf_i386 -z max-page-size=4096 -T Boot/i386/user.ld -o $@ $(I386)/user/start.S.o $< $(I386)/user/free.c.o $(I386)/user/memory.c.o $(I386_INT64)
	ci/check_link.sh elf $@
$(I386)/user_images.S.o: User/images.S $(I386_USER)
	$(CLANG) --target=i686-unknown-none-elf -I $(I386)/user -c $< -o $@
$(I386)/kernel.elf: $(I386_OBJS) Boot/i386/linker.ld
	$(LLD) -m elf_i386 -T Boot/i386/linker.ld -o $@ $(I386_OBJS)
	ci/check_link.sh elf $@
	python3 ci/kernel_symbols.py $@

# QEMU exits with (value << 1) | 1 through isa-debug-exit: 33 is the kernel's pass.
run-i386: $(I386)/kernel.elf | tools-i386
	$(QEMU_I386); status=$$?; [[ $$status -eq 33 ]] || { echo "QEMU exit status $$status (33 is a pass)"; exit 1; }

# A bootable GRUB CD image of the i386 kernel (Boot/i386/iso/grub.cfg).
.PHONY: iso run-iso
iso: $(I386)/kernel.iso
$(I386)/kernel.iso: $(I386)/kernel.elf Boot/i386/iso/grub.cfg | tools-iso
	rm -rf $(I386)/iso && mkdir -p $(I386)/iso/boot/grub
	cp $(I386)/kernel.elf $(I386)/iso/boot/kernel.elf
	cp Boot/i386/iso/grub.cfg $(I386)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(I386)/iso 2> $(I386)/grub-mkrescue.log || { cat $(I386)/grub-mkrescue.log; exit 1; }
run-iso: $(I386)/kernel.iso | tools-i386
	qemu-system-i386 -m $(RAM) -cdrom $< -serial stdio -display none -no-reboot \
	    -device isa-debug-exit,iobase=0xf4,iosize=0x04; status=$$?; [[ $$status -eq 33 ]] || { echo "QEMU exit status $$status (33 is a pass)"; exit 1; }

# QEMU halted with its gdb stub, gdb-multiarch attached, a breakpoint at kernelMain.
.PHONY: debug-i386 debug-aarch64
debug-i386: $(I386)/kernel.elf | tools-i386 tools-debug
	BUILD=$(BUILD) PT=$(PT) RAM=$(RAM) ci/debug.sh i386 $(GDB_PORT)
GDB_PORT ?= 1234

# --- aarch64 ----------------------------------------------------------------
A64 := $(BUILD)/aarch64
A64_SWIFT := $(CORE_SOURCES) $(shell find Arch/aarch64 -name '*.swift')
A64_ASM := Boot/aarch64/boot.S $(wildcard Arch/aarch64/*.S)
A64_OBJS := $(A64)/kernel.o $(patsubst %,$(A64)/%.o,$(notdir $(A64_ASM))) $(A64)/runtime.c.o $(A64)/memory.c.o \
    $(A64)/user_images.S.o $(A64)/ksyms.S.o
A64_USER := $(patsubst %,$(A64)/user/%.elf,$(USER_PROGRAMS))
CPU ?= cortex-a57
MACHINE ?= virt
# Semihosting carries the pass/fail status out (33 pass, 35 fail), as on i386.
QEMU_A64 = qemu-system-aarch64 -M $(MACHINE) -cpu $(CPU) -m $(RAM) -kernel $(A64)/kernel.bin \
    -append "pt=$(PT) exit=semihosting" -semihosting -serial stdio -display none -no-reboot

kernel-aarch64: $(A64)/kernel.bin

$(A64)/kernel.o: $(A64_SWIFT) $(FLAGS_STAMP) | $(A64)
	$(SWIFTC) -target aarch64-none-none-elf $(KERNEL_SWIFT_FLAGS) -c $(A64_SWIFT) -o $@
	@touch $@   # see the i386 rule
$(A64)/%.S.o: Boot/aarch64/%.S | $(A64)
	$(CLANG) --target=aarch64-none-elf -c $< -o $@
$(A64)/%.S.o: Arch/aarch64/%.S | $(A64)
	$(CLANG) --target=aarch64-none-elf -c $< -o $@
$(A64)/ksyms.S.o: Kernel/ksyms.S | $(A64)
	$(CLANG) --target=aarch64-none-elf -DKSYMS_SIZE=$(KSYMS_SIZE) -c $< -o $@
$(A64)/%.c.o: Kernel/%.c | $(A64)
	$(CLANG) --target=aarch64-none-elf $(KERNEL_C_FLAGS) -mgeneral-regs-only -c $< -o $@
$(A64)/user/%.o: User/Programs/%.swift $(USER_SWIFT) | $(A64)/user
	$(SWIFTC) -target aarch64-none-none-elf $(USER_SWIFT_FLAGS) -module-name $* -c $(USER_SWIFT) $< -o $@ && touch $@
$(A64)/user/start.S.o: Arch/aarch64/User/start.S | $(A64)/user
	$(CLANG) --target=aarch64-none-elf -c $< -o $@
$(A64)/user/%.c.o: User/Runtime/%.c | $(A64)/user
	$(CLANG) --target=aarch64-none-elf $(KERNEL_C_FLAGS) -mgeneral-regs-only -c $< -o $@
$(A64)/user/memory.c.o: Kernel/memory.c | $(A64)/user
	$(CLANG) --target=aarch64-none-elf $(KERNEL_C_FLAGS) -mgeneral-regs-only -c $< -o $@
$(A64)/user/%.elf: $(A64)/user/%.o $(A64)/user/start.S.o $(A64)/user/free.c.o $(A64)/user/memory.c.o Boot/aarch64/user.ld
	$(LLD) -z max-page-size=4096 -T Boot/aarch64/user.ld -o $@ $(A64)/user/start.S.o $< $(A64)/user/free.c.o $(A64)/user/memory.c.o
	ci/check_link.sh elf $@
$(A64)/user_images.S.o: User/images.S $(A64_USER)
	$(CLANG) --target=aarch64-none-elf -I $(A64)/user -c $< -o $@
$(A64)/kernel.elf: $(A64_OBJS) Boot/aarch64/linker.ld
	$(LLD) -T Boot/aarch64/linker.ld -o $@ $(A64_OBJS)
	ci/check_link.sh elf $@
	python3 ci/kernel_symbols.py $@
# A raw image: QEMU passes the device tree only to images with the arm64 header.
$(A64)/kernel.bin: $(A64)/kernel.elf
	$(OBJCOPY) -O binary $< $@

debug-aarch64: $(A64)/kernel.bin | tools-aarch64 tools-debug
	BUILD=$(BUILD) PT=$(PT) RAM=$(RAM) CPU=$(CPU) MACHINE=$(MACHINE) ci/debug.sh aarch64 $(GDB_PORT)

run-aarch64: $(A64)/kernel.bin | tools-aarch64
	$(QEMU_A64); status=$$?; [[ $$status -eq 33 ]] || { echo "QEMU exit status $$status (33 is a pass)"; exit 1; }

# --- tests ------------------------------------------------------------------
# make test: every build first, two at a time (the host tests' build, both
# kernels, the heap-debug kernels, the fuzzer), then the runs one after another
# (the boot tests use both CPUs themselves). `make -j1 test` works too.
.PHONY: test-build test-host-build heap-debug-kernels test-run
test: | tools-test
	ci/test_ensure_tools.sh
	@start=$$(date +%s); $(MAKE) --no-print-directory -j2 test-build && \
	    echo "test: builds took $$(( $$(date +%s) - start )) s"
	@$(MAKE) --no-print-directory test-run
test-build: kernels heap-debug-kernels test-host-build fuzz-build parser-fuzz-build iso
test-host-build: ; swift build --build-tests
heap-debug-kernels: ; $(MAKE) --no-print-directory HEAP_DEBUG=1 kernels
test-run:
	@mkdir -p $(BUILD); t=$$(date +%s); swift test > $(BUILD)/host-tests.log 2>&1; status=$$?; \
	    grep -E "error:" $(BUILD)/host-tests.log | head -25; grep -E "Executed [0-9]+ tests" $(BUILD)/host-tests.log | tail -1; \
	    [[ $$status -eq 0 ]] || { echo "host tests failed: $(BUILD)/host-tests.log"; exit 1; }; \
	    echo "test: host tests took $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory boot-checks && echo "test: boot tests took $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory test-fuzz && echo "test: heap fuzz pass took $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory test-fuzz-parsers && echo "test: parser fuzz passes took $$(( $$(date +%s) - t )) s"
test-host: | tools
	ci/test_ensure_tools.sh
	swift build --build-tests
	swift test
test-boot: kernels heap-debug-kernels iso | tools-test
	$(MAKE) --no-print-directory boot-checks
.PHONY: boot-checks
boot-checks:
	python3 ci/check_handlers.py $(I386)/kernel.elf i386_trap i386_double_fault --reaches printBacktrace --reaches SymbolTableV6lookup
	python3 ci/check_handlers.py $(A64)/kernel.elf aarch64_trap --reaches printBacktrace --reaches SymbolTableV6lookup
	python3 ci/boot_test.py
	python3 ci/debug_test.py
	BUILD=build/heap-debug HEAP_DEBUG=1 python3 ci/boot_test.py --only "128M"

# --- heap fuzzing (libFuzzer) --------------------------------------------------
FUZZ := $(BUILD)/fuzz/heap-fuzz
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -max_len=4096 -len_control=0
$(FUZZ): $(shell find Sources -name '*.swift') Fuzz/HeapFuzz/main.swift
	mkdir -p $(dir $@)
	$(SWIFTC) -sanitize=fuzzer $(if $(FUZZ_ASAN),-sanitize=address) -parse-as-library -O -module-name HeapFuzz \
	    $(shell find Sources -name '*.swift') Fuzz/HeapFuzz/main.swift -o $@
# make fuzz [FUZZ_SECONDS=600] [FUZZ_ASAN=1]: fuzz for a while, keeping the corpus in build/fuzz/corpus.
.PHONY: fuzz test-fuzz fuzz-build
fuzz-build: $(FUZZ)
fuzz: $(FUZZ)
	mkdir -p $(BUILD)/fuzz/corpus
	SWIFT_BACKTRACE=enable=no $(FUZZ) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) $(BUILD)/fuzz/corpus
# The short fixed-seed pass of make test: at least 10^6 heap operations.
test-fuzz: $(FUZZ)
	rm -rf $(BUILD)/fuzz/seed-corpus && mkdir -p $(BUILD)/fuzz/seed-corpus
	set -o pipefail; SWIFT_BACKTRACE=enable=no $(FUZZ) $(FUZZ_FLAGS) -seed=1 -runs=20000 $(BUILD)/fuzz/seed-corpus 2>&1 | tee $(BUILD)/fuzz/last-run.log | tail -1
	ops=$$(sed -n 's/^HEAP FUZZ inputs=[0-9]* operations=\([0-9]*\)$$/\1/p' $(BUILD)/fuzz/last-run.log); \
	    [[ -n "$$ops" && $$ops -ge 1000000 ]] || { echo "fuzz pass ran $${ops:-no} operations; want at least 1000000"; exit 1; }

# --- parser fuzzing (libFuzzer + AddressSanitizer) ----------------------------
# One binary, a target per parser of outside input (FUZZ_TARGET=devicetree,
# multiboot, elf); seeds in Fuzz/corpus (ci/make_fuzz_seeds.py writes them).
PARSER_FUZZ := $(BUILD)/fuzz/parser-fuzz
PARSER_TARGETS := devicetree multiboot elf
# Fixed runs per target in make test: a few seconds each on this machine.
PARSER_RUNS_devicetree := 100000
PARSER_RUNS_multiboot := 6000
PARSER_RUNS_elf := 500000
# Longest input per target: the board trees in the device-tree seeds are up to 62 KiB.
PARSER_MAXLEN_devicetree := 65536
PARSER_MAXLEN_multiboot := 16384
PARSER_MAXLEN_elf := 65536
.PHONY: fuzz-parsers test-fuzz-parsers parser-fuzz-build
parser-fuzz-build: $(PARSER_FUZZ)
$(PARSER_FUZZ): $(shell find Sources Arch/aarch64/Devices -name '*.swift') Fuzz/ParserFuzz/main.swift
	mkdir -p $(dir $@)
	$(SWIFTC) -sanitize=fuzzer,address -parse-as-library -O -module-name ParserFuzz \
	    $(shell find Sources Arch/aarch64/Devices -name '*.swift') Fuzz/ParserFuzz/main.swift -o $@ 2>&1 | grep -v "Cannot export local symbol" || true
	@test -x $@
define parser_fuzz_pass
	@rm -rf $(BUILD)/fuzz/$(1) && mkdir -p $(BUILD)/fuzz/$(1)
	@FUZZ_TARGET=$(1) SWIFT_BACKTRACE=enable=no $(PARSER_FUZZ) -seed=1 -runs=$(PARSER_RUNS_$(1)) -max_len=$(PARSER_MAXLEN_$(1)) \
	    -artifact_prefix=$(BUILD)/fuzz/$(1)- \
	    $(BUILD)/fuzz/$(1) Fuzz/corpus/$(1) > $(BUILD)/fuzz/$(1).log 2>&1 \
	    || { tail -30 $(BUILD)/fuzz/$(1).log; echo "parser fuzz: $(1) failed ($(BUILD)/fuzz/$(1).log)"; exit 1; }
	@echo "parser fuzz: $(1): $$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' $(BUILD)/fuzz/$(1).log), $$(grep -o 'cov: [0-9]*' $(BUILD)/fuzz/$(1).log | tail -1) edges"

endef
test-fuzz-parsers: $(PARSER_FUZZ)
	$(foreach t,$(PARSER_TARGETS),$(call parser_fuzz_pass,$(t)))
# make fuzz-parsers [FUZZ_SECONDS=600]: each target for that long, keeping its corpus in build/fuzz/<target>-long.
fuzz-parsers: $(PARSER_FUZZ)
	for t in $(PARSER_TARGETS); do mkdir -p $(BUILD)/fuzz/$$t-long; \
	    FUZZ_TARGET=$$t SWIFT_BACKTRACE=enable=no $(PARSER_FUZZ) -max_len=65536 -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=$(BUILD)/fuzz/$$t- \
	        $(BUILD)/fuzz/$$t-long Fuzz/corpus/$$t || exit 1; done

# --- benchmarks (not part of make test) --------------------------------------
.PHONY: bench bench-strategies bench-heap bench-ipc int64-vectors sizes
# Guest instructions per IPC round trip and per null system call (QEMU -icount); writes docs/ipc-benchmarks.md.
bench-ipc: kernels | tools
	python3 ci/bench_ipc.py
# Each kernel's section and image sizes, into docs/image-sizes.md.
sizes: kernels ; python3 ci/image_sizes.py $(BUILD)
# The constants the i386 kernel checks its 64-bit helpers against at boot.
int64-vectors: ; python3 ci/gen_int64_vectors.py
bench: bench-strategies bench-heap
# Replays the traces against the kernel heap, glibc, jemalloc and mimalloc; writes docs/heap-benchmarks.md.
bench-heap:
	ci/ensure-tools.sh bench-heap
	swift build -c release --product heap-bench
	python3 ci/gen_traces.py $(BUILD)/traces
	python3 ci/bench_heap.py $(BUILD)/traces
# Boots every strategy on both arches and writes docs/page-table-strategies.md.
bench-strategies: kernels | tools
	command -v valgrind >/dev/null || ci/ensure-tools.sh valgrind
	swift build -c release --product strategy-bench
	python3 ci/bench_strategies.py

# --- set-up -----------------------------------------------------------------
# QEMU is the only Debian package the kernels need; ci/ensure-tools.sh installs it
# (and the benches' and debug targets' tools) when a target needs it.
tools: ; @ci/ensure-tools.sh all
# make test also boots the GRUB ISO and drives gdb.
.PHONY: tools-test
tools-test: ; @ci/ensure-tools.sh all debug iso
.PHONY: tools-i386
tools-i386: ; @ci/ensure-tools.sh i386
.PHONY: tools-aarch64 tools-debug tools-iso
tools-aarch64: ; @ci/ensure-tools.sh aarch64
tools-debug: ; @ci/ensure-tools.sh debug
tools-iso: ; @ci/ensure-tools.sh iso

$(I386) $(A64) $(I386)/user $(A64)/user:
	mkdir -p $@
clean:
	rm -rf $(BUILD)
