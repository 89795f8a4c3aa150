# Swift microkernel: host tests, kernels for i386, aarch64 and riscv64, and their boot tests.
#   make run-i386    [SYSTEM=default|test] [PT=spare|prereserve|direct|pool:N] [RAM=128M]
#   make run-aarch64 [SYSTEM=...] [PT=...] [RAM=128M] [CPU=cortex-a57] [MACHINE=virt]
#   make run-riscv64 [SYSTEM=...] [PT=...] [RAM=128M]
#   make test
SHELL := /bin/bash
# Keep every intermediate file (user objects and ELFs, a system's generated
# assembly and init), so a second make does not rebuild them. (.PRECIOUS with
# patterns does not cover files reached only through pattern rules.)
.SECONDARY:
# HEAP_DEBUG=1 builds kernels whose heap checks magic, canaries and poison (into build/heap-debug).
HEAP_DEBUG ?=
BUILD ?= $(if $(HEAP_DEBUG),build/heap-debug,build)
# The user programs do not change with HEAP_DEBUG: a heap-debug build links the normal build's.
USER_BUILD ?= $(if $(HEAP_DEBUG),build,$(BUILD))
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

# The kernel: Sources/ and Kernel/ in every image, plus one image's own files:
# Kernel/Images/Default (nothing but the kernel) or Kernel/Images/Test (the
# in-kernel checks the boot tests and benchmarks need: self-test, thread demo,
# crash hooks, bench=grow). The test image boots User/test.manifest.
CORE_SOURCES := $(shell find Sources Kernel -name '*.swift' -not -path 'Kernel/Images/*')
DEFAULT_IMAGE := $(wildcard Kernel/Images/Default/*.swift)
TEST_IMAGE := $(wildcard Kernel/Images/Test/*.swift)
# Bytes set aside in every kernel for its own symbol table (Kernel/ksyms.S).
KSYMS_SIZE := 49152
# The compile flags, kept in a file that changes only when they do, so that a
# changed flag (DEBUG_INFO=..., HEAP_DEBUG) rebuilds the kernels.
FLAGS_STAMP := $(BUILD)/flags.txt
$(shell mkdir -p $(BUILD); echo '$(KERNEL_SWIFT_FLAGS) $(KERNEL_C_FLAGS)' | cmp -s - $(FLAGS_STAMP) || \
    echo '$(KERNEL_SWIFT_FLAGS) $(KERNEL_C_FLAGS)' > $(FLAGS_STAMP))

# User programs: each file in User/Programs is its own ELF image, built from the
# user runtime, the shared syscall ABI and the heap (Sources/Heap). A system's
# manifest (User/<system>.manifest, docs/manifest.md) names the programs it
# runs; ci/manifest.py checks it and writes the assembly that embeds them and
# the table init (User/Programs/init.swift) starts the system from.
SYSTEM ?= default
# A program is one file (User/Programs/NAME.swift) or a folder (User/Programs/NAME/:
# its Swift files, C files for every arch, and <arch>/*.c and <arch>/*.S for one).
USER_PROGRAMS := $(sort $(filter-out init,$(basename $(notdir $(wildcard User/Programs/*.swift)))) \
    $(notdir $(patsubst %/,%,$(dir $(wildcard User/Programs/*/*.swift)))))
