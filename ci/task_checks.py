"""Checks on what a boot shows about the system init starts from its manifest:
the key-value server served every client over IPC and knew each by its badge,
capabilities held (the spy got nothing, a client without grant passed nothing
on, a session capability travelled in a reply), the system-call checks
answered with the right error codes, the ping-pong benchmark ran, the tasks
that broke the rules died alone with the right fault, and init judged every
end as the manifest says. Each check returns None or a problem, as in boot_test.py.

`system_checks` hold for every system built from User/default.manifest's
tasks; `all_checks` add what only the test image (User/test.manifest plus its
in-kernel checks) shows."""
import re

CLIENTS, KEYS, ROUNDS = 3, 20, 2000
# The tasks init starts (User/default.manifest, User/test.manifest).
DEFAULT_TASKS, TEST_TASKS = 13, 23
# The source's one message to the event loop (User/Programs/signals.swift).
SIGNALS_SERVED = 1
# The test system's second server (jamserver): its client "patient" (hello,
# a put and a get per key) and the jammer's one plain call.
JAMMED_SERVED = 1 + 2 * KEYS + 1
# hello + put and get per key per client, client 1's session request and its
# hello on the session, the ping-pong rounds, one stats call.
SERVED = CLIENTS * (1 + 2 * KEYS) + 2 + ROUNDS + 1
# Client 1's probes and the codes they must get (Sources/IPC/SyscallABI.swift).
PROBES = [("bad syscall number", -1), ("write from a kernel address", -2), ("call on an empty slot", -12),
          ("call on slot 99", -11), ("receive on the server's endpoint", -13), ("a 128-byte message", -4),
          ("reply with no call", -5), ("spawn without the control capability", -14),
          ("delete the session", 0), ("call on the deleted session", -12)]
SCRIBBLE = {
    "i386": r"CPU EXCEPTION: page fault vector=14 .* cr2=(0x\w+) \(protection violation, write, user\)",
    "aarch64": r"CPU EXCEPTION: data abort vector=8 esr=0x\w+ \(EC 0x00000024\) far=(0x\w+) elr=0x\w+ \(write, permission fault\)",
    "riscv64": r"CPU EXCEPTION: store page fault scause=0x0000000f sepc=0x\w+ stval=(0x\w+) \(from U-mode\)",
}
INTRUSION = {
    "i386": r"CPU EXCEPTION: page fault vector=14 .* cr2=(0x\w+) \(protection violation, read, user\)",
    "aarch64": r"CPU EXCEPTION: data abort vector=8 esr=0x\w+ \(EC 0x00000024\) far=(0x\w+) elr=0x\w+ \(read, permission fault\)",
    "riscv64": r"CPU EXCEPTION: load page fault scause=0x0000000d sepc=0x\w+ stval=(0x\w+) \(from U-mode\)",
}


def served(log):
    for n in range(1, CLIENTS + 1):
        # The badge is the one the manifest gives client n: the server cannot be told another.
        if not re.search(rf"^kvserver> kv: hello from client-{n} \(badge {n}\)$", log, re.M):
            return f"the server never heard from client {n} under badge {n}"
        if not re.search(rf"^client-{n}> client {n}: {KEYS} puts, {KEYS} of {KEYS} gets verified$", log, re.M):
            return f"client {n} did not get its {KEYS} values back"
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
        if not re.search(rf"^client-1> client: {re.escape(what)} -> {code}$", log, re.M):
            return f"client 1's probe '{what}' did not return {code}"
    return None


