#!/usr/bin/env python3
"""The debug targets' test: ci/debug.sh (what make debug-<arch> runs) driven in
gdb's batch mode on every arch, each on its own port (its machine description's): stop at the breakpoint
on kernelMain, then `bt` must show source names and files (not only mangled
$e6Kernel... symbols), then kill QEMU. Usage: debug_test.py [ARCH...]"""
import os
import re
import subprocess
import sys

import machine


def check(arch):
    cmd = ["ci/debug.sh", arch, str(machine.get(arch, "debug.port")), "--", "-batch", "-ex", "continue", "-ex", "bt", "-ex", "kill"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=90).stdout
    except subprocess.TimeoutExpired:
        return ["gdb session timed out after 90 s"], ""
    entry = machine.get(arch, "debug.entry")
    wants = [
        (r"Breakpoint 1, kernelMain \(\) at Kernel/KernelMain\.swift:\d+", "stopped at the breakpoint in kernelMain"),
        (r"^#0\s+kernelMain \(\) at Kernel/KernelMain\.swift:\d+", "bt frame 0 is kernelMain with its source line"),
        (rf"^#1\s+0x[0-9a-f]+ in {entry} \(\) at Arch/{arch}/Entry\.swift:\d+", "bt frame 1 is the arch entry"),
    ]
    problems = [what for pattern, what in wants if not re.search(pattern, out, re.M)]
    if re.search(r"^#\d+\s+.*\$e6Kernel", out, re.M):
        problems.append("bt shows mangled names")
    return problems, out


def main():
    failed = 0
    for arch in sys.argv[1:] or machine.arches():
        problems, out = check(arch)
        if problems:
            failed += 1
            print(f"FAIL {arch} debug session: missing: " + "; ".join(problems))
            print("\n".join("    " + l for l in out.strip().splitlines()[-15:]))
        else:
            print(f"ok   {arch} debug session: break in kernelMain, bt with source names")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
