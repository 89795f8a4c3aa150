#!/usr/bin/env python3
"""Boot tests: boot each kernel under QEMU with a timeout, read the serial log
and QEMU's exit status, and check what the boot must show.

A pass needs the kernel's own pass status (i386: 33 through isa-debug-exit),
so a triple fault (QEMU status 0 with -no-reboot) or a hang (timeout) fails.
Usage: boot_test.py [--arch i386|aarch64|riscv64] [--only SUBSTRING] [--list]
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

import machine
import shell_session
import task_checks
import thread_checks

BUILD = os.environ.get("BUILD", "build")
TIMEOUT = 30


# Most cases boot the test image (Kernel/Images/Test, User/test.manifest): it
# runs the in-kernel checks, then init starts the test system. The default
# image's cases (image="default") boot what make run-<arch> boots. Every QEMU
# command comes from the arch's machine description (ci/machine.py).


def kernel(arch, image):
    loaded = machine.get(arch, "loaded")
    return f"{BUILD}/{arch}/{loaded}" if image == "default" else f"{BUILD}/{arch}/{image}/{loaded}"


def qemu_i386(ram, append, image="test"):
    return machine.command("i386", kernel("i386", image), ram, append)


I386_PASS, I386_FAIL = machine.get("i386", "pass"), machine.get("i386", "fail")
# aarch64 leaves through semihosting SYS_EXIT with the same codes, or through
# PSCI SYSTEM_OFF (status 0) when semihosting is not asked for.
A64_PASS, A64_FAIL, A64_POWER_OFF = machine.get("aarch64", "pass"), machine.get("aarch64", "fail"), 0


def qemu_aarch64(ram, append, machine_type=None, cpu=None, extra=(), semihosting=True, image="test"):
    return machine.command("aarch64", kernel("aarch64", image), ram, append, cpu=cpu, machine=machine_type, extra=extra,
                           exit_device=semihosting)


# riscv64 leaves through virt's test device with the same codes.
RV_PASS, RV_FAIL = machine.get("riscv64", "pass"), machine.get("riscv64", "fail")


def qemu_riscv64(ram, append, extra=(), image="test"):
    return machine.command("riscv64", kernel("riscv64", image), ram, append, extra=extra)


def damaged_dtb():
    """QEMU virt's own tree with 20 nested nodes added under the root: libfdt
    (and so QEMU) accepts it, the kernel's parser refuses it (limit 16)."""
    import struct
    path = f"{BUILD}/boot-logs/deep.dtb"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run([machine.get("aarch64", "qemu"), "-M", f"{machine.get('aarch64', 'machine')},dumpdtb={path}", "-m", "128M",
                    "-display", "none"],
                   capture_output=True, check=True)
    blob = bytearray(open(path, "rb").read())
    magic, total, off_struct, off_strings, off_rsv, version, last, cpu, size_strings, size_struct = \
        struct.unpack(">10I", blob[:40])
    end = off_struct + size_struct
    assert blob[end - 8:end] == struct.pack(">II", 2, 9), "struct block should end with END_NODE, END"
    nest = b"".join(struct.pack(">I", 1) + b"n\0\0\0" for _ in range(20)) + struct.pack(">I", 2) * 20
    blob[end - 8:end - 8] = nest
    header = struct.pack(">10I", magic, total + len(nest), off_struct,
                         off_strings + len(nest) if off_strings > off_struct else off_strings, off_rsv,
                         version, last, cpu, size_strings, size_struct + len(nest))
    blob[:40] = header
    blob = blob[:total + len(nest)]
    open(path, "wb").write(blob)
    return path


def top_reservation_dtb(arch):
    """`arch`'s QEMU virt tree with two /memreserve/ entries at the top of the
    address space: one ending at exactly 2^64 and one wrapping past it. Issue
    21, bug 5.1: the boot budget's alignUp trapped on them."""
    import struct
    path = f"{BUILD}/boot-logs/{arch}-top-reservations.dtb"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run([machine.get(arch, "qemu"), "-M", f"{machine.get(arch, 'machine')},dumpdtb={path}", "-m", "128M",
                    "-display", "none"], capture_output=True, check=True)
    blob = bytearray(open(path, "rb").read())
    magic, total, off_struct, off_strings, off_rsv, *rest = struct.unpack(">10I", blob[:40])
    assert off_rsv < off_struct and off_rsv < off_strings, "the reservation block should come first"
    added = struct.pack(">4Q", 0xFFFF_FFFF_FFFF_F000, 0x1000, 0xFFFF_FFFF_0000_0000, 0x2_0000_0000)
    blob[off_rsv:off_rsv] = added
    blob[:20] = struct.pack(">5I", magic, total + len(added), off_struct + len(added), off_strings + len(added), off_rsv)
    open(path, "wb").write(blob[:total + len(added)])
    return path


