"""Checks on what a boot shows about interrupts and threads: the counting
threads interleave (they never yield, so only the timer can do that), the
timer runs near its stated rate (host clock against the kernel's tick marks),
and each scratch thread's fault is reported with the right cause and kills
only that thread. Each check returns None or a problem, as in boot_test.py."""
import re

COUNTERS, COUNT_TO = "ABC", 10
# The cause each scratch thread's fault must be reported with. The guard and
# overflow patterns capture the faulting address.
FAULTS = {
    "i386": {
        "guard": r"CPU EXCEPTION: page fault vector=14 .* cr2=(0x\w+) \(page not present, write, kernel\)",
        # The overflowing push cannot deliver its page fault on the same stack: a double fault.
        "overflow": r"CPU EXCEPTION: double fault vector=8 .* cr2=(0x\w+)",
        # No CR2 for a fault that is not a page fault: it would be stale.
        "undefined": r"CPU EXCEPTION: invalid opcode vector=6 error=0x\w+ eip=0x\w+$",
        "swift-trap": r"CPU EXCEPTION: invalid opcode vector=6 error=0x\w+ eip=0x\w+$",   # Swift's trap is ud2
    },
    "aarch64": {
        "guard": r"CPU EXCEPTION: data abort vector=0 esr=0x\w+ \(EC 0x00000025\) far=(0x\w+) elr=0x\w+ \(write, translation fault\)",
        "overflow": r"CPU EXCEPTION: data abort vector=0 esr=0x\w+ \(EC 0x00000025\) far=(0x\w+) elr=0x\w+ \(write, translation fault\)",
        # No FAR for an exception that is not an abort: it would be stale.
        "undefined": r"CPU EXCEPTION: undefined instruction vector=0 esr=0x\w+ \(EC 0x00000000\) elr=0x\w+$",
        "swift-trap": r"CPU EXCEPTION: BRK vector=0 esr=0x\w+ \(EC 0x0000003c\) elr=0x\w+$",  # Swift's trap is brk
    },
    "riscv64": {
        "guard": r"CPU EXCEPTION: store page fault scause=0x0000000f sepc=0x\w+ stval=(0x\w+) \(from S-mode\)$",
        "overflow": r"CPU EXCEPTION: store page fault scause=0x0000000f sepc=0x\w+ stval=(0x\w+) \(from S-mode\)$",
        "undefined": r"CPU EXCEPTION: illegal instruction scause=0x00000002 sepc=0x\w+ stval=0x\w+ \(from S-mode\)$",
        "swift-trap": r"CPU EXCEPTION: illegal instruction scause=0x00000002 sepc=0x\w+ stval=0x\w+ \(from S-mode\)$",  # unimp
    },
}


def interleaving(log):
    """Each counter counts 1..COUNT_TO in order, and the output interleaves."""
    lines = re.findall(r"^thread ([A-Z]): (\d+) ", log, re.M)
    for letter in COUNTERS:
        counts = [int(n) for l, n in lines if l == letter]
        if counts != list(range(1, COUNT_TO + 1)):
            return f"thread {letter} counted {counts}, want 1..{COUNT_TO}"
    changes = sum(1 for a, b in zip(lines, lines[1:]) if a[0] != b[0])
    # Run to completion one after another, three threads change hands twice.
    if changes < 3 * COUNT_TO // 2:
        return f"the counters' output changes thread only {changes} times: no preemption"
    return None


def timer_rate(log):
    """Ticks between the start and end marks over the host time between those lines."""
    stamps = getattr(log, "stamps", None)
    if not stamps:
        return "no line timestamps"
    marks = {}
    for t, line in stamps:
        m = re.match(r"timer: mark (start|end) tick=(\d+)$", line)
        if m:
            marks[m.group(1)] = (t, int(m.group(2)))
    hz = re.search(r"^KERNEL OK .* hz=(\d+)", log, re.M)
    if len(marks) != 2 or not hz:
        return "no timer marks or no hz= in the summary"
    (t0, k0), (t1, k1) = marks["start"], marks["end"]
    if k1 - k0 < 20 or t1 <= t0:
        return f"only {k1 - k0} ticks between the marks"
    rate, want = (k1 - k0) / (t1 - t0), int(hz.group(1))
    if not 0.6 * want <= rate <= 1.4 * want:
        return f"timer ran at {rate:.1f} Hz by the host clock; the kernel set {want} Hz"
    return None


def sleep_and_wake(log):
    """A sleep of 4 ticks lasts 4 (5 if a tick fell between reading the clock
    and the call); a blocked thread stays blocked until it is woken."""
    slept = [int(n) for n in re.findall(r"^sleeper: asked for 4 ticks, slept (\d+)$", log, re.M)]
    if len(slept) != 3 or not all(4 <= n <= 5 for n in slept):
        return f"sleeps of 4 ticks took {slept}"
    order = [log.find(s) for s in ("\nwaiter: blocking until woken", "\nthreads: waking the waiter (it was blocked)",
                                   "\nwaiter: woken at tick")]
    if -1 in order or order != sorted(order):
        return "the waiter did not block, get woken and run again, in that order"
    return None


def fault_reports(arch):
    def check(log):
        sections = re.split(r"^threads: scratch thread ", log, flags=re.M)[1:]
        seen = {}
        for s in sections:
            name = s.split("\n", 1)[0]
            seen[name] = s
        for name, pattern in FAULTS[arch].items():
            s = seen.get(name)
            if s is None:
                return f"no scratch thread {name}"
            m = re.search(pattern, s, re.M)
            if not m:
                return f"{name}: no report matching /{pattern}/"
            if not re.search(rf"^threads: killed thread \d+ \({re.escape(name)}\); the others run on", s, re.M):
                return f"{name}: the thread was not killed"
            if name in ("guard", "overflow"):
                address = int(m.group(1), 16)
                g = re.search(rf"^stack: (0x\w+) is in the guard page below thread \d+ \({name}\)'s stack", s, re.M)
                if not g or int(g.group(1), 16) != address:
                    return f"{name}: the fault at {address:#x} is not blamed on the thread's guard page"
            if name == "guard":
                w = re.search(r"^guard: writing 16 bytes below my stack, at (0x\w+)", s, re.M)
                if not w or int(w.group(1), 16) != address:
                    return f"guard: reported address {address:#x} is not the one written"
        if not re.search(r"^threads: 4 faulting threads killed; the kernel runs on", log, re.M):
            return "the kernel did not go on after the faults"
        return None
    return check


def device_storm(arch):
    """The test image's interrupt storm (Kernel/Images/Test/DeviceLineCheck.swift):
    a line raised 100 times while masked (aarch64: a GIC SPI pended; i386: COM1's
    IRQ 4 at the PIC; riscv64: the UART's source at the PLIC) is delivered once,
    and the next raise after the ack once more."""
    want = r"^interrupts: line \d+ raised 100 times while masked: one signal; after the ack, the next raise is one more$"

    def check(log):
        return None if re.search(want, log, re.M) else f"log lacks /{want}/"
    return check


def all_checks(arch):
    return [interleaving, timer_rate, sleep_and_wake, fault_reports(arch), device_storm(arch)]
