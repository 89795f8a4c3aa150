#!/usr/bin/env python3
"""Record a real program's allocations as a heap trace (docs/heap.md's format).

Runs the program under valgrind's memcheck with --trace-malloc=yes, which logs
every malloc, calloc, realloc, memalign, free and C++ new/delete of the program's
own process, and converts the log: each address becomes a block ID while it is
live. The first OPS operations are kept; blocks still live at the cut are freed
at the end in reverse order, so every trace ends with an empty heap. The command
and the cut go into the trace's header comment.

Usage: record_trace.py OUT.trace.gz OPS DESCRIPTION -- COMMAND ARGS...
Environment variables for the program go before the command as NAME=VALUE."""
import gzip
import os
import re
import subprocess
import sys
import tempfile

# "--PID-- name(args) = 0xRESULT", or "--PID-- free(0xADDR)". A realloc of NULL
# is logged as "realloc(0x0,N)malloc(N) = 0x...".
LINE = re.compile(r"^--(\d+)-- ([A-Za-z_0-9]+)\(([^)]*)\)(?:malloc\(\d+\))?(?: = (0x[0-9A-Fa-f]+))?\s*$")
ALLOCATORS = {"malloc", "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t"}
FREES = {"free", "_ZdlPv", "_ZdaPv", "_ZdlPvm", "_ZdaPvm", "_ZdlPvRKSt9nothrow_t", "_ZdaPvRKSt9nothrow_t"}


class Converter:
    def __init__(self, limit):
        self.limit = limit
        self.ops = []
        self.live = {}       # address -> ID
        self.next_id = 0
        self.skipped = 0     # frees of addresses this process never got (none expected)

    def full(self):
        return len(self.ops) >= self.limit

    def born(self, address, line):
        if address in self.live:
            sys.exit(f"record_trace: {address:#x} handed out twice without a free: {line}")
        self.live[address] = self.next_id
        self.next_id += 1
        return self.live[address]

    def take(self, name, args, result, line):
        args = [a.strip() for a in args.split(",")] if args else []
        address = int(result, 16) if result else 0
        if name in ALLOCATORS or name == "calloc":
            size = int(args[0], 0) if name != "calloc" else int(args[0], 0) * int(args[1], 0)
            if address:
                self.ops.append(f"a {self.born(address, line)} {size}")
        elif name in ("memalign", "aligned_alloc", "posix_memalign"):
            align, size = int(args[-2], 0), int(args[-1], 0)
            if address:
                self.ops.append(f"m {self.born(address, line)} {size} {max(align, 1)}")
        elif name == "realloc":
            old, size = int(args[0], 16), int(args[1], 0)
            if old == 0:
                if address:
                    self.ops.append(f"a {self.born(address, line)} {size}")
            elif old not in self.live:
                self.skipped += 1
            elif address == 0:        # realloc(p, 0) freed p (or failed: p stays live)
                if size == 0:
                    self.ops.append(f"f {self.live.pop(old)}")
            else:
                ident = self.live.pop(old)
                self.live[address] = ident
                self.ops.append(f"r {ident} {size}")
        elif name in FREES:
            addr = int(args[0], 16)
            if addr == 0:
                return
            if addr not in self.live:
                self.skipped += 1
                return
            self.ops.append(f"f {self.live.pop(addr)}")
        else:
            sys.exit(f"record_trace: unknown call in valgrind's log: {line}")


def main():
    if "--" not in sys.argv or sys.argv.index("--") != 4:
        sys.exit(__doc__)
    out, limit, description = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    command = sys.argv[5:]
    env, assignments = dict(os.environ), []
    while command and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", command[0]):
        assignments.append(command.pop(0))
        k, v = assignments[-1].split("=", 1)
        env[k] = v
    with tempfile.NamedTemporaryFile(suffix=".log") as log:
        p = subprocess.run(["valgrind", "--tool=memcheck", "--trace-malloc=yes", "--undef-value-errors=no",
                            "--leak-check=no", f"--log-file={log.name}", *command],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        if p.returncode != 0:
            sys.exit(f"record_trace: {' '.join(command)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
        conv, pid = Converter(limit), None
        with open(log.name, errors="replace") as f:
            for raw in f:
                m = LINE.match(raw)
                if not m:
                    continue          # valgrind's own banner and messages
                if pid is None:
                    pid = m.group(1)
                if m.group(1) != pid:
                    continue          # a child process: not this trace
                conv.take(m.group(2), m.group(3), m.group(4), raw.strip())
                if conv.full():
                    break
    if len(conv.ops) < 1000:
        sys.exit(f"record_trace: only {len(conv.ops)} operations recorded: is valgrind tracing this program?")
    cut = conv.full()
    tail = [f"f {i}" for i in sorted(conv.live.values(), reverse=True)]
    shown = " ".join(assignments + command)
    header = [f"# {os.path.basename(out).split('.')[0]}: {description}",
              f"# recorded by ci/record_trace.py: {shown}",
              f"# {len(conv.ops)} operations{' (cut at the limit)' if cut else ''}, then frees of the "
              f"{len(tail)} blocks still live; {conv.skipped} frees of unknown addresses dropped"]
    # No name or time in the gzip header: the same recording gives the same bytes.
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write(("\n".join(header + conv.ops + tail) + "\n").encode())
    print(f"wrote {out}: {len(conv.ops) + len(tail)} operations")


if __name__ == "__main__":
    main()