# A folder program's C and assembly objects on arch $(1) (none for a one-file program).
program_parts = $(patsubst %,$(USER_BUILD)/$(1)/parts/%.o,$(wildcard User/Programs/$(2)/*.c User/Programs/$(2)/$(1)/*.c User/Programs/$(2)/$(1)/*.S))
USER_SWIFT := Sources/IPC/SyscallABI.swift $(filter-out %/HeapRegion.swift,$(wildcard Sources/Heap/*.swift)) \
    $(wildcard User/Runtime/*.swift)
USER_SWIFT_FLAGS := -enable-experimental-feature Embedded -enable-experimental-feature Extern \
    -wmo -parse-as-library -Osize -Xfrontend -disable-stack-protector

.PHONY: all kernels test-kernels kernel-i386 kernel-aarch64 run-i386 run-aarch64 test test-host test-boot tools clean
all: kernels

# A system other than the two built in must have its manifest: say which file
# is missing and how to start one, not make's "No rule to make target".
ifeq ($(wildcard User/$(SYSTEM).manifest),)
ifneq ($(filter run-% debug-%,$(MAKECMDGOALS)),)
$(error SYSTEM=$(SYSTEM): there is no User/$(SYSTEM).manifest. Start one from the default system with "cp User/default.manifest User/$(SYSTEM).manifest" (docs/manifest.md describes the format))
endif
endif

# The user programs system $(2)'s manifest embeds, as arch $(1)'s ELFs (read
# when a system's table is built: the rule below expands it a second time).
.SECONDEXPANSION:
system_elfs = $(patsubst %,$(USER_BUILD)/$(1)/user/%.elf,$(shell python3 ci/manifest.py User/$(2).manifest --list-programs))

# Each architecture's build facts live in Arch/<arch>/build.mk (targets,
# flags, its QEMU command); the rules below are the same for every arch.
ARCHES :=
include $(sort $(wildcard Arch/*/build.mk))

# The kernel for system S: the default system's is $(BUILD)/<arch>/kernel.elf;
# another's is $(BUILD)/<arch>/S/kernel.elf (the test system's with the test image).
system_dir = $(if $(filter default,$(2)),$(BUILD)/$(1),$(BUILD)/$(1)/$(2))