# Threads the test image's faults kill: the thread demo's four scratch threads,
# then the intruder, the scribbler and the victim; on aarch64 also the prober
# (i386 stops its sgdt only with UMIP).
FAULT_KILLS = {"i386": 8, "aarch64": 9, "riscv64": 9}
# Messages delivered in the test system: the servers', plus the orphan's call to the victim.
TEST_MESSAGES = task_checks.SERVED + task_checks.JAMMED_SERVED + task_checks.SIGNALS_SERVED + 1


def summary(log):
    """The KERNEL OK line as a dict, or None."""
    m = re.search(r"^KERNEL OK (.*)$", log, re.M)
    if not m:
        return None
    return dict(kv.split("=", 1) for kv in m.group(1).split())


class Case:
    """A boot: its QEMU command, the exit status it must end with, the checks of
    its log, and for a system with the shell the script typed into it
    (ci/machine.py converse: item i at the shell's prompt i + 1; an item may be
    a function of the log so far)."""
    def __init__(self, name, arch, command, status, checks, script=()):
        self.name, self.arch, self.command, self.status, self.checks = name, arch, command, status, checks
        self.script = list(script)


def ok_boot(arch, **want):
    """Checks for a passing boot: the summary line with the given fields."""
    def check(log):
        s = summary(log)
        if s is None:
            return "no 'KERNEL OK' line"
        if "KERNEL FAIL" in log:
            return "'KERNEL FAIL' in the log"
        if s.get("arch") != arch:
            return f"arch={s.get('arch')}, want {arch}"
        for key, test in want.items():
            if key not in s:
                return f"summary lacks {key}"
            if not test(s[key]):
                return f"{key}={s[key]} is not what this boot must show"
        return None
    return check


def contains(*patterns):
    return log_search(patterns, present=True)


def lacks(*patterns):
    return log_search(patterns, present=False)


def log_search(patterns, present):
    """A check that each pattern is (or is not) somewhere in the log."""
    def check(log):
        for p in patterns:
            if bool(re.search(p, log, re.M)) != present:
                return f"log {'lacks' if present else 'has'} /{p}/"
        return None
    return check


def at_least(n):
    return lambda v: int(v) >= n


def direct_map_tables_at_most(n):
    """The boot's 'direct map built with N tables' line, N at most n: a map of
    large leaves needs a handful of tables whatever the RAM; one of 4 KiB pages
    needs one table per 2 MiB (4,107 for 8 GiB on riscv64)."""
    def check(log):
        m = re.search(r"direct map built with (\d+) tables", log)
        if not m:
            return "no 'direct map built with N tables' line"
        return None if int(m.group(1)) <= n else f"direct map took {m.group(1)} tables, want at most {n}"
    return check


def equals(x):
    return lambda v: v == str(x)


def default_system(arch, qemu, passed):
    """What make run-<arch> boots: the default image and User/default.manifest,
    with a session typed into its shell (ci/shell_session.py)."""
    shell = shell_session
    return Case(f"{arch} default system (make run-{arch})", arch, qemu("128M", "pt=spare", image="default"), passed, [
        ok_boot(arch, image=equals("default"), tasks=equals(task_checks.DEFAULT_TASKS + shell.STARTED),
                messages=equals(task_checks.SERVED + shell.MESSAGES)),
        *task_checks.system_checks(arch), *shell.checks(),
        contains(r"^system: init started as task 1 with \d+ programs embedded$",
                 r"^hello> hello from my first program: 1 \+ \.\.\. \+ 10 = 55$"),
        # Nothing of the test image: no self-test, no thread demo, no fuzzer.
        lacks(r"^self-test:", r"^threads: \d+ counting threads", r"^sysfuzz:", r"^thread [A-Z]: ")], script=shell.SCRIPT)