def capabilities(log):
    """No task reaches what the manifest (or a grant) did not give it."""
    spy = [("receive on the server's endpoint", -13), ("derive receive from send", -13), ("derive with client 1's badge", -18)]
    for what, code in spy:
        if not re.search(rf"^spy> spy: {re.escape(what)} -> {code}$", log, re.M):
            return f"the spy's '{what}' was not refused with {code}"
    if not re.search(r"^spy> spy: 15 of 15 other slots are empty$", log, re.M):
        return "the spy found something in a slot the manifest left empty"
    # Issue 21, bug 4.5: the spy exits with its last line open; the kernel's line starts a line of its own
    # (a fault report's blank line may come first).
    if not re.search(r"^spy> spy: this line is left open, and the kernel's next line starts below it\n"
                     r"\n?(?!spy> )\S", log, re.M) or re.search(r"starts below it(tasks|threads|system):", log):
        return "a kernel line went on from the spy's open line"
    if not re.search(r"^client-2> client: pass the server's endpoint on without grant -> -13$", log, re.M):
        return "client 2 passed on a capability it holds without grant (want missingRight, -13)"
    if not re.search(r"^client-1> client 1: asked for a session -> 0, a capability landed, badge 901$", log, re.M) or \
            not re.search(r"^kvserver> kv: hello from session-1 \(badge 901\)$", log, re.M):
        return "the session capability did not travel in the reply, or the server did not see its badge"
    return None


def init_verdict(tasks):
    def check(log):
        started = re.findall(r"^init> init: \S+ started as task \d+$", log, re.M)
        if len(started) != tasks:
            return f"init started {len(started)} tasks, want {tasks}"
        if not re.search(r"^init> init: every task ended as the manifest says$", log, re.M):
            return "init did not find every task ending as the manifest says"
        for name in ("kvserver", "spinner"):
            if not re.search(rf"^init> init: {name} was stopped, as the manifest says$", log, re.M):
                return f"init did not stop the service {name} at the end"
        if re.search(r"NOT as the manifest says", log):
            return "a task did not end as the manifest says"
        return None
    return check


# Each intruder: (task name, the line it prints first, the faults each arch
# must report at that address, what it prints if the access went through).
INTRUDERS = [("intruder", r"intruder> intruder: reading kernel memory at (0x\w+)", INTRUSION, "isolation is broken"),
             ("scribbler", r"scribbler> intruder: writing over my own code at (0x\w+)", SCRIBBLE, "W^X is broken")]


def isolation(arch):
    def check(log):
        for name, announce, faults, broken in INTRUDERS:
            start = re.search(rf"^{announce}$", log, re.M)
            # The first such fault after the announcement (another task may fault the same way before it).
            fault = start and re.compile(faults[arch], re.M).search(log, start.end())
            if not start or not fault or int(start.group(1), 16) != int(fault.group(1), 16):
                return f"{name}: its access was not refused with a user fault at its address"
            if broken in log or not re.search(rf"^threads: killed thread \d+ \({name}\)", log, re.M):
                return f"{name} was not killed"
            if not re.search(rf"^init> init: {name} was killed by a fault \(cause \d+\), as the manifest says$", log, re.M):
                return f"init did not learn that {name} was killed by a fault"
        for torn in re.finditer(r"^tasks: (\S+)'s address space torn down: (\d+) frames given back of (\d+) held$", log, re.M):
            if torn.group(2) != torn.group(3):
                return f"{torn.group(1)}'s address space gave back {torn.group(2)} of {torn.group(3)} frames"
        return None
    return check


def teardown_totals(log):
    """The test image's total: every dead task's frames came back, frame for frame."""
    if not re.search(r"^tasks: image damaged refused: built for machine 62, not this CPU$", log, re.M):
        return "the damaged image was not refused by name"
    torn = re.search(r"^tasks: (\d+) address spaces torn down: (\d+) frames given back of (\d+) the tasks held$", log, re.M)
    # The fuzzer, the active-space check's task and every task but init (which is still running when this is printed).
    if not torn or int(torn.group(1)) != TEST_TASKS + 2 or int(torn.group(2)) != int(torn.group(3)) \
            or int(torn.group(2)) < TEST_TASKS * 10:
        return f"the dead tasks' address spaces were not all given back, frame for frame: {torn.groups() if torn else None}"
    return None


