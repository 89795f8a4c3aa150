#!/usr/bin/env python3
"""The strategy comparison: boot every page-table strategy on every arch,
measure it, and write docs/page-table-strategies.md and its chart.

Every figure comes from this run:
- QEMU boots with `bench=grow` (sbrk page by page until it fails) give the
  largest heap, page-table frames, held frames and the growth curve;
- boots with `crash=stray` show what a write just past the heap's end does;
- boots of the normal self-test on small RAM show what exhaustion does;
- the host strategy-bench under callgrind gives instructions per page grown.
"""
import os
import re
import subprocess
import sys

import machine

BUILD = os.environ.get("BUILD", "build")
RAM = "128M"
SMALL_RAM = "32M"
STRATEGIES = ["spare", "prereserve", "direct", "pool:4", "tail"]
ARCHES = ["i386", "aarch64", "riscv64"]
BENCH_PAGES = 2048          # 8 MiB: two i386 leaf tables, four aarch64 ones
BATCH = 16                  # pages a call when the kernel heap grows (SbrkGrowth.minimumPages)
BENCH = ".build/release/strategy-bench"
COLORS = {"spare": "#1f77b4", "prereserve": "#d62728", "direct": "#2ca02c", "pool:4": "#9467bd", "tail": "#ff7f0e"}


def qemu(arch, ram, append):
    """The test image on `arch`'s machine (its one description, ci/machine.py)."""
    return machine.command(arch, f"{BUILD}/{arch}/test/{machine.get(arch, 'loaded')}", ram, append)


def boot(arch, ram, append):
    p = subprocess.run(qemu(arch, ram, append), stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return p.stdout.decode(errors="replace").replace("\r", ""), p.returncode


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:])


def growth(arch, strategy):
    log, status = boot(arch, RAM, f"pt={strategy} bench=grow")
    m = re.search(r"^BENCH .*$", log, re.M)
    if not machine.passed(arch, status) or not m:
        sys.exit(f"bench=grow failed on {arch} {strategy} (status {status}):\n{log[-2000:]}")
    samples = [(int(a) / 1024, int(b)) for a, b in re.findall(r"^sample heap_kib=(\d+) table_frames=(\d+)$", log, re.M)]
    return fields(m.group(0)), samples


def stray(arch, strategy):
    log, status = boot(arch, "64M", f"pt={strategy} crash=stray")
    exc = re.search(r"^CPU EXCEPTION: .*$", log, re.M)
    if status != machine.get(arch, "fail") or not exc or "KERNEL FAIL" not in log:
        sys.exit(f"crash=stray was not caught on {arch} {strategy} (status {status}):\n{log[-2000:]}")
    line = exc.group(0)
    cause = re.search(r"\(([^)]*)\)\s*$", line).group(1)
    guard = "heap tail" in log
    return ("caught: " + cause + ("; the tail's read-only guard" if guard else "; nothing mapped there"))


def exhaustion(arch, strategy):
    log, status = boot(arch, SMALL_RAM, f"pt={strategy}")
    m = re.search(r"^KERNEL OK .*$", log, re.M)
    stop = re.search(r"heap exhausted at (\d+) KiB: ([^;]*);", log)
    if not machine.passed(arch, status) or not m or not stop:
        sys.exit(f"exhaustion boot failed on {arch} {strategy} (status {status}):\n{log[-2000:]}")
    return f"stops at {int(stop.group(1)) / 1024:.1f} MiB ({stop.group(2)}); boot ends KERNEL OK"


def instructions(arch, strategy, pages, batch=1):
    """Instructions inside sbrk (callgrind counts only there: the dynamic
    loader's and the emulator's set-up do not blur the figure)."""
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--toggle-collect=*HeapRegionV4sbrk*",
                        BENCH, arch, strategy, str(pages), str(batch)], capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        sys.exit(f"strategy-bench failed on {arch} {strategy}:\n{p.stdout}{p.stderr[-2000:]}")
    return int(m.group(1))