def cases():
    c = [default_system("i386", qemu_i386, I386_PASS), default_system("aarch64", qemu_aarch64, A64_PASS),
         default_system("riscv64", qemu_riscv64, RV_PASS)]
    # Both strategies, on RAM that lets the heap reach its goal and on RAM it exhausts.
    for pt, tables in (("spare", at_least(16)), ("prereserve", equals(64))):
        c.append(Case(f"i386 {pt} 128M", "i386", qemu_i386("128M", f"pt={pt}"), I386_PASS, [
            ok_boot("i386", strategy=equals(pt), exhausted=equals("no"),
                    selftest_heap_kib=at_least(64 << 10), tables=tables, killed=equals(FAULT_KILLS["i386"]), ticks=at_least(60),
                    tasks=equals(task_checks.TEST_TASKS), messages=equals(TEST_MESSAGES),
                    # Heap growth after the tasks exist adds page-directory entries their
                    # roots lack (repaired on the first fault), unless every heap table
                    # was installed at boot (prereserve).
                    synced=at_least(1) if pt == "spare" else equals(0)),
            contains(r"^tasks: [1-9]\d* system calls counted in the late heap block"),
            # The 64-bit helpers (Arch/i386/Int64) recomputed on the i386 CPU.
            contains(r"^int64: \d+ vectors of 64-bit divide, remainder, shift and multiply match the host's"),
            *thread_checks.all_checks("i386"), *task_checks.all_checks("i386"),
            contains(r"^memory map:", r"^frames: \d+ free", r"^paging: on", rf"^strategy: {pt}",
                     r"^heap grown: break 0xd[0-9a-f]{7}")]))
        c.append(Case(f"i386 {pt} 32M exhausts", "i386", qemu_i386("32M", f"pt={pt}"), I386_PASS, [
            ok_boot("i386", strategy=equals(pt), exhausted=equals("yes")),
            contains(r"heap exhausted at \d+ KiB: no free physical frame; growth stopped cleanly")]))
    # The other three strategies, and what each must show.
    c += strategy_cases("i386", qemu_i386, I386_PASS, I386_FAIL, pool_cap_kib=5 * 4096,
                        guard_fault=r"\(protection violation, write, kernel\)", open_fault=r"\(page not present, write, kernel\)")
    c.append(Case("i386 spare 1G", "i386", qemu_i386("1G", "pt=spare"), I386_PASS, [
        ok_boot("i386", exhausted=equals("no"), ram_mib=at_least(1000))]))
    c.append(Case("i386 bad pt= is refused with the valid list", "i386", qemu_i386("64M", "pt=bogus"), I386_PASS, [
        ok_boot("i386", strategy=equals("spare")),
        contains(r'unknown pt="bogus"; valid values: spare, prereserve')]))
    c.append(Case("i386 GRUB ISO boots with GRUB's command line", "i386",
                  machine.command("i386", f"{BUILD}/i386/kernel.iso", "128M", cdrom=True), I386_PASS, [
        ok_boot("i386", image=equals("default"), strategy=equals("prereserve"), tasks=equals(task_checks.DEFAULT_TASKS)),
        contains(r'Booting `swift-microkernel \(pt=prereserve\)', r'^command line: "pt=prereserve"')],
        script=[b"halt\n"]))
    c += low_memory_cases("i386", qemu_i386, I386_PASS, I386_FAIL)
    c.append(Case("i386 UMIP: a task's sgdt faults", "i386", qemu_i386("64M", "pt=spare") + ["-cpu", "qemu32,+umip"], I386_PASS, [
        ok_boot("i386"), contains(r"^cpu: UMIP on: sgdt"), task_checks.privileged_probe("i386", umip=True)]))
    c.append(Case("i386 system-call fuzzer, seed 4242", "i386", qemu_i386("64M", "pt=spare fuzzseed=4242"), I386_PASS, [
        ok_boot("i386"), task_checks.syscall_fuzz, contains(r"sysfuzz: 1000 calls, \d+ refused, seed 4242$")]))
    # A CPU without SSE2 is named and refused (it used to triple-fault silently: QEMU status 0).
    for cpu, missing in (("pentium", "FXSR SSE SSE2"), ("pentium3", "SSE2")):
        c.append(Case(f"i386 -cpu {cpu} is refused with the missing features", "i386",
                      qemu_i386("64M", "pt=spare") + ["-cpu", cpu], I386_FAIL, [
            contains(rf"^boot: this CPU lacks {missing} \(CPUID.1:EDX\); the kernel needs SSE2", r"^KERNEL FAIL arch=i386"),
            lacks(r"^KERNEL OK", r"swift-microkernel")]))
    c.append(Case("i386 3500M: RAM above the direct map is reported", "i386", qemu_i386("3500M", "pt=spare"), I386_PASS, [
        ok_boot("i386", exhausted=equals("no")),
        contains(r"^memory: 4\d\d\d\d\d KiB of RAM at or above 0xc0000000 is not used: the kernel reaches physical "
                 r"memory through its direct map, which ends there")]))
    c += crash_cases("i386", qemu_i386, I386_FAIL,
                     null=r"page fault vector=14 .* cr2=0x00000000 \(page not present, read, kernel\)",
                     writecode=r"page fault vector=14 .* \(protection violation, write, kernel\)")

    # aarch64: both strategies, two RAM sizes, two CPUs, EL2 entry, SMP, both exits.
    for pt, tables in (("spare", at_least(32)), ("prereserve", equals(129))):
        # prereserve: 128 leaf tables (2 MiB each) cover the 256 MiB window, plus one
        # new level-2 table; the level-1 table is shared with the direct map.
        c.append(Case(f"aarch64 {pt} 128M", "aarch64", qemu_aarch64("128M", f"pt={pt}"), A64_PASS, [
            ok_boot("aarch64", strategy=equals(pt), exhausted=equals("no"), selftest_heap_kib=at_least(64 << 10), tables=tables,
                    killed=equals(FAULT_KILLS["aarch64"]), ticks=at_least(60), tasks=equals(task_checks.TEST_TASKS),
                    messages=equals(TEST_MESSAGES),
                    synced=equals(0)),  # the kernel's whole level-0 entry is shared
            *thread_checks.all_checks("aarch64"), *task_checks.all_checks("aarch64"),
            contains(r"^boot: entered at EL1, running at EL1; device tree at 0x", r"^memory map:", r"^timer: GICv2 at 0x",
                     r"^paging: on", rf"^strategy: {pt}", r"^heap grown: break 0x00000010")]))
        c.append(Case(f"aarch64 {pt} 32M exhausts", "aarch64", qemu_aarch64("32M", f"pt={pt}"), A64_PASS, [
            ok_boot("aarch64", strategy=equals(pt), exhausted=equals("yes")),
            contains(r"heap exhausted at \d+ KiB: no free physical frame; growth stopped cleanly")]))
    c += strategy_cases("aarch64", qemu_aarch64, A64_PASS, A64_FAIL, pool_cap_kib=5 * 2048,
                        guard_fault=r"\(write, permission fault\)", open_fault=r"\(write, translation fault\)")
    c.append(Case("aarch64 cortex-a53", "aarch64", qemu_aarch64("128M", "pt=spare", cpu="cortex-a53"), A64_PASS, [
        ok_boot("aarch64", exhausted=equals("no"))]))
    c.append(Case("aarch64 4G: the direct map is made of blocks", "aarch64", qemu_aarch64("4G", "pt=spare"), A64_PASS, [
        ok_boot("aarch64", ram_mib=at_least(4000)), direct_map_tables_at_most(16)]))
    c.append(Case("aarch64 cpu max 1G", "aarch64", qemu_aarch64("1G", "pt=prereserve", cpu="max"), A64_PASS, [
        ok_boot("aarch64", exhausted=equals("no"), ram_mib=at_least(1000))]))
    c.append(Case("aarch64 EL2 entry drops to EL1", "aarch64",
                  qemu_aarch64("128M", "pt=spare", machine_type="virt,virtualization=on", cpu="max"), A64_PASS, [
        ok_boot("aarch64"), contains(r"^boot: entered at EL2, running at EL1")]))
    c.append(Case("aarch64 -smp 2 parks the secondary", "aarch64",
                  qemu_aarch64("128M", "pt=spare", cpu="cortex-a53", extra=("-smp", "2")), A64_PASS, [
        ok_boot("aarch64"), lacks(r"swift-microkernel: Embedded Swift on aarch64[\s\S]*swift-microkernel")]))
    c.append(Case("aarch64 PSCI power-off with the marker", "aarch64",
                  qemu_aarch64("64M", "pt=spare", semihosting=False), A64_POWER_OFF, [ok_boot("aarch64")]))
    c.append(Case("aarch64 bad pt= is refused with the valid list", "aarch64",
                  qemu_aarch64("64M", "pt=pool:x"), A64_PASS, [
        ok_boot("aarch64", strategy=equals("spare")),
        contains(r'unknown pt="pool:x"; valid values: spare, prereserve')]))
    c += low_memory_cases("aarch64", qemu_aarch64, A64_PASS, A64_FAIL)
    c.append(Case("aarch64 system-call fuzzer, seed 4242", "aarch64", qemu_aarch64("64M", "pt=spare fuzzseed=4242"), A64_PASS, [
        ok_boot("aarch64"), task_checks.syscall_fuzz, contains(r"sysfuzz: 1000 calls, \d+ refused, seed 4242$")]))
    # secure=on lists a disabled, Secure-only PL011 first; /chosen/stdout-path names the right one.
    c.append(Case("aarch64 secure=on: the enabled UART is the console", "aarch64",
                  qemu_aarch64("128M", "pt=spare", machine_type="virt,secure=on"), A64_PASS, [ok_boot("aarch64", tasks=equals(task_checks.TEST_TASKS))]))
    # Nine NUMA nodes are nine memory nodes, listed high to low: every one is used.
    numa = [a for i in range(9) for a in ("-object", f"memory-backend-ram,id=m{i},size=64M", "-numa", f"node,memdev=m{i}")]
    c.append(Case("aarch64 nine NUMA memory nodes are all used", "aarch64",
                  qemu_aarch64("576M", "pt=spare", extra=tuple(numa)), A64_PASS, [
        ok_boot("aarch64", ram_mib=at_least(570)), lacks(r"did not fit the boot memory map")]))
    c += crash_cases("aarch64", qemu_aarch64, A64_FAIL,
                     null=r"data abort vector=0 esr=0x\w+ \(EC 0x00000025\) far=0x00000000 elr=0x\w+ \(read, translation fault\)",
                     writecode=r"data abort vector=0 .* \(write, permission fault\)")
    c.append(Case("aarch64 reservations at the top of the address space", "aarch64",
                  lambda: qemu_aarch64("128M", "pt=spare", extra=("-dtb", top_reservation_dtb("aarch64"))), A64_PASS, [
        ok_boot("aarch64", tasks=equals(task_checks.TEST_TASKS)), contains(r"^  0xffffffff00000000-0xffffffffffffffff reserved")]))
    c.append(Case("aarch64 damaged device tree is refused", "aarch64",
                  lambda: qemu_aarch64("128M", "pt=spare", extra=("-dtb", damaged_dtb())), A64_FAIL, [
        contains(r"^boot: bad device tree at 0x\w+: nodes nested too deep", r"^KERNEL FAIL arch=aarch64"),
        lacks(r"^KERNEL OK", r"^memory map:")]))
    for machine_type, cpu, el in (("virt,gic-version=3", "cortex-a57", 1), ("virt,gic-version=3,virtualization=on", "max", 2)):
        c.append(Case(f"aarch64 GICv3 entered at EL{el}", "aarch64", qemu_aarch64("128M", "pt=spare", machine_type=machine_type, cpu=cpu), A64_PASS, [
            ok_boot("aarch64", killed=equals(FAULT_KILLS["aarch64"]), ticks=at_least(60), tasks=equals(task_checks.TEST_TASKS),
                    messages=equals(TEST_MESSAGES)),
            contains(r"^timer: GICv3 at 0x", rf"^boot: entered at EL{el}, running at EL1"),
            *thread_checks.all_checks("aarch64"), *task_checks.all_checks("aarch64")]))
    c += riscv64_cases()
    return c