define ARCH_RULES
$(1)_DIR := $$(BUILD)/$(1)
# User programs, init and the systems' embedded tables: the same in every kernel build.
$(1)_UDIR := $$(USER_BUILD)/$(1)
$(1)_UHELPERS := $$(patsubst $$(BUILD)/%,$$(USER_BUILD)/%,$$($(1)_HELPERS))
$(1)_SWIFT := $$(CORE_SOURCES) $$(shell find Arch/$(1) -name '*.swift')
$(1)_ASM := Boot/$(1)/boot.S $$(wildcard Arch/$(1)/*.S)
$(1)_OBJS := $$(patsubst %,$$($(1)_DIR)/%.o,$$(notdir $$($(1)_ASM))) $$($(1)_DIR)/runtime.c.o $$($(1)_DIR)/memory.c.o \
    $$($(1)_HELPERS) $$($(1)_DIR)/ksyms.S.o
# The C every program links: free, device-register access, and the kernel's memcpy and memset.
$(1)_URUNTIME := $$($(1)_UDIR)/user/free.c.o $$($(1)_UDIR)/user/device.c.o $$($(1)_UDIR)/user/memory.c.o
$(1)_USER_OBJS := $$($(1)_UDIR)/user/start.S.o $$($(1)_URUNTIME) $$($(1)_UHELPERS)
$(1)_CC := $$(CLANG) --target=$$($(1)_CLANG_TARGET) $$($(1)_CC_FLAGS)
$(1)_LINK_USER = $$(LLD) $$($(1)_LDFLAGS) -z max-page-size=4096 -T Boot/$(1)/user.ld -o $$@ $$($(1)_UDIR)/user/start.S.o $$< \
    $$(filter $$($(1)_UDIR)/parts/%,$$^) $$($(1)_URUNTIME) $$($(1)_UHELPERS) && ci/check_link.sh elf $$@

kernels: kernel-$(1)
test-kernels: $$($(1)_DIR)/test/$$($(1)_LOADED)
kernel-$(1): $$($(1)_DIR)/$$($(1)_LOADED) $$($(1)_DIR)/test/$$($(1)_LOADED)

# The two kernel images: the default one, and the test one with its checks.
$$($(1)_DIR)/kernel.o: $$($(1)_SWIFT) $$(DEFAULT_IMAGE) $$(FLAGS_STAMP)
	@mkdir -p $$(@D)
	$$(SWIFTC) -target $$($(1)_SWIFT_TARGET) $$($(1)_SWIFT_FLAGS) $$(KERNEL_SWIFT_FLAGS) -c $$($(1)_SWIFT) $$(DEFAULT_IMAGE) -o $$@
	@touch $$@   # swiftc leaves an unchanged object's time alone, so make would compile it again and again
$$($(1)_DIR)/test/kernel.o: $$($(1)_SWIFT) $$(TEST_IMAGE) $$(FLAGS_STAMP)
	@mkdir -p $$(@D)
	$$(SWIFTC) -target $$($(1)_SWIFT_TARGET) $$($(1)_SWIFT_FLAGS) $$(KERNEL_SWIFT_FLAGS) -c $$($(1)_SWIFT) $$(TEST_IMAGE) -o $$@
	@touch $$@
$$($(1)_DIR)/%.S.o: Boot/$(1)/%.S
	@mkdir -p $$(@D)
	$$($(1)_CC) -c $$< -o $$@
$$($(1)_DIR)/%.S.o: Arch/$(1)/%.S
	@mkdir -p $$(@D)
	$$($(1)_CC) -c $$< -o $$@
$$($(1)_DIR)/ksyms.S.o: Kernel/ksyms.S
	@mkdir -p $$(@D)
	$$($(1)_CC) -DKSYMS_SIZE=$$(KSYMS_SIZE) -c $$< -o $$@
$$($(1)_DIR)/%.c.o: Kernel/%.c
	@mkdir -p $$(@D)
	$$($(1)_CC) $$(KERNEL_C_FLAGS) $$($(1)_CFLAGS) -c $$< -o $$@

# User programs, and per system: its manifest's outputs, its init, its embedded programs.
$$($(1)_UDIR)/user/%.o: User/Programs/%.swift $$(USER_SWIFT)
	@mkdir -p $$(@D)
	$$(SWIFTC) -target $$($(1)_SWIFT_TARGET) $$($(1)_SWIFT_FLAGS) $$(USER_SWIFT_FLAGS) -module-name $$* -c $$(USER_SWIFT) $$< -o $$@ && touch $$@
$$($(1)_UDIR)/user/%.o: User/Programs/%/ $$$$(wildcard User/Programs/$$$$*/*.swift) $$(USER_SWIFT)
	@mkdir -p $$(@D)
	$$(SWIFTC) -target $$($(1)_SWIFT_TARGET) $$($(1)_SWIFT_FLAGS) $$(USER_SWIFT_FLAGS) -module-name $$* -c $$(USER_SWIFT) \
	    $$(wildcard User/Programs/$$*/*.swift) -o $$@ && touch $$@
$$($(1)_UDIR)/parts/%.c.o: %.c
	@mkdir -p $$(@D)
	$$($(1)_CC) $$(KERNEL_C_FLAGS) $$($(1)_CFLAGS) -c $$< -o $$@
$$($(1)_UDIR)/parts/%.S.o: %.S
	@mkdir -p $$(@D)
	$$($(1)_CC) -c $$< -o $$@
$$($(1)_UDIR)/user/start.S.o: Arch/$(1)/User/start.S
	@mkdir -p $$(@D)
	$$($(1)_CC) -c $$< -o $$@
$$($(1)_UDIR)/user/%.c.o: User/Runtime/%.c
	@mkdir -p $$(@D)
	$$($(1)_CC) $$(KERNEL_C_FLAGS) $$($(1)_CFLAGS) -c $$< -o $$@
$$($(1)_UDIR)/user/memory.c.o: Kernel/memory.c
	@mkdir -p $$(@D)
	$$($(1)_CC) $$(KERNEL_C_FLAGS) $$($(1)_CFLAGS) -c $$< -o $$@
$$($(1)_UDIR)/user/%.elf: $$($(1)_UDIR)/user/%.o $$$$(call program_parts,$(1),$$$$*) $$($(1)_USER_OBJS) Boot/$(1)/user.ld
	$$($(1)_LINK_USER)
# manifest.py rewrites its outputs only when they change; the stamp records the run.
$$($(1)_UDIR)/%/manifest.stamp: User/%.manifest ci/manifest.py $$(wildcard User/Programs/*.swift User/Programs/*/*.swift)
	python3 ci/manifest.py $$< --out $$($(1)_UDIR)/$$* --user-dir $$($(1)_UDIR)/user && touch $$@
