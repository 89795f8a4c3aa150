#!/usr/bin/env python3
"""make bench-ipc: guest instructions per IPC round trip (call + reply between
two address spaces) and per null system call, on every arch, and writes
docs/ipc-benchmarks.md.

Method: QEMU with -icount shift=0,sleep=off advances the guest clock one
nanosecond per guest instruction. The bench system (User/bench.manifest) runs
the ping-pong task (User/Programs/pingpong.swift) and the server alone; the task
reads the clock through the clock system call around 20000 round trips, 20000
null calls (number 0, refused at decode: trap in, check, trap out) and a loop of
1,000,000 iterations of two instructions. The i386 TSC counts those
nanoseconds; the aarch64 counter runs at 62.5 MHz (16 ns a tick) and the riscv64
time CSR at 10 MHz (100 ns a tick), and the task reports nanoseconds. The loop checks the method: it must come out at 2
instructions an iteration. Counts are deterministic: they repeat run to run.
Usage: python3 ci/bench_ipc.py"""
import bisect
import collections
import os
import re
import socket
import subprocess

from toolchain import tool
import sys
import tempfile
import time

import machine

BUILD = os.environ.get("BUILD", "build")
ICOUNT = ["-icount", "shift=0,sleep=off"]
# The bench system on each arch's machine (its one description, ci/machine.py), counting instructions.
COMMANDS = {arch: machine.command(arch, f"{BUILD}/{arch}/bench/{machine.get(arch, 'loaded')}", "128M", "pt=spare", extra=ICOUNT)
            for arch in machine.arches()}
# Published figures for orientation (L4Re on an Intel N100, its performance page,
# as quoted in issue 15): instructions per one-way IPC between address spaces and
# per null system call.
L4RE_ONE_WAY, L4RE_NULL = 613, 147


def measure(arch):
    out = subprocess.run(COMMANDS[arch], capture_output=True, text=True, timeout=120).stdout
    if "KERNEL OK" not in out:
        raise SystemExit(f"{arch}: the boot did not pass:\n{out[-2000:]}")
    figures = {}
    for key, what in (("round trip", "round trips"), ("null", "null system calls"),
                      ("loop", "iterations of a 2-instruction loop"), ("signal", "signals with no waiter"),
                      ("wake", "signals waking a higher-priority waiter")):
        m = re.search(rf"^pingpong> pingpong: (\d+) {re.escape(what)}, average (\d+) cycles(?: \((\d+) ns\))?", out, re.M)
        if not m:
            raise SystemExit(f"{arch}: no '{what}' line in the boot log")
        # i386: TSC ticks are the nanoseconds; aarch64 and riscv64: the task converts ticks to ns.
        figures[key] = int(m.group(3)) if m.group(3) is not None else int(m.group(2))
    m = re.search(r"^init> init: first system call at (\d+) cycles(?: \((\d+) ns\))? since power-on", out, re.M)
    if not m:
        raise SystemExit(f"{arch}: init did not say when it started")
    figures["init"] = int(m.group(2)) if m.group(2) is not None else int(m.group(1))
    if figures["loop"] != 2:
        raise SystemExit(f"{arch}: the calibration loop came out at {figures['loop']} instructions an iteration, not 2: "
                         "the method does not hold")
    return figures


# Where control leaves a basic block (QEMU ends a translation block there).
BRANCHES = {"i386": re.compile(r"^(j\w*|call\w*|ret\w*|iret\w*|int|int3|ud2|hlt|lret\w*|sysenter|sysexit)$"),
            "aarch64": re.compile(r"^(b|b\.\w+|bl|br|blr|ret|cbz|cbnz|tbz|tbnz|eret|svc|brk|hvc|smc)$"),
            "riscv64": re.compile(r"^(j|jal|jalr|jr|ret|call|tail|beq|bne|blt|bge|bltu|bgeu|beqz|bnez|blez|bgez|bltz|bgtz|"
                                  r"bgt|ble|bgtu|bleu|ecall|ebreak|sret|mret|wfi|unimp)$")}
USER_WINDOW = {"i386": 0xC000_0000, "aarch64": 0x80_0000_0000, "riscv64": 0x20_0000_0000}


