#!/usr/bin/env python3
"""make test's check of ci/manifest.py: each kind of mistake in a manifest stops
the build with a message that names the file and the line. Both real manifests
must pass. Each case writes a small manifest with one mistake on a known line."""
import os
import re
import subprocess
import sys
import tempfile

GOOD = """endpoint kv
task server program=kvserver ends=service
    cap kv receive,send
task client program=kvclient args=1
    cap kv send badge=1
"""

# (what, manifest text, the line the mistake is on, words the message must hold)
CASES = [
    ("missing program", GOOD + "task ghost program=nosuchprogram\n", 6, "program nosuchprogram does not exist"),
    ("capability to an undeclared endpoint", GOOD + "task c2 program=kvclient\n    cap nowhere send\n", 7,
     "endpoint nowhere, which is not declared"),
    ("capability to a task", GOOD + "task c2 program=kvclient\n    cap server send\n", 7, "which is a task"),
    ("duplicate task", GOOD + "task client program=kvclient\n", 6, "task client is already declared on line 4"),
    ("duplicate endpoint", "endpoint kv\nendpoint kv\n" + GOOD.split("\n", 1)[1], 2, "endpoint kv is already declared on line 1"),
    ("unknown right", GOOD.replace("receive,send", "receive,steal"), 3, "unknown right steal"),
    ("priority of init", GOOD.replace("ends=service", "ends=service priority=7"), 2, "priority=7 is outside 1..6"),
    ("slot taken twice", GOOD + "    cap kv send slot=0\n", 6, "slot 0 already holds a capability"),
    ("a task called init", GOOD + "task init program=kvclient\n", 6, "init is not a task of the manifest"),
    ("bad ends", GOOD.replace("ends=service", "ends=never"), 2, "ends=never"),
    ("cap outside a task", "endpoint kv\n    cap kv send\n" + GOOD.split("\n", 1)[1], 2, "a cap line belongs under a task"),
    # Issue 21, §6: each passed the checker and failed at boot or in the generated Swift.
    ("15 endpoints", "".join(f"endpoint e{i}\n" for i in range(14)) + GOOD, 15, "more than 14 objects"),
    # Issue 22: notifications share init's slots and have rights of their own.
    ("15 objects with notifications", "".join(f"notification n{i}\n" for i in range(14)) + GOOD, 15, "more than 14 objects"),
    ("an endpoint's right on a notification", "notification ev\n" + GOOD + "    cap ev send\n", 7,
     "unknown right send on notification ev (signal, wait, grant)"),
    ("duplicate notification", "notification ev\nendpoint ev\n" + GOOD, 2, "notification ev is already declared on line 1"),
    ("63 tasks", GOOD + "".join(f"task t{i} program=hello\n" for i in range(61)), 66, "more than 62 tasks"),
    ("memory=0", GOOD.replace("args=1", "args=1 memory=0"), 4, "memory=0 is less than a task needs"),
    ("memory=5000M", GOOD.replace("args=1", "args=1 memory=5000M"), 4, "memory=5000M is 4G or more"),
    ("args=-1", GOOD.replace("args=1", "args=-1"), 4, "args=-1: each argument is 0..2^32-1"),
    ("args past a word", GOOD.replace("args=1", "args=1,4294967296"), 4, "each argument is 0..2^32-1"),
    # Issue 21, §7: checks no test guarded.
    ("badge of 2^32", GOOD.replace("badge=1", "badge=4294967296"), 5, "badge=4294967296 must be 1..2^32-1"),
    ("a ninth capability", GOOD + "".join(f"    cap kv send badge={i + 2}\n" for i in range(8)), 13, "more than 8 capabilities"),
    ("slot=16", GOOD + "    cap kv send slot=16\n", 6, "slot=16 is outside 0..15"),
    ("program line for a missing program", GOOD + "program nosuchprogram\n", 6, "program nosuchprogram does not exist"),
    ("no task", "endpoint kv\n", 1, "the manifest starts no task"),
    ("a 16-character name", GOOD + "task abcdefghijklmnop program=hello\n", 6, "at most 15"),
    # Issue 22: regions, devices and interrupts, one case per kind of mistake.
    ("a region without a size", "region buf\n" + GOOD, 1, "a region needs size="),
    ("a region too big", "region buf size=65M\n" + GOOD, 1, "size=65M must be 1 byte up to 64M"),
    ("a region of nothing", "region buf size=0\n" + GOOD, 1, "size=0 must be 1 byte up to 64M"),
    ("a key a region does not take", "region buf size=4K node=/x\n" + GOOD, 1, "unknown key node (size)"),
    ("a key an endpoint does not take", "endpoint kv size=4K\n" + GOOD.split("\n", 1)[1], 1, "unknown key size (a endpoint takes none)"),
    ("a device without a node", "device uart\n" + GOOD, 1, "a device needs node=PATH"),
    ("a device path that is no path", "device uart node=serial0\n" + GOOD, 1, "node=serial0 is not a path"),
    ("a device path too long", "device uart node=/" + "a" * 64 + "\n" + GOOD, 1, "at most 64 bytes"),
    ("a device given twice", "device a node=@stdout\ndevice b node=@stdout index=0\n" + GOOD, 2,
     "its registers are already device a's (line 1)"),
    ("a device right on a device", "device uart node=@stdout\n" + GOOD + "    cap uart send\n", 7,
     "unknown right send on device uart (read, write, grant)"),
    ("an interrupt with no notification", "interrupt rx node=@stdout\n" + GOOD, 1, "an interrupt needs signals=NOTIFICATION"),
    ("an interrupt signalling an endpoint", "interrupt rx node=@stdout signals=kv badge=1\n" + GOOD, 1,
     "signals=kv is not a notification declared above it"),
    ("an interrupt with no badge", "notification ev\ninterrupt rx node=@stdout signals=ev\n" + GOOD, 2, "badge=0 must be 1..2^32-1"),
    ("an interrupt with a node and an irq", "notification ev\ninterrupt rx node=@stdout irq=4 signals=ev badge=1\n" + GOOD, 2,
     "node=PATH [index=N] (from the device tree) or irq=N (i386), one of them"),
    ("an interrupt's index without a node", "notification ev\ninterrupt rx irq=4 index=1 signals=ev badge=1\n" + GOOD, 2,
     "index= goes with node="),
    ("a line given twice by node", "notification ev\ninterrupt a node=@stdout signals=ev badge=1\n"
     "interrupt b node=@stdout signals=ev badge=2\n" + GOOD, 3, "its line is already interrupt a's (line 2)"),
    ("a line given twice by number", "notification ev\ninterrupt a irq=4 signals=ev badge=1\n"
     "interrupt b irq=4 signals=ev badge=2\n" + GOOD, 3, "its line is already interrupt a's (line 2)"),
    ("an interrupt given to two tasks", "notification ev\ninterrupt rx irq=4 signals=ev badge=1\n" + GOOD
     + "    cap rx ack\n" + "task c2 program=kvclient\n    cap rx ack\n", 10,
     "interrupt rx is already given to task client: a line is acknowledged by one task"),
    ("15 regions and devices", "".join(f"region r{i} size=4K\n" for i in range(8)) + "".join(f"device d{i} node=/d{i}\n" for i in range(6))
     + GOOD, 15, "more than 14 objects"),
    ("a key given twice", "region buf size=4K size=8K\n" + GOOD, 1, "size= is given twice"),
    ("an object called control", "endpoint control\n" + GOOD, 1, "the name is the control capability's"),
    ("an unknown right on control", GOOD + "    cap control send\n", 6, "unknown right send on the control capability"),
    ("a badge on control", GOOD + "    cap control tasks badge=3\n", 6, "the control capability takes no badge"),
]


