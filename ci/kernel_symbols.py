#!/usr/bin/env python3
"""Second step of a kernel link: put the kernel's own symbol table into it, so
that a panic or a kernel fault prints a backtrace with function names on the
serial console (Sources/Support/Backtrace.swift reads it).

The linker script gives the image a `.ksyms` section of a fixed size (the
placeholder in Kernel/ksyms.S), so filling it in moves nothing: this script
reads the linked image's code symbols with llvm-nm, demangles them at build
time with swift-demangle --simplified, and writes the table over the
placeholder with llvm-objcopy --update-section. It then checks that every
symbol's address is what it was.

Table layout (little-endian 32-bit words):
  "KSYM", count N, then N+1 entries (start, name): start is a code address
  minus __kernel_start, ascending; name is the byte offset of a NUL-terminated
  name in the table; the last entry is the end of the code (name 0).
Usage: kernel_symbols.py KERNEL.ELF"""
import os
import struct
import subprocess

from toolchain import tool
import sys

MAX_NAME = 96


def symbols(elf):
    out = subprocess.run([tool("llvm-nm"), "--defined-only", elf], capture_output=True, text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        address, kind, name = int(parts[0], 16), parts[1], parts[2]
        table.setdefault(name, (address, kind))
    return table


def build(elf, size):
    syms = symbols(elf)
    base = syms["__kernel_start"][0]
    code_end = syms["__kernel_code_end"][0]
    code = {}
    for name, (address, kind) in syms.items():
        if kind not in "tT" or not base <= address < code_end:
            continue
        if name in ("$x", "$d") or name.startswith(("$x.", "$d.", ".L")) or name.startswith("__kernel"):
            continue
        # Several names at one address: prefer a global one, then the shorter.
        old = code.get(address)
        if old is None or (kind == "T", -len(name)) > (old[1] == "T", -len(old[0])):
            code[address] = (name, kind)
    addresses = sorted(code)
    mangled = [code[a][0] for a in addresses]
    demangled = subprocess.run([tool("swift-demangle"), "--simplified"], input="\n".join(mangled) + "\n",
                               capture_output=True, text=True, check=True).stdout.splitlines()
    if len(demangled) != len(mangled):
        raise SystemExit("kernel_symbols: swift-demangle returned a different number of names")
    names = bytearray()
    offsets = []
    header = 8 + 8 * (len(addresses) + 1)
    for text in demangled:
        raw = text.encode()[:MAX_NAME]
        offsets.append(header + len(names))
        names += raw + b"\0"
    blob = bytearray(b"KSYM" + struct.pack("<I", len(addresses)))
    for a, o in zip(addresses, offsets):
        blob += struct.pack("<II", a - base, o)
    blob += struct.pack("<II", code_end - base, 0)
    blob += names
    if len(blob) > size:
        raise SystemExit(f"kernel_symbols: the table needs {len(blob)} bytes, the .ksyms section holds {size}: "
                         "raise KSYMS_SIZE in the Makefile")
    return bytes(blob) + bytes(size - len(blob)), len(addresses), syms


def section_size(elf, name):
    out = subprocess.run([tool("llvm-objdump"), "-h", elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1] == name:
            return int(parts[2], 16)
    raise SystemExit(f"kernel_symbols: {elf} has no {name} section (see the linker script)")


def main():
    elf = sys.argv[1]
    size = section_size(elf, ".ksyms")
    blob, count, before = build(elf, size)
    path = elf + ".ksyms"
    with open(path, "wb") as f:
        f.write(blob)
    subprocess.run([tool("llvm-objcopy"), f"--update-section=.ksyms={path}", elf], check=True)
    after = symbols(elf)
    moved = [n for n, (a, _) in before.items() if after.get(n, (None,))[0] != a]
    if moved:
        raise SystemExit(f"kernel_symbols: filling in .ksyms moved {len(moved)} symbols, e.g. {moved[0]}")
    print(f"kernel_symbols: {elf}: {count} functions named in .ksyms")


if __name__ == "__main__":
    main()