def heap_shrinks(log):
    """Test image: with tasks alive, an 8 MiB block at the heap's top is freed
    twice over; each time its pages come back to the frame allocator (at least
    2048 frames) and the heap is smaller again, and the second round ends where
    the first did (nothing lost)."""
    rounds = re.findall(r"^heap: round (\d) with tasks alive: 8 MiB block taken, heap (\d+) KiB -> (\d+) KiB -> (\d+) KiB "
                        r"once freed; free frames (\d+) -> (\d+) -> (\d+); leaf tables released so far (\d+)$", log, re.M)
    if len(rounds) != 2:
        return f"{len(rounds)} heap shrink rounds reported, want 2"
    for r in rounds:
        heap1, heap2, f1, f2 = int(r[2]), int(r[3]), int(r[5]), int(r[6])
        if heap2 >= heap1 or f2 - f1 < 2048:
            return f"round {r[0]}: heap {heap1} -> {heap2} KiB, frames {f1} -> {f2}: the freed block did not come back"
    if rounds[0][6] != rounds[1][6] or rounds[0][3] != rounds[1][3]:
        return "the second shrink round did not end where the first did"
    return None


def no_forgery(log):
    """A task's output is tagged with its name and shows control bytes: the
    intruder's forged summary line cannot pass for the kernel's."""
    if not re.search(r"^intruder> KERNEL OK arch=forged \\x0d\\x1b\[2K$", log, re.M):
        return "the intruder's forged line is not shown tagged, with its control bytes visible"
    if re.search(r"^KERNEL OK arch=forged", log, re.M):
        return "a task wrote a line that starts like the kernel's summary"
    return None


def no_register_leak(log):
    """Each intruder task plants a value in its thread registers (i386 FS/GS,
    aarch64 TPIDR_EL0, riscv64 tp); every task must start with them clear. (The spinner
    runs only when nothing else is ready: it may never have run.)"""
    seen = re.findall(r"^(?:intruder|scribbler|spinner|prober)> intruder: thread registers at start (0x\w+)$", log, re.M)
    if len(seen) < 3:
        return f"{len(seen)} intruders reported their thread registers, want at least 3"
    if any(int(v, 16) != 0 for v in seen):
        return f"a task started with another's thread registers: {seen}"
    return None


def memory_limit(log):
    """The hog's sbrk is refused at its 768 KiB limit with overLimit (-8); a
    negative sbrk gives it all back, after which it can grow again, and a
    shrink below its heap's start is refused (-3); its frames are given back
    as soon as it is dead (not at slot reuse)."""
    m = re.search(r"^hog> hog: sbrk refused after (\d+) KiB with (-?\d+)$", log, re.M)
    if not m or int(m.group(2)) != -8 or not 512 <= int(m.group(1)) < 1024:
        return f"the hog was not stopped by its 768 KiB limit with -8: {m.groups() if m else None}"
    back = re.search(r"^hog> hog: sbrk\(-(\d+) KiB\) -> (-?\d+), then sbrk\(64 KiB\) -> (-?\d+), below the heap's start -> (-?\d+)$", log, re.M)
    if not back or back.group(1) != m.group(1) or back.groups()[1:] != ("0", "0", "-3"):
        return f"the hog's negative sbrk: {back.groups() if back else None}, want all back, growth again, and -3 below the start"
    exited = log.find("\ntasks: hog exited with status 0\n")
    f = re.search(r"^tasks: hog's address space torn down: (\d+) frames given back of (\d+) held$", log, re.M)
    if exited < 0 or not f or f.group(1) != f.group(2):
        return f"the hog's frames did not come back when it died: {f.groups() if f else None}"
    return None


def spinner_stopped(log):
    """A task that never blocks cannot keep init from finishing the system."""
    if not re.search(r"^init> init: the system is done; stopping spinner$", log, re.M) or \
            not re.search(r"^tasks: spinner killed by init$", log, re.M):
        return "init did not stop the spinner"
    return None