$$($(1)_UDIR)/%/SystemTable.swift $$($(1)_UDIR)/%/programs.S: $$($(1)_UDIR)/%/manifest.stamp ;
$$($(1)_UDIR)/%/init.o: User/Programs/init.swift $$($(1)_UDIR)/%/SystemTable.swift $$(USER_SWIFT)
	$$(SWIFTC) -target $$($(1)_SWIFT_TARGET) $$($(1)_SWIFT_FLAGS) $$(USER_SWIFT_FLAGS) -module-name init -c $$(USER_SWIFT) $$< \
	    $$($(1)_UDIR)/$$*/SystemTable.swift -o $$@ && touch $$@
$$($(1)_UDIR)/%/init.elf: $$($(1)_UDIR)/%/init.o $$($(1)_USER_OBJS) Boot/$(1)/user.ld
	$$($(1)_LINK_USER)
# Only the programs the system's manifest names are built for it: a program
# that does not compile stops the systems that run it, not every system.
$$($(1)_UDIR)/%/programs.S.o: $$($(1)_UDIR)/%/programs.S $$($(1)_UDIR)/%/init.elf $$$$(call system_elfs,$(1),$$$$*)
	$$($(1)_CC) -c $$< -o $$@

# A kernel for each system: the test system's with the test image, any other's with the default image.
$$($(1)_DIR)/kernel.elf: $$($(1)_DIR)/kernel.o $$($(1)_OBJS) $$($(1)_UDIR)/default/programs.S.o Boot/$(1)/linker.ld
	$$(LLD) $$($(1)_LDFLAGS) -T Boot/$(1)/linker.ld -o $$@ $$(filter %.o,$$^)
	ci/check_link.sh elf $$@
	python3 ci/kernel_symbols.py $$@
$$($(1)_DIR)/test/kernel.elf: $$($(1)_DIR)/test/kernel.o $$($(1)_OBJS) $$($(1)_UDIR)/test/programs.S.o Boot/$(1)/linker.ld
	$$(LLD) $$($(1)_LDFLAGS) -T Boot/$(1)/linker.ld -o $$@ $$(filter %.o,$$^)
	ci/check_link.sh elf $$@
	python3 ci/kernel_symbols.py $$@
$$($(1)_DIR)/%/kernel.elf: $$($(1)_DIR)/kernel.o $$($(1)_OBJS) $$($(1)_UDIR)/%/programs.S.o Boot/$(1)/linker.ld
	$$(LLD) $$($(1)_LDFLAGS) -T Boot/$(1)/linker.ld -o $$@ $$(filter %.o,$$^)
	ci/check_link.sh elf $$@
	python3 ci/kernel_symbols.py $$@

# make run-<arch> [SYSTEM=test|<name of a User/*.manifest>] [PT=...] [RAM=...]
# The QEMU command comes from the arch's one machine description (Arch/<arch>/machine.json, ci/machine.py).
run-$(1): $$(call system_dir,$(1),$$(SYSTEM))/$$($(1)_LOADED) | tools-$(1)
	python3 ci/machine.py run $(1) $$< --ram $$(RAM) --append "pt=$$(PT)" --cpu "$$(CPU)" --machine "$$(MACHINE)"

# make debug-<arch>: QEMU halted with its gdb stub, gdb-multiarch attached, a breakpoint at kernelMain.
debug-$(1): $$($(1)_DIR)/$$($(1)_LOADED) $$($(1)_DIR)/kernel.elf | tools-$(1) tools-debug
	BUILD=$$(BUILD) PT=$$(PT) RAM=$$(RAM) CPU="$$(CPU)" MACHINE="$$(MACHINE)" ci/debug.sh $(1) $$(GDB_PORT)
endef
$(foreach a,$(ARCHES),$(eval $(call ARCH_RULES,$(a))))

# Kept names for the two first arches' build folders (the scripts below use them).
I386 := $(BUILD)/i386
A64 := $(BUILD)/aarch64
# Empty: the machine description's own (aarch64: virt, cortex-a57).
CPU ?=
MACHINE ?=