def riscv64_cases():
    """riscv64 under OpenSBI: every strategy, RAM from the low-memory threshold to
    1 GiB, a second hart, and the fault reports. Its backtraces name the faulting
    function only (the frame walker knows i386's and aarch64's frame records), so
    the two backtrace cases of crash_cases are not run here."""
    arch = "riscv64"
    c = []
    # prereserve: 128 leaf tables (2 MiB each) cover the 256 MiB window, plus the
    # window's own level-1 table (its root entry is the heap's alone).
    for pt, tables in (("spare", at_least(32)), ("prereserve", equals(129))):
        c.append(Case(f"riscv64 {pt} 128M", arch, qemu_riscv64("128M", f"pt={pt}"), RV_PASS, [
            ok_boot(arch, strategy=equals(pt), exhausted=equals("no"), selftest_heap_kib=at_least(64 << 10), tables=tables,
                    killed=equals(FAULT_KILLS[arch]), ticks=at_least(60), tasks=equals(task_checks.TEST_TASKS),
                    messages=equals(TEST_MESSAGES), synced=equals(0)),   # the heap's root entry is shared whole
            *thread_checks.all_checks(arch), *task_checks.all_checks(arch),
            contains(r"^boot: hart 0 in S-mode under SBI; device tree at 0x", r"^memory map:", r"^timer: SBI ",
                     r"^boot: PLIC at 0x", r"^paging: on", rf"^strategy: {pt}", r"^heap grown: break 0x00000010")]))
    c.append(Case("riscv64 spare 32M exhausts", arch, qemu_riscv64("32M", "pt=spare"), RV_PASS, [
        ok_boot(arch, strategy=equals("spare"), exhausted=equals("yes")),
        contains(r"heap exhausted at \d+ KiB: no free physical frame; growth stopped cleanly")]))
    c += strategy_cases(arch, qemu_riscv64, RV_PASS, RV_FAIL, pool_cap_kib=5 * 2048,
                        guard_fault=r"store page fault .*\(from S-mode\)", open_fault=r"store page fault .*\(from S-mode\)")
    c.append(Case("riscv64 64M", arch, qemu_riscv64("64M", "pt=spare"), RV_PASS, [
        ok_boot(arch, tasks=equals(task_checks.TEST_TASKS), killed=equals(FAULT_KILLS[arch]))]))
    c.append(Case("riscv64 8G: the direct map is made of megapages and gigapages", arch, qemu_riscv64("8G", "pt=spare"),
                  RV_PASS, [ok_boot(arch, ram_mib=at_least(8000)), direct_map_tables_at_most(16)]))
    c.append(Case("riscv64 1G", arch, qemu_riscv64("1G", "pt=prereserve"), RV_PASS, [
        ok_boot(arch, exhausted=equals("no"), ram_mib=at_least(1000))]))
    # OpenSBI starts only the boot hart; the kernel says the other one stays parked.
    c.append(Case("riscv64 -smp 2 leaves the second hart parked", arch, qemu_riscv64("128M", "pt=spare", extra=("-smp", "2")),
                  RV_PASS, [ok_boot(arch, tasks=equals(task_checks.TEST_TASKS)),
                            contains(r"^boot: 1 other hart stays parked in the firmware \(never started through SBI HSM\)$"),
                            lacks(r"swift-microkernel: Embedded Swift on riscv64[\s\S]*swift-microkernel")]))
    # Issue 21, bug 5.2: without F and D the boot trapped for ever before its trap vector was set.
    # The report goes through the SBI console, and SBI system reset ends QEMU with status 0.
    c.append(Case("riscv64 a CPU without F and D is refused with what is missing", arch,
                  qemu_riscv64("64M", "pt=spare", extra=("-cpu", "rv64,f=false,d=false")), 0, [
        contains(r"^boot: this CPU lacks the F and D extensions \(floating point\); the kernel is built for RV64GC",
                 r"^KERNEL FAIL arch=riscv64"),
        lacks(r"^KERNEL OK", r"swift-microkernel")]))
    c.append(Case("riscv64 reservations at the top of the address space", arch,
                  lambda: qemu_riscv64("128M", "pt=spare", extra=("-dtb", top_reservation_dtb("riscv64"))), RV_PASS, [
        ok_boot(arch, tasks=equals(task_checks.TEST_TASKS)), contains(r"^  0xffffffff00000000-0xffffffffffffffff reserved")]))
    c.append(Case("riscv64 bad pt= is refused with the valid list", arch, qemu_riscv64("64M", "pt=tails"), RV_PASS, [
        ok_boot(arch, strategy=equals("spare")), contains(r'unknown pt="tails"; valid values: spare, prereserve')]))
    c += low_memory_cases(arch, qemu_riscv64, RV_PASS, RV_FAIL, probe_mib=5)
    c.append(Case("riscv64 system-call fuzzer, seed 4242", arch, qemu_riscv64("64M", "pt=spare fuzzseed=4242"), RV_PASS, [
        ok_boot(arch), task_checks.syscall_fuzz, contains(r"sysfuzz: 1000 calls, \d+ refused, seed 4242$")]))
    c += crash_cases(arch, qemu_riscv64, RV_FAIL,
                     null=r"load page fault scause=0x0000000d sepc=0x\w+ stval=0x00000000 \(from S-mode\)",
                     writecode=r"store page fault scause=0x0000000f .*\(from S-mode\)")
    return c


