"""The session the boot tests type into the default system's shell
(User/Programs/shell.swift), and what its answers must show: every command,
a bad command, bad arguments, line editing (backspace, Ctrl-C), a kill of a
running task the shell started and a refused kill of one it did not. The
script's items go in one at a prompt (ci/machine.py converse)."""
import re

import task_checks

BENCH_ROUNDS = 50
# Tasks the session starts (hello, a spinning intruder, bench's pingpong) and
# the messages bench adds to the summary (its rounds and one stats call).
STARTED = 3
MESSAGES = BENCH_ROUNDS + 1
SPINNER = r"^shell> start: intruder is task (\d+)\r?$"


# The tasks of init's that end by themselves (not the three services, not the shell).
ENDING = task_checks.DEFAULT_TASKS - 4


def quiet(log):
    """Every task but the services and the shell has ended: no other task's
    line can come between the bytes of a line the shell echoes."""
    ended = re.findall(r"^init> init: \S+ .*, as the manifest says", log, re.M)
    return len(ended) >= ENDING and re.search(r"^tasks: hello exited", log, re.M) is not None


def spinner_id(log):
    m = re.search(SPINNER, log, re.M)
    return m.group(1) if m else "none"


SCRIPT = [
    b"help\n",
    b"ps\n",
    b"mem\n",
    b"uptime\n",
    b"start hello 3\n",
    b"start intruder 0 2\n",          # it spins and never blocks, below the shell
    b"ps\n",
    lambda log: f"kill {spinner_id(log)}\n".encode(),
    b"kill 3\n",                       # kvserver: init's task, not the shell's
    b"bogus 1\n",
    b"sleep x\n",
    b"start nosuch\n",
    (quiet, b"ab\x7fc\x08d\x03"),    # edited, then cancelled: it must not run (typed with no other task talking)
    f"bench {BENCH_ROUNDS}\n".encode(),
    b"sleep 1\n",
    b"uptime\n",
    b"halt\n",
]


def checks():
    return [answers, killed_spinner, slept]


def answers(log):
    for what, pattern in [
        ("help", r"^shell> help +this list"),
        ("ps's server line", r"^shell> +3 kvserver +blocked \(receive\) +3 +\d+ +1\r?$"),
        ("ps's own line", r"^shell> +\d+ shell +running +2 +\d+ +6\r?$"),
        ("mem's frames", r"^shell> frames: \d+ of \d+ free \(\d+ of \d+ MiB\)"),
        ("mem's tables", r"^shell> page tables: strategy spare, \d+ tables for the heap"),
        ("hello", r"^hello> hello from my first program: 1 \+ \.\.\. \+ 3 = 6"),
        ("hello's end", r"^shell> shell: task \d+ exited with status 0"),
        ("a refused kill", r"^shell> kill: task 3 is not one this shell started"),
        ("a bad command", r"^shell> shell: no command 'bogus'; type help for the commands"),
        ("a bad argument", r"^shell> sleep: 'x' is not a number it takes"),
        ("an unknown program", r"^shell> start: no program 'nosuch'; embedded: init .*\bpingpong\b"),
        ("the edited line's echo", r"^shell> \$ ab\x08 \x08c\x08 \x08d\^C\r?$"),
        ("bench", rf"^pingpong> pingpong: {BENCH_ROUNDS} round trips, average \d+ cycles"),
        ("halt", r"^shell> shell: halting; init ends the system once its tasks are done"),
        ("the shell's end", r"^init> init: shell exited with status 0, as the manifest says"),
    ]:
        if not re.search(pattern, log, re.M):
            return f"the shell session lacks {what} (/{pattern}/)"
    if re.search(r"no command 'ad'|no command 'd'", log):
        return "a line cancelled with Ctrl-C ran"
    if log.count("shell> kvserver") or re.search(r"^tasks: kvserver killed by shell", log, re.M):
        return "the shell killed a task it did not start"
    return None


def killed_spinner(log):
    """The spinner shows in ps below the shell, and the kill stops it."""
    n = spinner_id(log)
    if n == "none":
        return "the shell did not start the intruder"
    if not re.search(rf"^shell> +{n} intruder +(ready|running) +1 ", log, re.M):
        return f"ps does not show task {n}, the spinning intruder, at priority 1"
    for pattern in (rf"^tasks: intruder killed by shell", rf"^shell> kill: task {n} stopped", rf"^shell> shell: task {n} was stopped"):
        if not re.search(pattern, log, re.M):
            return f"the kill of task {n} lacks /{pattern}/"
    return None


def slept(log):
    """sleep 1 between two uptimes: the guest's clock moved a second or more."""
    times = [float(t) for t in re.findall(r"^shell> uptime: (\d+\.\d+) s", log, re.M)]
    if len(times) != 2:
        return f"want two uptimes in seconds, found {len(times)}"
    if times[1] - times[0] < 1.0:
        return f"sleep 1 took {times[1] - times[0]:.3f} s of the guest's clock"
    return None