def run(text):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "case.manifest")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([sys.executable, "ci/manifest.py", path, "--check"], capture_output=True, text=True)
        return p.returncode, p.stderr.strip(), os.path.relpath(path)


def main():
    failed = 0
    for name in ("default", "test"):
        p = subprocess.run([sys.executable, "ci/manifest.py", f"User/{name}.manifest", "--check"], capture_output=True, text=True)
        if p.returncode != 0:
            print(f"FAIL User/{name}.manifest is refused: {p.stderr.strip()}")
            failed += 1
    status, message, _ = run(GOOD)
    if status != 0:
        print(f"FAIL the good example is refused: {message}")
        failed += 1
    for what, text, line, words in CASES:
        status, message, path = run(text)
        if status == 0 or f"{path}:{line}:" not in message or words not in message:
            print(f"FAIL {what}: status {status}, message {message!r}; want line {line} and '{words}'")
            failed += 1
    # Issue 21, bug 5.4: a SYSTEM without a manifest is named, with how to start one.
    p = subprocess.run(["make", "-n", "run-i386", "SYSTEM=nosuchsystem"], capture_output=True, text=True)
    if p.returncode == 0 or "there is no User/nosuchsystem.manifest" not in p.stderr or "cp User/default.manifest" not in p.stderr:
        print(f"FAIL make run-i386 SYSTEM=nosuchsystem: status {p.returncode}, {p.stderr.strip()!r}")
        failed += 1
    # Issue 21, §6: one program that does not compile broke every system. Only the
    # programs a manifest names are built for its system (make's plan shows it).
    with tempfile.TemporaryDirectory() as d:
        plan = subprocess.run(["make", "-n", "-B", f"BUILD={d}", f"{d}/i386/default/programs.S.o"], capture_output=True, text=True)
        built = set(re.findall(r"-module-name (\w+) ", plan.stdout))
        want = set(subprocess.run([sys.executable, "ci/manifest.py", "User/default.manifest", "--list-programs"],
                                  capture_output=True, text=True).stdout.split()) | {"init"}
        if plan.returncode != 0 or built != want:
            print(f"FAIL the default system's build compiles {sorted(built)}, want only what its manifest names: {sorted(want)}")
            failed += 1
    print(f"manifest: {len(CASES) + 5 - failed} of {len(CASES) + 5} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
