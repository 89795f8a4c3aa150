#!/usr/bin/env python3
"""Writes the parser fuzzers' seed corpora into Fuzz/corpus/<target>/ (kept
small: they are committed). Run it after changing what the seeds should hold:
  devicetree  QEMU's own trees (-M virt,dumpdtb=) for several machine shapes,
              compacted to the bytes they use; trees written here with /soc
              and ranges, /reserved-memory, a 4-cell GICv3 timer,
              interrupts-extended, a version-16 header; and, when BOARD_DTBS
              names a folder of Debian's arm64 kernel trees (see
              Tests/KernelTests/BoardTreeTests.swift for the commands), four
              real boards: rk3399 (4-cell GICv3), Raspberry Pi 3 (a 2-cell
              non-GIC timer parent), r8a774a1 (interrupts-extended), Juno
  multiboot   Multiboot info structures with memory maps as QEMU and GRUB give
              them, a fragmented one, and a command line at the end of memory
  elf         the project's own user task images (build/<arch>/user/*.elf)
Usage: python3 ci/make_fuzz_seeds.py  (needs QEMU and built kernels)"""
import os
import struct
import subprocess
import tempfile

OUT = os.path.join(os.path.dirname(__file__), "..", "Fuzz", "corpus")


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def compact(blob):
    """A dumped tree with its free space cut off: totalsize = the last block's end."""
    magic, total, so, st, rs, ver, lc, cpu, ss, sz = struct.unpack(">10I", blob[:40])
    end = max(so + sz, st + ss)
    out = bytearray(blob[:end])
    out[4:8] = struct.pack(">I", end)
    return bytes(out)


class FDT:
    def __init__(self):
        self.s, self.strings, self.names = bytearray(), bytearray(), {}

    def word(self, v): self.s += struct.pack(">I", v)
    def begin(self, name):
        self.word(1); self.s += name.encode() + b"\0"
        while len(self.s) % 4: self.s.append(0)
    def end(self): self.word(2)
    def prop(self, name, value=b""):
        if name not in self.names:
            self.names[name] = len(self.strings); self.strings += name.encode() + b"\0"
        self.word(3); self.word(len(value)); self.word(self.names[name]); self.s += value
        while len(self.s) % 4: self.s.append(0)
    def cells(self, name, *v): self.prop(name, b"".join(struct.pack(">I", x) for x in v))
    def string(self, name, v): self.prop(name, v.encode() + b"\0")

    def blob(self, version=17):
        s = self.s + struct.pack(">I", 9)
        rsv = struct.pack(">QQ", 0x4800_0000, 0x1000) + struct.pack(">QQ", 0, 0)
        so = 40 + len(rsv); st = so + len(s); total = st + len(self.strings)
        h = struct.pack(">10I", 0xD00DFEED, total, so, st, 40, version, 16, 0, len(self.strings),
                        len(s) if version >= 17 else 0)
        return h + rsv + bytes(s) + bytes(self.strings)


def synthetic_trees():
    t = FDT(); t.begin(""); t.cells("#address-cells", 2); t.cells("#size-cells", 2); t.cells("interrupt-parent", 1)
    t.begin("memory@40000000"); t.string("device_type", "memory"); t.cells("reg", 0, 0x4000_0000, 0, 0x800_0000); t.end()
    t.begin("reserved-memory"); t.cells("#address-cells", 2); t.cells("#size-cells", 2); t.prop("ranges")
    t.begin("mmode@80000000"); t.cells("reg", 0, 0x8000_0000, 0, 0x4_0000); t.prop("no-map"); t.end(); t.end()
    t.begin("soc"); t.cells("#address-cells", 1); t.cells("#size-cells", 1); t.cells("ranges", 0x7E00_0000, 0, 0xFE00_0000, 0x180_0000)
    t.begin("serial@7e201000"); t.prop("compatible", b"arm,pl011\0arm,primecell\0"); t.cells("reg", 0x7E20_1000, 0x200)
    t.string("status", "okay"); t.end()
    t.begin("interrupt-controller@7e001000"); t.string("compatible", "arm,gic-v3"); t.cells("#interrupt-cells", 4)
    t.cells("phandle", 1); t.cells("reg", 0x7E00_1000, 0x1000, 0x7E00_2000, 0x2000); t.end(); t.end()
    t.begin("timer"); t.string("compatible", "arm,armv8-timer")
    t.cells("interrupts", 1, 13, 8, 0, 1, 14, 8, 0, 1, 11, 8, 0, 1, 10, 8, 0); t.end()
    t.begin("aliases"); t.string("serial0", "/soc/serial@7e201000"); t.end()
    t.begin("chosen"); t.string("stdout-path", "serial0:115200n8"); t.string("bootargs", "pt=spare"); t.end()
    t.end()
    yield "soc-ranges-gicv3-4cell.dtb", t.blob()
    yield "soc-ranges-v16.dtb", t.blob(version=16)
    e = FDT(); e.begin(""); e.cells("#address-cells", 2); e.cells("#size-cells", 2)
    e.begin("memory"); e.string("device_type", "memory"); e.cells("reg", 0, 0, 0, 0); e.end()
    e.begin("gic"); e.string("compatible", "arm,cortex-a15-gic"); e.cells("#interrupt-cells", 3); e.cells("phandle", 5)
    e.cells("reg", 0, 0x800_0000, 0, 0x1_0000, 0, 0x801_0000, 0, 0x1_0000); e.end()
    e.begin("timer"); e.string("compatible", "arm,armv7-timer")
    e.cells("interrupts-extended", 5, 1, 13, 4, 5, 1, 14, 4, 5, 1, 11, 4, 5, 1, 10, 4); e.end()
    e.end()
    yield "empty-memory-interrupts-extended.dtb", e.blob()