def chart(results):
    """One SVG, a panel per arch: page-table memory (KiB, held frames included) against heap size (MiB)."""
    w, h, pad = 420, 300, 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{len(ARCHES) * (w + 20) - 20}" height="{h + 60}" font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/>']
    for panel, arch in enumerate(ARCHES):
        x0 = panel * (w + 20)
        curves = {s: results[arch][s]["samples"] for s in STRATEGIES}
        xmax = max(x for c in curves.values() for x, _ in c) or 1
        ymax = max(y * 4 for c in curves.values() for _, y in c) or 1
        ymax = ((ymax + 99) // 100) * 100
        def px(x): return x0 + pad + (w - pad - 10) * x / xmax
        def py(y): return h - (h - 40) * y / ymax
        out.append(f'<text x="{x0 + w / 2}" y="16" text-anchor="middle" font-size="13">{arch}: page-table memory against heap size (RAM {RAM})</text>')
        out.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(xmax)}" y2="{py(0)}" stroke="black"/>')
        out.append(f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(0)}" y2="{py(ymax)}" stroke="black"/>')
        for i in range(5):
            xv, yv = xmax * i / 4, ymax * i / 4
            out.append(f'<text x="{px(xv)}" y="{py(0) + 14}" text-anchor="middle">{xv:.0f}</text>')
            out.append(f'<text x="{px(0) - 4}" y="{py(yv) + 4}" text-anchor="end">{yv:.0f}</text>')
        out.append(f'<text x="{x0 + w / 2}" y="{h + 30}" text-anchor="middle">heap (MiB)</text>')
        out.append(f'<text x="{x0 + 12}" y="{h / 2}" transform="rotate(-90 {x0 + 12} {h / 2})" text-anchor="middle">table KiB (incl. held)</text>')
        for k, s in enumerate(STRATEGIES):
            pts = []
            for x, frames in curves[s]:
                if pts:  # a step: memory changes at the sample's heap size
                    pts.append(f"{px(x):.1f},{float(pts[-1].split(',')[1]):.1f}")
                pts.append(f"{px(x):.1f},{py(frames * 4):.1f}")
            dash = ' stroke-dasharray="5,3"' if s == "tail" else ""
            out.append(f'<polyline fill="none" stroke="{COLORS[s]}" stroke-width="2"{dash} points="{" ".join(pts)}"/>')
            ly = 100 + k * 14   # legend upper left, between the flat prereserve line and the rising curves
            out.append(f'<rect x="{x0 + pad + 10}" y="{ly}" width="12" height="3" fill="{COLORS[s]}"/>')
            out.append(f'<text x="{x0 + pad + 26}" y="{ly + 5}">{s}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main():
    results = {a: {} for a in ARCHES}
    for arch in ARCHES:
        for s in STRATEGIES:
            print(f"measuring {arch} {s}", flush=True)
            bench, samples = growth(arch, s)
            first, single, batched = (instructions(arch, s, n, b) for n, b in ((1, 1), (BENCH_PAGES, 1), (BENCH_PAGES, BATCH)))
            results[arch][s] = dict(bench=bench, samples=samples, stray=stray(arch, s), exhaustion=exhaustion(arch, s),
                                    per_page=single / BENCH_PAGES, per_page_batch=batched / BENCH_PAGES, first_page=first)
    os.makedirs("docs", exist_ok=True)
    with open("docs/page-table-strategies.svg", "w") as f:
        f.write(chart(results))
    lines = ["# Page-table strategies, measured",
             "",
             "<!-- Generated by `make bench-strategies` (ci/bench_strategies.py). Do not edit: rerun it. -->",
             "",
             "The five answers from the forum thread, each booted on every arch (i386, aarch64, riscv64). Which one to choose,",
             "and why, is argued in [memory-design.md](memory-design.md#choosing-a-strategy).",
             "",
             f"- **Largest heap**, **tables**, **held** and **empty leaf tables**: QEMU boots with `bench=grow` on {RAM} of RAM",
             "  (sbrk one page at a time until it fails). *Held* frames wait in a reserve; *empty leaf tables* are",
             "  installed but map nothing. Both are memory spent on tables and not yet used.",
             "- **Table bytes per MiB**: table frames in use (not held) per MiB of heap reached.",
             f"- **Instructions per page**: the host build of the same code on the emulated MMU, under callgrind, counting",
             f"  only inside sbrk: growing {BENCH_PAGES} pages {BATCH} at a time (what the kernel heap asks for) and one at a time,",
             f"  over {BENCH_PAGES}. sbrk walks once per leaf table and fills the run of entries; the one-page figure is mostly",
             "  what every call costs (the window check, the strategy's refill, the walk or its cached leaf). *First page* is",
             "  the very first call, which creates the first tables. Counts, not seconds: they repeat exactly for the same build.",
             f"- **At frame exhaustion**: the normal self-test booted on {SMALL_RAM}; 2 MiB of frames are set aside\n  before it, for the threads and tasks that follow.",
             "- **Stray heap write**: `crash=stray` writes one byte at the heap's break (just past its end).",
             "",
             "![page-table memory against heap size](page-table-strategies.svg)",
             ""]
    for arch in ARCHES:
        lines += [f"## {arch}", "",
                  f"| strategy | largest heap (MiB) | stopped by | tables | held | empty leaf tables | table bytes per MiB | instructions per page, {BATCH} a call | one page a call | first page | at frame exhaustion | stray heap write |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for s in STRATEGIES:
            r = results[arch][s]
            b = r["bench"]
            lines.append(f"| `{s}` | {int(b['heap_kib']) / 1024:.1f} | {b['failure'].replace('_', ' ')} | {b['tables']} | {b['held']} | "
                         f"{b['empty_leaf_tables']} | {b['table_bytes_per_mib']} | {r['per_page_batch']:.0f} | {r['per_page']:.0f} | {r['first_page']} | "
                         f"{r['exhaustion']} | {r['stray']} |")
        lines.append("")
    with open("docs/page-table-strategies.md", "w") as f:
        f.write("\n".join(lines))
    print("wrote docs/page-table-strategies.md and docs/page-table-strategies.svg")


if __name__ == "__main__":
    main()