def orphan(log):
    """A client of a server that dies owing its reply wakes with partnerDied, and
    its next call fails with endpointClosed: an error, not a hang."""
    if not re.search(r"^orphan> orphan: call while the server dies -> -7, call after -> -17$", log, re.M):
        return "the dead server's client did not get partnerDied (-7), then endpointClosed (-17)"
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
    """The prober's privileged read: aarch64 traps it (EC 0x18, named) and riscv64
    (an illegal instruction) and kill the task alone; i386 stops sgdt only where
    the CPU has UMIP."""
    def check(log):
        stopped = re.search(r"^threads: killed thread \d+ \(prober\)", log, re.M)
        leaked = re.search(r"^prober> intruder: read 0x\w+ \(the probe was not stopped\)$", log, re.M)
        if arch != "i386" or umip:
            want = {"aarch64": r"CPU EXCEPTION: trapped MSR, MRS or system instruction vector=8 esr=0x\w+ \(EC 0x00000018\)",
                    "riscv64": r"CPU EXCEPTION: illegal instruction scause=0x00000002 .*\(from U-mode\)",
                    "i386": r"CPU EXCEPTION: general protection vector=13 "}[arch]
            if not stopped or leaked or not re.search(want, log, re.M):
                return "the prober's privileged read was not stopped with its fault named"
        elif not leaked or stopped:
            return "without UMIP the prober's sgdt should run (and say so)"
        return None
    return check


def system_checks(arch, tasks=DEFAULT_TASKS):
    return [served, probes, capabilities, init_verdict(tasks), isolation(arch), no_forgery, no_register_leak,
            spinner_stopped, privileged_probe(arch)]


def first_missing(log, wants):
    """The problem of the first (pattern, problem) whose pattern no line of the log matches, or None."""
    return next((problem for pattern, problem in wants if not re.search(pattern, log, re.M)), None)


def jammer(log):
    """Issue 21, bug 4.1: a client whose queued call carries a capability the
    server takes none of is turned away (noSlotNamed, -16); the server goes on
    serving, the jammer's next plain call included."""
    if re.search(r"^jamserver> kv: receive failed", log, re.M):
        return "the jammed server's receive failed: one client stopped it"
    return first_missing(log, [
        (r"^jammer> jammer: a call carrying a capability the server takes none of -> -16$",
         "the jammer's capability-carrying call was not turned away with noSlotNamed (-16)"),
        (r"^jammer> jammer: a plain call afterwards -> 0, answer 42$", "the jammed server did not serve the jammer's plain call"),
        (rf"^patient> client 4: {KEYS} puts, {KEYS} of {KEYS} gets verified$", "the jammed server's other client was not served")])


def active_space(log):
    """Issue 21, §7: the active address space is never torn down (the test image's check)."""
    return first_missing(log, [(r"^tasks: an active address space is never torn down; once left, it is$",
                                "the test image's check of tearing down the active address space did not pass")])


def full_table(log):
    """Issue 21, bug 4.4: a start into a full thread table is noResources, not outOfMemory."""
    return first_missing(log, [(p, "the test image's start into a full thread table was not refused as noResources") for p in (
        r"^threads: the thread table is full \(64 threads\)$",
        r"^tasks: a start into a full thread table is refused \(noResources\), its load given back$")])


def refused_spawns(log):
    """Issue 21, §7: spawns refused whole, each with its code, starting nothing
    (a tryWait right after finds no task to collect: wouldBlock, -10)."""
    return first_missing(log, [(rf"^init> init: a spawn with {what} -> {code}, then tryWait -> -10$",
                                f"init's spawn with {what} was not refused with {code} leaving nothing started")
                               for what, code in (("two capabilities for one slot", -15), ("a capability init does not hold", -12),
                                                  ("a load over its memory limit", -8))])


def mixed(log):
    """A program of several files (User/Programs/mixed: Swift, C for every arch, its arch's assembly) runs whole."""
    return first_missing(log, [(r"^mixed> mixed: digits of 90817 sum to 25 in assembly, 25 in Swift; checksum from C 0x7edcbc84$",
                                "the several-file program did not run its C and assembly parts")])