# A bootable GRUB CD image of the i386 kernel (Boot/i386/iso/grub.cfg).
.PHONY: iso run-iso
iso: $(I386)/kernel.iso
$(I386)/kernel.iso: $(I386)/kernel.elf Boot/i386/iso/grub.cfg | tools-iso
	rm -rf $(I386)/iso && mkdir -p $(I386)/iso/boot/grub
	cp $(I386)/kernel.elf $(I386)/iso/boot/kernel.elf
	cp Boot/i386/iso/grub.cfg $(I386)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(I386)/iso 2> $(I386)/grub-mkrescue.log || { cat $(I386)/grub-mkrescue.log; exit 1; }
run-iso: $(I386)/kernel.iso | tools-i386
	python3 ci/machine.py run i386 $< --ram $(RAM) --cdrom

# QEMU halted with its gdb stub, gdb-multiarch attached, a breakpoint at kernelMain.
# (make debug-<arch>, one rule per arch in ARCH_RULES; ci/debug.sh.)
GDB_PORT ?= 1234

# --- tests ------------------------------------------------------------------
# make test: every build first, two at a time (the host tests' build, both
# kernels, the heap-debug kernels, the fuzzer), then the runs one after another
# (the boot tests use both CPUs themselves). `make -j1 test` works too.
.PHONY: test-build test-host-build heap-debug-kernels test-run
test: | tools-test
	$(MAKE) --no-print-directory lint
	ci/test_ensure_tools.sh
	python3 ci/test_manifest.py
	python3 ci/syscall_doc.py --check
	@start=$$(date +%s); $(MAKE) --no-print-directory -j2 test-build && \
	    echo "test: builds took $$(( $$(date +%s) - start )) s"
	@$(MAKE) --no-print-directory test-run
test-build: kernels heap-debug-kernels test-host-build fuzz-build parser-fuzz-build parsers32-build iso
# The test bundle only: the benchmarks' executables (each compiling the core
# again) are built by their own targets, in release.
HOST_TESTS := SwiftMicrokernelPackageTests
test-host-build: ; swift build --product $(HOST_TESTS)
# After the user programs and systems it shares with the normal build (built here, not twice at once).
heap-debug-kernels: $(foreach a,$(ARCHES),$(BUILD)/$(a)/test/programs.S.o)
	$(MAKE) --no-print-directory HEAP_DEBUG=1 test-kernels
test-run:
	@mkdir -p $(BUILD); t=$$(date +%s); swift test --skip-build > $(BUILD)/host-tests.log 2>&1; status=$$?; \
	    grep -E "error:" $(BUILD)/host-tests.log | head -25; grep -E "Executed [0-9]+ tests" $(BUILD)/host-tests.log | tail -1; \
	    [[ $$status -eq 0 ]] || { echo "host tests failed: $(BUILD)/host-tests.log"; exit 1; }; \
	    echo "test: host tests took $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory boot-checks && echo "test: boot tests took $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory test-fuzz && echo "test: heap fuzz pass took $$(( $$(date +%s) - t )) s"
	@t=$$(date +%s); $(MAKE) --no-print-directory test-fuzz-parsers test-fuzz-parsers32 && \
	    echo "test: parser fuzz passes (64-bit host, 32-bit i386) took $$(( $$(date +%s) - t )) s"
test-host: | tools
	ci/test_ensure_tools.sh
	swift build --product $(HOST_TESTS)
	swift test --skip-build
test-boot: kernels heap-debug-kernels iso | tools-test
	$(MAKE) --no-print-directory boot-checks
.PHONY: boot-checks
boot-checks:
	$(foreach a,$(ARCHES),python3 ci/check_handlers.py $(BUILD)/$(a)/kernel.elf $($(a)_HANDLERS) \
	    --reaches printBacktrace --reaches SymbolTableV6lookup &&) true
	python3 ci/boot_test.py
	python3 ci/debug_test.py
	BUILD=build/heap-debug HEAP_DEBUG=1 python3 ci/boot_test.py --only "128M"

