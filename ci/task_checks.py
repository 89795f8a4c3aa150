"""Checks on what a boot shows about user tasks: the key-value server served
every client over IPC, the system-call checks answered with the right error
codes, the ping-pong benchmark ran and the server's count adds up, the task
that read kernel memory died alone with the right fault, and the damaged
image was refused. Each check returns None or a problem, as in boot_test.py."""
import re

CLIENTS, KEYS, ROUNDS = 3, 20, 2000
# The server, its clients, ping-pong, the three intruders, the memory hog and the spinner.
TASKS = 1 + CLIENTS + 1 + 3 + 1 + 1
# hello + put and get per key per client, the ping-pong rounds, one stats call
SERVED = CLIENTS * (1 + 2 * KEYS) + ROUNDS + 1
PROBES = [("bad syscall number", -1), ("write from a kernel address", -2), (r"call on endpoint 15 \(none\)", -3),
          ("a 128-byte message", -4), ("reply with no call", -5)]
SCRIBBLE = {
    "i386": r"CPU EXCEPTION: page fault vector=14 .* cr2=(0x\w+) \(protection violation, write, user\)",
    "aarch64": r"CPU EXCEPTION: data abort vector=8 esr=0x\w+ \(EC 0x00000024\) far=(0x\w+) elr=0x\w+ \(write, permission fault\)",
}
INTRUSION = {
    "i386": r"CPU EXCEPTION: page fault vector=14 .* cr2=(0x\w+) \(protection violation, read, user\)",
    "aarch64": r"CPU EXCEPTION: data abort vector=8 esr=0x\w+ \(EC 0x00000024\) far=(0x\w+) elr=0x\w+ \(read, permission fault\)",
}


def served(log):
    for n in range(1, CLIENTS + 1):
        if not re.search(rf"^kvserver> kv: hello from client-{n} \(badge \d+\)$", log, re.M):
            return f"the server never heard from client {n}"
        if not re.search(rf"^kvclient> client {n}: {KEYS} puts, {KEYS} of {KEYS} gets verified$", log, re.M):
            return f"client {n} did not get its {KEYS} values back"
    exits = re.findall(r"^tasks: (kvclient|pingpong) exited with status 0$", log, re.M)
    if len(exits) != CLIENTS + 1:
        return f"{len(exits)} clients exited cleanly, want {CLIENTS + 1}"
    m = re.search(r"^pingpong> pingpong: (\d+) round trips, average (\d+) cycles", log, re.M)
    if not m or int(m.group(1)) != ROUNDS or int(m.group(2)) == 0:
        return "no ping-pong result"
    s = re.search(r"^pingpong> pingpong: the server has served (\d+) requests and stores (\d+) keys", log, re.M)
    if not s or int(s.group(1)) != SERVED or int(s.group(2)) != CLIENTS * KEYS:
        return f"server stats {s.groups() if s else None}, want {SERVED} requests and {CLIENTS * KEYS} keys"
    return None


def probes(log):
    for what in ("a second receive before replying", "a non-blocking receive before replying"):
        if not re.search(rf"^kvserver> kv: {what} -> -9$", log, re.M):
            return f"the server's '{what}' was not refused with replyOwed (-9)"
    for what, code in PROBES:
        if not re.search(rf"^kvclient> client 1: {what} -> {code}$", log, re.M):
            return f"client 1's probe '{what}' did not return {code}"
    return None


# Each intruder: (thread name, the line it prints first, the faults each arch
# must report at that address, what it prints if the access went through).
INTRUDERS = [("intruder", r"intruder> intruder: reading kernel memory at (0x\w+)", INTRUSION, "isolation is broken"),
             ("scribbler", r"scribbler> intruder: writing over my own code at (0x\w+)", SCRIBBLE, "W^X is broken")]


def isolation(arch):
    def check(log):
        for name, announce, faults, broken in INTRUDERS:
            start = re.search(rf"^{announce}$", log, re.M)
            fault = re.search(faults[arch], log, re.M)
            if not start or not fault or int(start.group(1), 16) != int(fault.group(1), 16):
                return f"{name}: its access was not refused with a user fault at its address"
            if broken in log or not re.search(rf"^threads: killed thread \d+ \({name}\)", log, re.M):
                return f"{name} was not killed"
        if not re.search(r"^tasks: image damaged refused: built for machine 62, not this CPU$", log, re.M):
            return "the damaged image was not refused by name"
        torn = re.search(r"^tasks: (\d+) address spaces torn down: (\d+) frames given back of (\d+) the tasks held$", log, re.M)
        if not torn or int(torn.group(1)) != TASKS or int(torn.group(2)) != int(torn.group(3)) or int(torn.group(2)) < TASKS * 10:
            return "the dead tasks' address spaces were not all given back, frame for frame"
        return None
    return check