def signals(log):
    """Notifications (User/Programs/signals.swift): ten signals with two badges
    before the loop runs are one wake with both bits, taken by a receive on the
    bound notification before the queued call; a signal ends a bound receive; a
    signal while nobody waits stays in the word for poll; rights and kinds are checked."""
    return first_missing(log, [
        (r"^eventloop> one wake for 10 signals: notified yes, bits 3$", "the signals did not merge into one bound wake"),
        (r"^eventloop> then the call: notified no, badge 1, word 41$", "the source's call did not follow"),
        (r"^eventloop> the reply, then a receive a signal ended: notified yes, bits 1; then poll: bits 2, then 0$",
         "a signal did not end the bound receive, or poll did not take what came after"),
        (r"^eventloop> a timer woke the wait: bits 4, at or after its deadline; a past deadline at once: bits 4; cancelled: bits 0$",
         "the task's timer did not signal at its deadline, at once when past, and never when cancelled"),
        (r"^source> wait on a signal-only capability: -13; signal on an endpoint: -14$",
         "a signal-only capability waited, or an endpoint was signalled")])


def sharers(log):
    """Shared memory (User/Programs/sharer.swift): the reader maps the region
    first; the writer fills it and dies by a fault while mapping it; its space
    is torn down, and the reader still finds every word. The region's frames
    come back once, only after the reader is gone too; a read-only capability
    is not mapped writable; the region reports one page-aligned physical run."""
    problem = first_missing(log, [
        (r"^reader> reader: mapped the region's 16384 bytes, physically one run at 0x[0-9a-f]*000$",
         "the reader did not map the region or learn its physical run"),
        (r"^reader> reader: 4096 of 4096 words intact after the writer died; a writable map of a read-only capability -> -13$",
         "the reader did not find the writer's words, or mapped a read-only capability writable")])
    if problem:
        return problem
    lines = log.splitlines()
    def at(pattern):
        return next((i for i, line in enumerate(lines) if re.search(pattern, line)), None)
    writer_gone = at(r"^tasks: writer's address space torn down: ")
    intact = at(r"^reader> reader: 4096 of 4096 words intact")
    reader_done = at(r"^tasks: reader's address space torn down: ")
    freed = [i for i, line in enumerate(lines) if re.search(r"^regions: region \d+'s 4 frames given back", line)]
    if writer_gone is None or intact is None or writer_gone > intact:
        return "the reader checked the words before the writer's space was torn down"
    if len(freed) != 1 or reader_done is None or freed[0] < reader_done:
        return f"the region's 4 frames did not come back once, after both sharers' spaces were gone (lines {freed})"
    return None


def console_driver(arch):
    """The console driver task (User/Programs/console.swift): init makes the
    UART's interrupt from the tree's line (node=@stdout); the driver attaches,
    its transmit interrupt arrives through the kernel, every later line reaches
    the screen through it, and when init stops it the kernel takes the screen
    back before the summary."""
    line = {"i386": 4, "aarch64": 33, "riscv64": 10}[arch]
    return lambda log: first_missing(log, [
        (rf"^init> init: uart-irq is line {line}$", f"init did not make the UART's interrupt (line {line}) from the tree"),
        (r"^console: console drives the console from here; the kernel writes to its log ring$", "the driver did not attach"),
        (r"^console> console: the UART's interrupt arrived; the console is interrupt driven from here$",
         "the UART's interrupt did not reach the driver"),
        (r"^console: the driver is gone; the kernel writes to the UART again .*\n(.*\n)*KERNEL OK", "the kernel did not take the screen back")])


def all_checks(arch):
    return system_checks(arch, TEST_TASKS) + [teardown_totals, memory_limit, orphan, syscall_fuzz, heap_shrinks, jammer,
                                              full_table, refused_spawns, mixed, active_space, signals, sharers,
                                              console_driver(arch)]