# --- heap fuzzing (libFuzzer) --------------------------------------------------
FUZZ := $(BUILD)/fuzz/heap-fuzz
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -max_len=4096 -len_control=0
# The heap alone, as the user programs carry it (a quarter of the time all of Sources/ took).
HEAP_FUZZ_SOURCES := $(filter-out %/HeapRegion.swift,$(wildcard Sources/Heap/*.swift))
$(FUZZ): $(HEAP_FUZZ_SOURCES) Fuzz/HeapFuzz/main.swift
	mkdir -p $(dir $@)
	$(SWIFTC) -sanitize=fuzzer $(if $(FUZZ_ASAN),-sanitize=address) -parse-as-library -O -module-name HeapFuzz \
	    $(HEAP_FUZZ_SOURCES) Fuzz/HeapFuzz/main.swift -o $@
# make fuzz [FUZZ_SECONDS=600] [FUZZ_ASAN=1]: fuzz for a while, keeping the corpus in build/fuzz/corpus.
.PHONY: fuzz test-fuzz fuzz-build
fuzz-build: $(FUZZ)
fuzz: $(FUZZ)
	mkdir -p $(BUILD)/fuzz/corpus
	SWIFT_BACKTRACE=enable=no $(FUZZ) $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) $(BUILD)/fuzz/corpus
# The short fixed-seed pass of make test: at least 10^6 heap operations.
test-fuzz: $(FUZZ)
	rm -rf $(BUILD)/fuzz/seed-corpus && mkdir -p $(BUILD)/fuzz/seed-corpus
	set -o pipefail; SWIFT_BACKTRACE=enable=no $(FUZZ) $(FUZZ_FLAGS) -seed=1 -runs=14000 $(BUILD)/fuzz/seed-corpus 2>&1 | tee $(BUILD)/fuzz/last-run.log | tail -1
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
# The parsers and what they feed (boot, loader, memory), with every arch's
# device matchers (Arch/*/Devices) fuzzed on the same trees.
PARSER_FUZZ_SOURCES := $(shell find Sources/Boot Sources/Loader Sources/Memory Sources/Support $(wildcard Arch/*/Devices) -name '*.swift')
$(PARSER_FUZZ): $(PARSER_FUZZ_SOURCES) Fuzz/ParserFuzz/Targets.swift Fuzz/ParserFuzz/main.swift
	mkdir -p $(dir $@)
	$(SWIFTC) -sanitize=fuzzer,address -parse-as-library -O -module-name ParserFuzz \
	    $(PARSER_FUZZ_SOURCES) Fuzz/ParserFuzz/Targets.swift Fuzz/ParserFuzz/main.swift -o $@ 2>&1 | grep -v "Cannot export local symbol" || true
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
# The same checks on the parsers as the i386 kernel builds them (Embedded Swift
# for i686, 32-bit Int), run under QEMU's i386 user mode on every seed and
# RUNS fixed mutations of each (Fuzz/Parsers32): what a 64-bit host cannot reach.
PARSERS32 := $(BUILD)/fuzz/parsers32
PARSERS32_RUNS_devicetree := 150
PARSERS32_RUNS_multiboot := 500
PARSERS32_RUNS_elf := 1000
.PHONY: parsers32-build test-fuzz-parsers32
parsers32-build: $(PARSERS32)
$(PARSERS32): $(PARSER_FUZZ_SOURCES) Fuzz/ParserFuzz/Targets.swift Fuzz/Parsers32/main.swift Fuzz/Parsers32/linux.c \
    Kernel/memory.c $(BUILD)/i386/int64.c.o
	@mkdir -p $(dir $@)
	$(SWIFTC) -target i686-unknown-none-elf $(USER_SWIFT_FLAGS) -module-name Parsers32 -c \
	    $(PARSER_FUZZ_SOURCES) Fuzz/ParserFuzz/Targets.swift Fuzz/Parsers32/main.swift -o $@.o
	$(CLANG) --target=i686-unknown-none-elf $(KERNEL_C_FLAGS) -fomit-frame-pointer -c Fuzz/Parsers32/linux.c -o $@.linux.o
	$(CLANG) --target=i686-unknown-none-elf $(KERNEL_C_FLAGS) -c Kernel/memory.c -o $@.memory.o
	$(LLD) -m elf_i386 -static -e _start -o $@ $@.o $@.linux.o $@.memory.o $(BUILD)/i386/int64.c.o
test-fuzz-parsers32: $(PARSERS32) | tools-user-i386
	@$(foreach t,$(PARSER_TARGETS),qemu-i386 $(PARSERS32) $(t) $(PARSERS32_RUNS_$(t)) $(BUILD)/fuzz/parsers32-$(t)-failed \
	    Fuzz/corpus/$(t)/* &&) true
# make fuzz-parsers [FUZZ_SECONDS=600]: each target for that long, keeping its corpus in build/fuzz/<target>-long.
fuzz-parsers: $(PARSER_FUZZ)
	for t in $(PARSER_TARGETS); do mkdir -p $(BUILD)/fuzz/$$t-long; \
	    FUZZ_TARGET=$$t SWIFT_BACKTRACE=enable=no $(PARSER_FUZZ) -max_len=65536 -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=$(BUILD)/fuzz/$$t- \
	        $(BUILD)/fuzz/$$t-long Fuzz/corpus/$$t || exit 1; done

# --- benchmarks (not part of make test) --------------------------------------
# The toolchain's formatter with the house style (.swift-format: 4 spaces, lines
# up to 140, statements joined with `;` and `var a = 0, b = 0` allowed): no finding.
.PHONY: lint format
SWIFT_FILES = $(shell git ls-files '*.swift' 2>/dev/null || find Sources Kernel Arch User Tests Fuzz Bench -name '*.swift' -not -path '*/Core/*')
lint: ; @out=$$(swift format lint $(SWIFT_FILES) 2>&1); [[ -z "$$out" ]] || { echo "$$out" | head -40; echo "lint: $$(echo "$$out" | wc -l) findings (make format fixes the layout ones)"; exit 1; }; echo "lint: no findings in $(words $(SWIFT_FILES)) files"
format: ; swift format format -i $(SWIFT_FILES)

.PHONY: bench bench-strategies bench-heap bench-ipc bench-frames int64-vectors sizes syscall-doc
# The frame allocator's cost against RAM size and fullness (callgrind); writes docs/frame-benchmarks.md.
bench-frames:
	command -v valgrind >/dev/null || ci/ensure-tools.sh valgrind
	swift build -c release --product frame-bench
	python3 ci/bench_frames.py
# The system-call table (docs/syscalls.md) from Sources/IPC/SyscallABI.swift and each arch's user gate.
syscall-doc: ; python3 ci/syscall_doc.py
# Guest instructions per IPC round trip and per null system call (QEMU -icount); writes docs/ipc-benchmarks.md.
bench-ipc: $(foreach a,$(ARCHES),$(BUILD)/$(a)/bench/$($(a)_LOADED)) | tools
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
	for t in Bench/Traces/*.trace.gz; do gzip -dc $$t > $(BUILD)/traces/$$(basename $$t .gz); done
	python3 ci/bench_heap.py $(BUILD)/traces
# Records the real programs' traces in Bench/Traces (valgrind --trace-malloc); their
# commands are here and in each trace's header. Rerun only to replace them.
.PHONY: record-traces
record-traces:
	command -v valgrind >/dev/null || ci/ensure-tools.sh valgrind
	python3 ci/record_trace.py Bench/Traces/git-log.trace.gz 150000 \
	    "git's history walk with diffs: many short strings, hash tables, reallocs" \
	    -- git log -p --no-color fd94cdd
	python3 ci/record_trace.py Bench/Traces/python-compile.trace.gz 150000 \
	    "CPython (every object from malloc) parsing and compiling two standard-library modules" \
	    -- PYTHONMALLOC=malloc PYTHONHASHSEED=0 /usr/bin/python3.11 -c "import ast; [compile(ast.parse(open(f).read()), f, 'exec') \
	    for f in ('/usr/lib/python3.11/argparse.py', '/usr/lib/python3.11/typing.py')]"
# Boots every strategy on every arch and writes docs/page-table-strategies.md.
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
tools-test: ; @ci/ensure-tools.sh all debug iso user-i386
# tools-<arch> (QEMU for that guest), tools-debug, tools-iso: what ci/ensure-tools.sh calls them.
tools-%: ; @ci/ensure-tools.sh $*

clean:
	rm -rf $(BUILD)