def no_forgery(log):
    """A task's output is tagged with its name and shows control bytes: the
    intruder's forged summary line cannot pass for the kernel's."""
    if not re.search(r"^intruder> KERNEL OK arch=forged \\x0d\\x1b\[2K$", log, re.M):
        return "the intruder's forged line is not shown tagged, with its control bytes visible"
    if re.search(r"^KERNEL OK arch=forged", log, re.M):
        return "a task wrote a line that starts like the kernel's summary"
    return None


def no_register_leak(log):
    """Both intruder tasks plant a value in their thread registers (i386 FS/GS,
    aarch64 TPIDR_EL0); every task must start with them clear."""
    seen = re.findall(r"^(?:intruder|scribbler|spinner|prober)> intruder: thread registers at start (0x\w+)$", log, re.M)
    if len(seen) != 4:
        return f"{len(seen)} intruders reported their thread registers, want 4"
    if any(int(v, 16) != 0 for v in seen):
        return f"a task started with another's thread registers: {seen}"
    return None


def memory_limit(log):
    """The hog's sbrk is refused at its 1 MiB limit with overLimit (-8), and the
    frames it held are free again as soon as it is dead (not at slot reuse)."""
    m = re.search(r"^hog> hog: sbrk refused after (\d+) KiB with (-?\d+)$", log, re.M)
    if not m or int(m.group(2)) != -8 or not 512 <= int(m.group(1)) < 1024:
        return f"the hog was not stopped by its 1 MiB limit with -8: {m.groups() if m else None}"
    f = re.search(r"^tasks: hog held up to its 1 MiB limit; free frames (\d+) before it, (\d+) once it died$", log, re.M)
    if not f or f.group(1) != f.group(2):
        return f"the hog's frames did not come back when it died: {f.groups() if f else None}"
    return None


def boot_flow_runs(log):
    """A task that never blocks, at the top priority, cannot stop the boot flow."""
    if not re.search(r"^spinner> intruder: spinning without ever blocking$", log, re.M):
        return "the spinner never ran"
    if not re.search(r"^tasks: spinner has held the CPU at priority 7 for 10 ticks without blocking, "
                     r"and the boot flow still runs: stopping it$", log, re.M):
        return "the boot flow did not get the CPU back from the spinner"
    return None


def syscall_fuzz(log):
    """The seeded system-call fuzzer made its 1000 calls, the kernel checked its
    invariants after each, and every frame came back."""
    if not re.search(r"sysfuzz: 1000 calls, \d+ refused, seed \d+$", log, re.M):
        return "the system-call fuzzer did not finish its 1000 calls"
    m = re.search(r"^sysfuzz: (\d+) calls checked; free frames (\d+) before, (\d+) after$", log, re.M)
    if not m or int(m.group(1)) < 1000 or m.group(2) != m.group(3):
        return f"the kernel's checks after the fuzzer's calls: {m.groups() if m else None}"
    return None


def privileged_probe(arch, umip=False):
    """The prober's privileged read: aarch64 traps it (EC 0x18, named) and kills
    the task alone; i386 stops sgdt only where the CPU has UMIP."""
    def check(log):
        stopped = re.search(r"^threads: killed thread \d+ \(prober\)", log, re.M)
        leaked = re.search(r"^prober> intruder: read 0x\w+ \(the probe was not stopped\)$", log, re.M)
        if arch == "aarch64" or umip:
            want = (r"CPU EXCEPTION: trapped MSR, MRS or system instruction vector=8 esr=0x\w+ \(EC 0x00000018\)"
                    if arch == "aarch64" else r"CPU EXCEPTION: general protection vector=13 ")
            if not stopped or leaked or not re.search(want, log, re.M):
                return "the prober's privileged read was not stopped with its fault named"
        elif not leaked or stopped:
            return "without UMIP the prober's sgdt should run (and say so)"
        return None
    return check


def all_checks(arch):
    return [served, probes, isolation(arch), no_forgery, no_register_leak, memory_limit, boot_flow_runs, syscall_fuzz,
            privileged_probe(arch)]