def profile(arch, seconds=0.1):
    """Kernel instructions by function while the tasks run: QEMU logs every
    translation block it executes (`log exec,nochain`, switched on through its
    monitor once init has started the ping-pong: the bench system, User/bench.manifest,
    runs only it and the server), and each block
    is weighed by the instructions from its start to the next branch in the
    kernel's disassembly. An estimate of shares, not a count."""
    with tempfile.TemporaryDirectory() as tmp:
        serial, log, mon = f"{tmp}/serial", f"{tmp}/exec.log", f"{tmp}/mon.sock"
        cmd = [a if a != "stdio" else f"file:{serial}" for a in COMMANDS[arch]] + ["-monitor", f"unix:{mon},server,nowait", "-D", log]
        q = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        start = time.time()
        while time.time() - start < 60:
            if os.path.exists(serial) and "init> init: pingpong started" in open(serial, errors="replace").read():
                break
            time.sleep(0.002)
        s = socket.socket(socket.AF_UNIX)
        s.connect(mon)
        s.send(b"log exec,nochain\n"); time.sleep(seconds); s.send(b"log none\n"); time.sleep(0.05); s.close()
        q.wait(timeout=120)
        pcs = collections.Counter(int(m.group(1), 16) for m in (re.search(r"\[[0-9a-f]+/([0-9a-f]+)/", l) for l in open(log)) if m)
    elf = f"{BUILD}/{arch}/bench/kernel.elf"
    addrs, branch = [], set()
    for line in subprocess.run([tool("llvm-objdump"), "-d", "--no-show-raw-insn", elf], capture_output=True, text=True).stdout.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)", line)
        if m:
            a = int(m.group(1), 16)
            addrs.append(a)
            if BRANCHES[arch].match(m.group(2)):
                branch.add(a)
    addrs.sort()
    syms = sorted((int(p[0], 16), p[2]) for p in (l.split() for l in subprocess.run(
        [tool("llvm-nm"), "--defined-only", elf], capture_output=True, text=True).stdout.splitlines())
        if len(p) == 3 and p[1] in "tT" and not p[2].startswith(".L"))   # riscv64 keeps local .L labels inside functions
    names = subprocess.run([tool("swift-demangle"), "--simplified"], input="\n".join(n for _, n in syms),
                           capture_output=True, text=True).stdout.splitlines()
    starts = [a for a, _ in syms]
    share, total = collections.Counter(), 0
    for pc, times in pcs.items():
        if pc >= USER_WINDOW[arch]:
            continue
        i, n = bisect.bisect_left(addrs, pc), 0
        while i < len(addrs) and n < 512:
            n += 1
            if addrs[i] in branch:
                break
            i += 1
        j = bisect.bisect_right(starts, pc) - 1
        share[names[j] if j >= 0 else "?"] += n * times
        total += n * times
    return [(name, count / total) for name, count in share.most_common(12)] if total else []


def main():
    results = {arch: measure(arch) for arch in COMMANDS}
    profiles = {arch: profile(arch) for arch in COMMANDS}
    lines = ["# IPC and system-call costs, in guest instructions", "",
             "<!-- Generated by `make bench-ipc` (ci/bench_ipc.py). Do not edit: rerun it. -->", "",
             "QEMU runs each kernel with `-icount shift=0,sleep=off`, so the guest clock advances one",
             "nanosecond per guest instruction. The bench system (`User/bench.manifest`: the key-value server and",
             "the ping-pong task, and a waiter for the notification figures) times 20000 call/reply round trips with",
             "the server (two address spaces), 20000 null system calls (number 0, refused at",
             "decode: the trap in, the check and the trap out) and, to check the method, a loop of",
             "1,000,000 iterations of two instructions. These counts repeat exactly from run to run.", "",
             "| arch | IPC round trip (call + reply) | null system call | method check (instructions per 2-instruction iteration) |",
             "|---|---:|---:|---:|"]
    for arch, f in results.items():
        lines.append(f"| {arch} | {f['round trip']:,} | {f['null']:,} | {f['loop']} |")
    lines += ["", "From power-on to init's first system call (its clock call, a few hundred instructions into",
              "it), in guest instructions: firmware (SeaBIOS on i386, OpenSBI on riscv64), the kernel's boot and init's start.", "",
              "| arch | power-on to init |", "|---|---:|"]
    for arch, f in results.items():
        lines.append(f"| {arch} | {f['init']:,} |")
    lines += ["", "Notifications (`docs/drivers.md`): 20000 signals through a capability to a notification nobody",
              "waits on, and 20000 to one a task above the ping-pong waits on (`User/Programs/waiter.swift`): each wakes",
              "it, it runs at once and calls wait again, so the figure is a signal, two switches and the waiter's wait,",
              "like a round trip's two calls and two switches. Issue 22's goals: a signal with no waiter at most the",
              "null call + 50, one that wakes a more urgent task at most a one-way IPC (half a round trip).", "",
              "| arch | signal, no waiter | signal waking a higher-priority waiter, with its next wait | no waiter - null call | wake / round trip |",
              "|---|---:|---:|---:|---:|"]
    for arch, f in results.items():
        lines.append(f"| {arch} | {f['signal']:,} | {f['wake']:,} | {f['signal'] - f['null']:+,} | {f['wake'] / f['round trip']:.2f} |")
    lines += ["", f"For orientation: L4Re on an Intel N100 retires about {L4RE_ONE_WAY} instructions per one-way IPC",
              f"between address spaces (about {2 * L4RE_ONE_WAY:,} a round trip) and about {L4RE_NULL} per null system call,",
              "by its published performance page. Ratios against that:", "",
              "| arch | round trip / L4Re's | null call / L4Re's |", "|---|---:|---:|"]
    for arch, f in results.items():
        lines.append(f"| {arch} | {f['round trip'] / (2 * L4RE_ONE_WAY):.1f}x | {f['null'] / L4RE_NULL:.1f}x |")
    lines += ["", "## Where the kernel's instructions go", "",
              "While the ping-pong runs (and nothing else but the server), QEMU logs every translation block it executes",
              "(`log exec,nochain`, switched on through its monitor for a tenth of a second), and each block",
              "is weighed by the instructions from its start to the next branch. Shares of the kernel's",
              "instructions by function, an estimate; the twelve largest:", ""]
    for arch, rows in profiles.items():
        lines += [f"### {arch}", "", "| function | share |", "|---|---:|"]
        lines += [f"| `{name[:90]}` | {100 * share:.1f} % |" for name, share in rows]
        lines.append("")
    os.makedirs("docs", exist_ok=True)
    open("docs/ipc-benchmarks.md", "w").write("\n".join(lines) + "\n")
    print("\n".join(l for l in lines if any(l.startswith(f"| {a}") for a in COMMANDS)))
    print("wrote docs/ipc-benchmarks.md")


if __name__ == "__main__":
    sys.exit(main())
