#!/usr/bin/env python3
"""Interrupt and trap handlers must never reach swift_once: it spins until a
lazily initialised global is ready, and on one CPU an interrupt arriving in
the middle of that initialisation would spin forever. Nor posix_memalign: the
trap entry holds the kernel state, and an allocation would enter it again. This reads each
kernel's disassembly, builds the direct call graph (calls, branches and tail
calls to function symbols), and fails if swift_once is reachable from a trap
entry. Indirect calls are listed: they are the graph's blind spots.
--reaches NAME (repeatable) also requires that some function whose name
contains NAME is reachable, so that a path the check is meant to cover (the
backtrace printer of every fault report) cannot drop out of it unnoticed.
Usage: check_handlers.py KERNEL.elf ENTRY [ENTRY...] [--reaches NAME]..."""
import re
import subprocess
import sys

from toolchain import tool

OBJDUMP = tool("llvm-objdump")


def call_graph(elf):
    text = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", elf], capture_output=True, text=True,
                          check=True).stdout
    graph, indirect, current = {}, {}, None
    for line in text.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        # riscv64 objects keep local .Lpcrel_hi labels (the auipc halves of
        # address pairs): they are inside functions, not functions.
        if m and not m.group(1).startswith(".L"):
            current = m.group(1)
            graph.setdefault(current, set())
            continue
        if current is None:
            continue
        if m:
            continue
        # call/jmp (x86), bl/b/b.cond/cbz/tbz (arm) and jal/j/jalr/b<cond> (riscv) to a
        # symbol, not to a label inside the same function
        t = re.search(r"\s(?:calll?|jmpl?|j|j[a-z]+|bl?|b\.\w+|b[a-z]+|cbn?z|tbn?z)\s.*<([^+>]+)(?:\+0x[0-9a-f]+)?>$", line)
        if t and t.group(1) != current and not t.group(1).startswith(".L"):
            graph[current].add(t.group(1))
        elif re.search(r"\s(?:calll?\s+\*|blr\s|jalr\s+(?:ra,\s*)?-?(?:0x[0-9a-f]+)?\(?[a-z]\w*\)?$)", line):
            indirect.setdefault(current, 0)
            indirect[current] += 1
    return graph, indirect


def main():
    args = sys.argv[1:]
    reaches = [args[i + 1] for i, a in enumerate(args) if a == "--reaches"]
    args = [a for i, a in enumerate(args) if a != "--reaches" and (i == 0 or args[i - 1] != "--reaches")]
    elf, entries = args[0], args[1:]
    graph, indirect = call_graph(elf)
    missing = [e for e in entries if e not in graph]
    if missing:
        print(f"{elf}: no function named {', '.join(missing)}")
        return 1
    parent, todo = {e: None for e in entries}, list(entries)
    while todo:
        f = todo.pop()
        for g in graph.get(f, ()):
            if g not in parent:
                parent[g] = f
                todo.append(g)
    blind = sorted(f for f in parent if f in indirect)
    print(f"{elf}: {len(parent)} functions reachable from {', '.join(entries)}"
          + (f"; indirect calls in {', '.join(blind)}" if blind else ""))
    for name in reaches:
        if not any(name in f for f in parent):
            print(f"no function containing '{name}' is reachable from {', '.join(entries)}")
            return 1
    # swift_once spins on one CPU; an allocation would enter the kernel state
    # a second time (kernelTrap is inside it: KernelState.swift), which panics.
    for pattern, why in (("swift_once", "a lazily initialised global"), ("posixMemalign", "an allocation from the kernel heap")):
        hits = sorted(f for f in parent if pattern in f)
        if hits:
            path, f = [], hits[0]
            while f is not None:
                path.append(f)
                f = parent[f]
            print(f"a trap handler reaches {pattern} ({why}): " + " <- ".join(path))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
