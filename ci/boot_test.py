#!/usr/bin/env python3
"""Boot tests: boot each kernel under QEMU with a timeout, read the serial log
and QEMU's exit status, and check what the boot must show.

A pass needs the kernel's own pass status (i386: 33 through isa-debug-exit),
so a triple fault (QEMU status 0 with -no-reboot) or a hang (timeout) fails.
Usage: boot_test.py [--arch i386|aarch64] [--only SUBSTRING] [--list]
"""
import argparse
import os
import re
import subprocess
import sys
import time

BUILD = os.environ.get("BUILD", "build")
TIMEOUT = 60


def qemu_i386(ram, append):
    return ["qemu-system-i386", "-m", ram, "-kernel", f"{BUILD}/i386/kernel.elf",
            "-append", append, "-serial", "stdio", "-display", "none", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


I386_PASS, I386_FAIL = 33, 35


def summary(log):
    """The KERNEL OK line as a dict, or None."""
    m = re.search(r"^KERNEL OK (.*)$", log, re.M)
    if not m:
        return None
    return dict(kv.split("=", 1) for kv in m.group(1).split())


class Case:
    def __init__(self, name, arch, command, status, checks):
        self.name, self.arch, self.command, self.status, self.checks = name, arch, command, status, checks


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
    def check(log):
        for p in patterns:
            if not re.search(p, log, re.M):
                return f"log lacks /{p}/"
        return None
    return check


def lacks(*patterns):
    def check(log):
        for p in patterns:
            if re.search(p, log, re.M):
                return f"log has /{p}/"
        return None
    return check


def at_least(n):
    return lambda v: int(v) >= n


def equals(x):
    return lambda v: v == str(x)


def cases():
    c = []
    # Both strategies, on RAM that lets the heap reach its goal and on RAM it exhausts.
    for pt, tables in (("spare", at_least(16)), ("prereserve", equals(64))):
        c.append(Case(f"i386 {pt} 128M", "i386", qemu_i386("128M", f"pt={pt}"), I386_PASS, [
            ok_boot("i386", strategy=equals(pt), exhausted=equals("no"),
                    heap_kib=at_least(64 << 10), tables=tables),
            contains(r"^memory map:", r"^frames: \d+ free", r"^paging: on", rf"^strategy: {pt}",
                     r"^heap grown: break 0xd[0-9a-f]{7}")]))
        c.append(Case(f"i386 {pt} 32M exhausts", "i386", qemu_i386("32M", f"pt={pt}"), I386_PASS, [
            ok_boot("i386", strategy=equals(pt), exhausted=equals("yes")),
            contains(r"heap exhausted at \d+ KiB: no free physical frame; growth stopped cleanly")]))
    c.append(Case("i386 spare 1G", "i386", qemu_i386("1G", "pt=spare"), I386_PASS, [
        ok_boot("i386", exhausted=equals("no"), ram_top_mib=at_least(1000))]))
    c.append(Case("i386 bad pt= is refused with the valid list", "i386", qemu_i386("64M", "pt=bogus"), I386_PASS, [
        ok_boot("i386", strategy=equals("spare")),
        contains(r'unknown pt="bogus"; valid values: spare, prereserve')]))
    # The failure path must be loud and must not look like a pass.
    c.append(Case("i386 null dereference is reported", "i386", qemu_i386("64M", "crash=null"), I386_FAIL, [
        contains(r"CPU EXCEPTION: page fault vector=14 .* cr2=0x00000000 \(page not present, read, kernel\)",
                 r"^KERNEL FAIL arch=i386"),
        lacks(r"^KERNEL OK")]))
    return c


def run(case):
    start = time.time()
    try:
        p = subprocess.run(case.command, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        log, status = p.stdout.decode(errors="replace").replace("\r", ""), p.returncode
    except subprocess.TimeoutExpired as e:
        log, status = (e.stdout or b"").decode(errors="replace"), None
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
    if args.list:
        print("\n".join(c.name for c in selected))
        return 0
    failed = 0
    os.makedirs(f"{BUILD}/boot-logs", exist_ok=True)
    for case in selected:
        problems, log, seconds = run(case)
        path = f"{BUILD}/boot-logs/{re.sub(r'[^A-Za-z0-9]+', '-', case.name)}.log"
        with open(path, "w") as f:
            f.write(log)
        if problems:
            failed += 1
            print(f"FAIL {case.name} ({seconds:.1f} s): " + "; ".join(problems))
            print("  last lines of " + path + ":")
            for line in log.strip().splitlines()[-12:]:
                print("    " + line)
        else:
            print(f"ok   {case.name} ({seconds:.1f} s)")
    print(f"{len(selected) - failed} of {len(selected)} boot tests passed")
    return 1 if failed or not selected else 0


if __name__ == "__main__":
    sys.exit(main())