def qemu_trees():
    shapes = {"virt": ["-M", "virt"], "virt-gicv3": ["-M", "virt,gic-version=3"],
              "virt-secure": ["-M", "virt,secure=on"], "virt-el2-smp4": ["-M", "virt,virtualization=on", "-cpu", "max", "-smp", "4"]}
    numa = [a for i in range(3) for a in ("-object", f"memory-backend-ram,id=m{i},size=64M", "-numa", f"node,memdev=m{i}")]
    shapes["virt-numa3"] = ["-M", "virt", "-m", "192M"] + numa
    # riscv64's virt (its 16550, test device, PLIC and harts), for its device matchers.
    shapes["riscv64-virt-smp2"] = ["-M", "virt", "-smp", "2"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in shapes.items():
            path = os.path.join(tmp, name + ".dtb")
            args = list(args); args[1] += f",dumpdtb={path}"
            if "-m" not in args: args += ["-m", "128M"]
            binary = "qemu-system-riscv64" if name.startswith("riscv64") else "qemu-system-aarch64"
            subprocess.run([binary, *args, "-display", "none"], capture_output=True, check=True)
            yield f"qemu-{name}.dtb", compact(open(path, "rb").read())


def multiboot(entries, cmdline=b"kernel pt=spare", cmdline_at=0x100, size=0x400, flags=1 | 4 | 64):
    m = bytearray(size)
    struct.pack_into("<III", m, 0, flags, 639, 130048)
    struct.pack_into("<I", m, 16, cmdline_at)
    m[cmdline_at:cmdline_at + len(cmdline)] = cmdline
    at = 0x200
    for base, length, kind in entries:
        struct.pack_into("<IQQI", m, at, 20, base, length, kind); at += 24
    struct.pack_into("<II", m, 44, at - 0x200, 0x200)
    return bytes(m)


def multiboot_seeds():
    qemu = [(0, 0x9FC00, 1), (0x9FC00, 0x400, 2), (0xF0000, 0x10000, 2), (0x10_0000, 0x7EE_0000, 1),
            (0x7FE_0000, 0x2_0000, 2), (0xFFFC_0000, 0x4_0000, 2)]
    yield "qemu-128M", multiboot(qemu)
    yield "holes", multiboot([(0x10_0000, 0x70_0000, 1)] + [(0x20_0000 + i * 0x2000, 0x1000, 2) for i in range(8)], size=0x800)
    yield "last-page", multiboot(qemu[:4] + [(0xFFFF_FFFF_FFFF_F001, 0xFFE, 1)])
    yield "no-map-basic-sizes", multiboot([], flags=1 | 4)
    yield "cmdline-at-end", multiboot(qemu, cmdline=b"x" * 0x40, cmdline_at=0x3C0)


def main():
    for name, blob in synthetic_trees(): write("devicetree", name, blob)
    for name, blob in qemu_trees(): write("devicetree", name, blob)
    boards = os.environ.get("BOARD_DTBS")
    if boards:
        for want in ("rk3399-rockpro64-v2.dtb", "bcm2837-rpi-3-b-plus.dtb", "r8a774a1-hihope-rzg2m-rev2.dtb", "juno-r1.dtb"):
            found = [os.path.join(r, f) for r, _, fs in os.walk(boards) for f in fs if f == want]
            if not found:
                raise SystemExit(f"{want} is not under {boards}")
            write("devicetree", "board-" + want, open(found[0], "rb").read())
    for name, blob in multiboot_seeds(): write("multiboot", name, blob)
    for arch in ("i386", "aarch64"):
        for prog in ("kvclient", "intruder"):
            path = f"build/{arch}/user/{prog}.elf"
            if not os.path.exists(path):
                raise SystemExit(f"{path} is missing: run make kernels first")
            write("elf", f"{arch}-{prog}.elf", open(path, "rb").read())
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote the seed corpora into Fuzz/corpus ({total // 1024} KiB)")


if __name__ == "__main__":
    main()
