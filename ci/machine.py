#!/usr/bin/env python3
"""Each arch's QEMU machine, from its one description (Arch/<arch>/machine.json:
the QEMU binary, machine and CPU, the firmware, what QEMU loads, the exit
device and its pass and fail codes, the debug entry and port). make, the boot
tests, the benchmarks and the debug targets all build their command lines
here, so a machine fact is written once.

Library: command(arch, kernel, ram, append, ...) -> argv; passed(arch, status);
converse(process, output, script): type a script into the shell, a line a prompt.
Command line:
  machine.py command ARCH KERNEL [--ram R] [--append A] [--cpu C] [--machine M] [--serial S] [--cdrom] [-- extra QEMU args]
      prints the QEMU command, one argument a line (--cdrom: KERNEL is a CD image to boot)
  machine.py run ARCH KERNEL [same options]
      runs it with the serial console on stdio and exits 0 only on the kernel's pass status.
      On a terminal QEMU's console is the terminal (Ctrl-C reaches the guest, Ctrl-A x quits QEMU);
      otherwise each line of stdin is typed at the shell's next prompt, then `halt`, so
      `make run-i386 </dev/null` and `echo ps | make run-i386` end by themselves
  machine.py get ARCH FIELD     prints one field (loaded, pass, fail, debug.entry, debug.port, qemu)
"""
import json
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def arches():
    return sorted(a for a in os.listdir(os.path.join(ROOT, "Arch")) if os.path.exists(os.path.join(ROOT, "Arch", a, "machine.json")))


def describe(arch):
    path = os.path.join(ROOT, "Arch", arch, "machine.json")
    if not os.path.exists(path):
        raise SystemExit(f"machine.py: no machine description for arch '{arch}' ({path}); arches with one: {', '.join(arches())}")
    with open(path) as f:
        return json.load(f)


def get(arch, field):
    value = describe(arch)
    for part in field.split("."):
        value = value[part]
    return value


# The shell's prompt (User/Programs/shell.swift: its name, then "$ ").
PROMPT = b"shell> $ "
# The serial console on a terminal: Ctrl-C goes to the guest's shell, Ctrl-A x leaves QEMU.
TERMINAL = ["-chardev", "stdio,id=term,mux=on,signal=off", "-serial", "chardev:term", "-mon", "chardev=term"]


def converse(process, output, script, poll=0.02):
    """Type `script` into `process`'s stdin, item i once the shell has shown
    its prompt i + 1 times in `output()` (the bytes so far); then close stdin.
    An item is bytes, or a function of the output so far (as text) that gives
    them, or a pair (ready, item): typed once ready(output so far) holds too.
    Returns early if the process ends."""
    text = lambda: output().decode(errors="replace")
    try:
        for i, item in enumerate(script):
            ready = lambda log: True
            if isinstance(item, tuple):
                ready, item = item
            while output().count(PROMPT) <= i or not ready(text()):
                if process.poll() is not None:
                    return
                time.sleep(poll)
            process.stdin.write(item(text()) if callable(item) else item)
            process.stdin.flush()
        process.stdin.close()
    except (BrokenPipeError, ValueError):
        pass


def command(arch, kernel, ram="128M", append="", cpu=None, machine=None, extra=(), serial="stdio", exit_device=True,
            cdrom=False):
    """The QEMU argv that boots `kernel` on `arch`'s machine (or, with cdrom, boots it as a CD image).
    exit_device=False leaves the exit device out (aarch64: no semihosting, so it powers off with PSCI)."""
    m = describe(arch)
    argv = [m["qemu"]]
    if machine or m["machine"]:
        argv += ["-M", machine or m["machine"]]
    if cpu or m["cpu"]:
        argv += ["-cpu", cpu or m["cpu"]]
    argv += ["-m", ram, *m["firmware"]]
    words = [w for w in (append, m["exit"]["append"] if exit_device else "") if w]
    if cdrom:
        argv += ["-cdrom", kernel]
    else:
        argv += ["-kernel", kernel, "-append", " ".join(words)]
    argv += (TERMINAL if serial == "terminal" else ["-serial", serial]) + ["-display", "none", "-no-reboot"]
    if exit_device:
        argv += m["exit"]["args"]
    return argv + list(extra)


def passed(arch, status):
    return status == describe(arch)["pass"]


def run_console(arch, kernel, options, extra, cdrom):
    """Boot with the console on this terminal, or type stdin's lines (then halt) into the shell."""
    def argv(serial):
        return command(arch, kernel, options["ram"], options["append"], options["cpu"], options["machine"], extra, serial,
                       cdrom=cdrom)
    if sys.stdin.isatty():
        return subprocess.run(argv("terminal")).returncode
    script = [line if line.endswith(b"\n") else line + b"\n" for line in sys.stdin.buffer.read().splitlines(keepends=True)]
    p = subprocess.Popen(argv("stdio"), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    seen = bytearray()

    def copy():
        while chunk := os.read(p.stdout.fileno(), 4096):
            seen.extend(chunk)
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
    reader = threading.Thread(target=copy)
    reader.start()
    converse(p, lambda: bytes(seen), script + [b"halt\n"])
    status = p.wait()
    reader.join()
    return status


def main(args):
    if len(args) >= 3 and args[0] == "get":
        print(get(args[1], args[2]))
        return 0
    if len(args) < 3 or args[0] not in ("command", "run"):
        print(__doc__, file=sys.stderr)
        return 2
    verb, arch, kernel = args[0], args[1], args[2]
    options, extra, i = {"ram": "128M", "append": "", "cpu": None, "machine": None, "serial": "stdio"}, [], 3
    cdrom = False
    while i < len(args):
        if args[i] == "--":
            extra = args[i + 1:]
            break
        if args[i] == "--cdrom":
            cdrom, i = True, i + 1
            continue
        key = args[i].lstrip("-")
        if key not in options or i + 1 >= len(args):
            print(f"machine.py: unknown option {args[i]}", file=sys.stderr)
            return 2
        # An empty --cpu or --machine (make's unset CPU=, MACHINE=) means the description's own.
        options[key] = (args[i + 1] or None) if key in ("cpu", "machine") else args[i + 1]
        i += 2
    argv = command(arch, kernel, options["ram"], options["append"], options["cpu"], options["machine"], extra, options["serial"],
                   cdrom=cdrom)
    if verb == "command":
        print("\n".join(argv))
        return 0
    status = run_console(arch, kernel, options, extra, cdrom) if options["serial"] == "stdio" else subprocess.run(argv).returncode
    if not passed(arch, status):
        print(f"QEMU exit status {status} ({describe(arch)['pass']} is a pass)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