def low_memory_cases(arch, qemu, passed, failed, probe_mib=4):
    """Too little RAM is refused before the first allocation, with what the boot
    needs and what there is, and no trap. The threshold is not typed in: a small
    boot (4M; riscv64 5M, since QEMU will not place its device tree beside the
    kernel in 4M) says what the boot needs and what that RAM leaves free, which
    gives the RAM size where the check starts to pass (it moves with the image's
    size). The smallest RAM the check accepts must boot; 256 KiB less must be refused."""
    learned = {}
    probe = f"{probe_mib}M"

    def threshold_kib():
        if "kib" not in learned:
            log = subprocess.run(qemu(probe, "pt=spare"), capture_output=True, text=True, timeout=TIMEOUT).stdout
            m = re.search(r"the boot needs (\d+) KiB of free frames and there are (\d+) KiB", log)
            if not m:
                raise RuntimeError(f"{arch} {probe} boot did not say what it needs:\n{log[-800:]}")
            needed, free = int(m.group(1)), int(m.group(2))
            # Free frames grow about one for one with RAM above the probe's (the bitmap
            # and the device tree's place shift a little): round up to 64 KiB, plus 64.
            learned["kib"] = -(-(needed + probe_mib * 1024 - free) // 64) * 64 + 64
        return learned["kib"]

    refused = [contains(r"^memory: too little RAM to boot: the boot needs \d+ KiB of free frames and there are \d+ KiB",
                        r"^memory: needed: page tables \d+ KiB .*, frames set aside for threads and tasks 2 MiB, smallest heap",
                        rf"^KERNEL FAIL arch={arch}"),
               lacks(r"CPU EXCEPTION", r"^KERNEL OK", r"^heap: out of memory")]
    return [Case(f"{arch} {probe} is refused with the amounts", arch, qemu(probe, "pt=spare"), failed, refused),
            Case(f"{arch} just below the threshold is refused", arch,
                 lambda: qemu(f"{threshold_kib() - 256}K", "pt=spare"), failed, refused),
            Case(f"{arch} at the threshold the boot runs to the end", arch,
                 lambda: qemu(f"{threshold_kib()}K", "pt=spare"), passed, [
                ok_boot(arch, exhausted=equals("yes"), tasks=equals(task_checks.TEST_TASKS)), lacks(r"too little RAM")])]


def crash_cases(arch, qemu, failed, null, writecode):
    """The failure path must be loud and must not look like a pass: a null read,
    and a write over kernel code (mapped read-only), each with its fault report."""
    deep = Case(f"{arch} backtrace names three frames in order", arch, qemu("64M", "crash=deep"), failed, [
        # The faulting load may sit in code the machine outliner moved out of
        # crashDepthThree: the report then names both, the outlined code first.
        contains(r"^backtrace:\n  #0 0x\w+ (crashDepthThree\(\)|OUTLINED_FUNCTION_\d+ \+ 0x\w+, outlined from crashDepthThree\(\)) \+ 0x\w+\n"
                 r"  #1 0x\w+ crashDepthTwo\(\) \+ 0x\w+\n"
                 r"  #2 0x\w+ crashDepthOne\(\) \+ 0x\w+\n(  #\d+ .*\n)*?  #\d+ 0x\w+ kernelMain\(_:_:\) \+",
                 rf"^KERNEL FAIL arch={arch}"),
        lacks(r"the read was not stopped", r"^KERNEL OK")])
    panic = Case(f"{arch} a panic prints its backtrace", arch, qemu("64M", "crash=panic"), failed, [
        contains(r"^PANIC: crash=panic: a panic on request\nbacktrace:\n  #0 0x\w+ kernelPanic\(_:\) \+ 0x\w+\n"
                 r"(  #\d+ .*\n)*?  #\d+ 0x\w+ kernelMain\(_:_:\) \+",
                 rf"^KERNEL FAIL arch={arch}"), lacks(r"^KERNEL OK")])
    return [deep, panic, Case(f"{arch} null dereference is reported", arch, qemu("64M", "crash=null"), failed, [
                contains("CPU EXCEPTION: " + null, rf"^KERNEL FAIL arch={arch}"), lacks(r"^KERNEL OK")]),
            Case(f"{arch} kernel code is read-only", arch, qemu("64M", "crash=writecode"), failed, [
                contains(r"^crash=writecode: writing over kernel code at 0x\w+", "CPU EXCEPTION: " + writecode,
                         rf"^KERNEL FAIL arch={arch}"),
                lacks(r"the write was not stopped", r"^KERNEL OK")])]


def strategy_cases(arch, qemu, passed, failed, pool_cap_kib, guard_fault, open_fault):
    """direct, pool:4 and tail on one arch; plus the stray heap write under tail and spare."""
    c = [Case(f"{arch} direct 128M", arch, qemu("128M", "pt=direct"), passed, [
            ok_boot(arch, strategy=equals("direct"), exhausted=equals("no"), selftest_heap_kib=at_least(64 << 10))]),
         # pool:4 caps the heap at the 4 pool tables plus the window's first leaf table.
         Case(f"{arch} pool:4 stops at its cap", arch, qemu("128M", "pt=pool:4"), passed, [
            ok_boot(arch, strategy=equals("pool"), exhausted=equals("yes"), selftest_heap_kib=lambda v: pool_cap_kib - 1024 <= int(v) <= pool_cap_kib),
            contains(r"heap exhausted at \d+ KiB: no frame for a page table; growth stopped cleanly")]),
         Case(f"{arch} tail 128M", arch, qemu("128M", "pt=tail"), passed, [
            ok_boot(arch, strategy=equals("tail"), exhausted=equals("no"), selftest_heap_kib=at_least(64 << 10))]),
         Case(f"{arch} tail 32M exhausts", arch, qemu("32M", "pt=tail"), passed, [
            ok_boot(arch, strategy=equals("tail"), exhausted=equals("yes"))]),
         Case(f"{arch} tail stops a stray heap write with its guard", arch, qemu("64M", "pt=tail crash=stray"), failed, [
            contains(r"^crash=stray: writing one byte at the heap's break", "CPU EXCEPTION: .*" + guard_fault,
                     r"^heap: a stray write hit the held-back heap tail .* its read-only mapping stopped it",
                     rf"^KERNEL FAIL arch={arch}"),
            lacks(r"the write was not stopped", r"^KERNEL OK")]),
         Case(f"{arch} bad frees are refused and the kernel goes on", arch, qemu("128M", "pt=spare crash=badfree"), passed, [
            contains(r"^heap: free: pointer the heap never handed out: 0x",
                     r"^heap: free: double free of 0x\w+ \(block already free, header 0x\w+\)",
                     r"^heap: the free was refused; the heap is unchanged"),
            ok_boot(arch, exhausted=equals("no"))]),
         Case(f"{arch} spare: a stray heap write finds nothing mapped", arch, qemu("64M", "pt=spare crash=stray"), failed, [
            contains("CPU EXCEPTION: .*" + open_fault, r"^heap: an access past the heap's break", rf"^KERNEL FAIL arch={arch}"),
            lacks(r"the write was not stopped", r"^KERNEL OK")])]
    return c


class Log(str):
    """The serial log, plus (host time, line) for each line as it arrived."""
    stamps = ()


def run(case):
    start = time.time()
    command = case.command() if callable(case.command) else case.command
    p = subprocess.Popen(command, stdin=subprocess.PIPE if case.script else subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    stamps, seen = [], bytearray()

    def read():
        partial = b""
        while chunk := os.read(p.stdout.fileno(), 4096):
            seen.extend(chunk)
            *lines, partial = (partial + chunk).split(b"\n")
            stamps.extend((time.monotonic(), line.decode(errors="replace").rstrip("\r")) for line in lines)
        if partial:
            stamps.append((time.monotonic(), partial.decode(errors="replace").rstrip("\r")))
    reader = threading.Thread(target=read)
    reader.start()
    if case.script:
        threading.Thread(target=machine.converse, args=(p, lambda: bytes(seen), case.script), daemon=True).start()
    try:
        status = p.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        status = None
    reader.join()
    log = Log("".join(line + "\n" for _, line in stamps))
    log.stamps = stamps
    problems = []
    if status is None:
        problems.append(f"timed out after {TIMEOUT} s")
    elif status != case.status:
        problems.append(f"QEMU exit status {status}, want {case.status}"
                        + (" (0 means a triple fault or reset)" if status == 0 else ""))
    problems += [p for p in (check(log) for check in case.checks) if p]
    return problems, log, time.time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch")
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    selected = [c for c in cases() if (not args.arch or c.arch == args.arch) and args.only in c.name]
    if os.environ.get("HEAP_DEBUG"):   # kernels built with make HEAP_DEBUG=1 must say so
        for c in selected:
            c.checks.append(contains(r"^heap: debug build \(magic, canary and poison checks\)"))
    if args.list:
        print("\n".join(c.name for c in selected))
        return 0
    failed = 0
    os.makedirs(f"{BUILD}/boot-logs", exist_ok=True)
    # Boots run in parallel (BOOT_JOBS, default: one per CPU); each QEMU is one
    # emulation thread. Results print in the cases' order.
    from concurrent.futures import ThreadPoolExecutor
    jobs = int(os.environ.get("BOOT_JOBS", os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = pool.map(lambda c: (c, *run(c)), selected)
        for case, problems, log, seconds in results:
            failed += report(case, problems, log, seconds)
    print(f"{len(selected) - failed} of {len(selected)} boot tests passed")
    return 1 if failed or not selected else 0


def report(case, problems, log, seconds):
    """Writes the case's log and prints its line; returns 1 for a failure."""
    path = f"{BUILD}/boot-logs/{re.sub(r'[^A-Za-z0-9]+', '-', case.name)}.log"
    with open(path, "w") as f:
        f.write(log)
    if problems:
        print(f"FAIL {case.name} ({seconds:.1f} s): " + "; ".join(problems))
        print("  last lines of " + path + ":")
        for line in log.strip().splitlines()[-12:]:
            print("    " + line)
        return 1
    print(f"ok   {case.name} ({seconds:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
