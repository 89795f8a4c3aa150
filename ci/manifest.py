#!/usr/bin/env python3
"""Read a system manifest (User/<system>.manifest, format in docs/manifest.md),
check it, and write what the build needs into OUT:

  programs.S         the user programs the system runs, embedded in the kernel:
                     `user_programs`: a count, then (name, start, end) per
                     program, init first (the kernel starts init by name)
  SystemTable.swift  the table init starts the system from, compiled into init
  programs.txt       the programs' names, one a line, init first (for make)

A manifest with a mistake stops the build with `FILE:LINE: what is wrong`.
Usage: manifest.py MANIFEST --out DIR [--user-dir DIR] [--programs-dir User/Programs]
       manifest.py MANIFEST --check      (only check; prints nothing on success)
       manifest.py MANIFEST --list-programs   (the programs it embeds, for make: only they are built)
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def swift_limit(path, type_name, constant):
    """`static let CONSTANT = N` inside `type_name` in the Swift source at `path`:
    the kernel's own limit, read where it is defined rather than restated."""
    text = open(os.path.join(ROOT, path)).read()
    start = re.search(rf"^(struct|enum) {type_name}\b", text, re.M)
    m = start and re.compile(rf"^\s+static let {constant} = (\d+)$", re.M).search(text, start.end())
    if not m:
        raise SystemExit(f"manifest.py: no `static let {constant} = N` in {type_name} ({path}): the limit moved; update manifest.py")
    return int(m.group(1))


# Rights per kind of object: the same three bits, read per kind (Sources/IPC/Capabilities.swift).
RIGHTS = {"endpoint": {"send": 1, "receive": 2, "grant": 4}, "notification": {"signal": 1, "wait": 2, "grant": 4},
          "region": {"read": 1, "write": 2, "grant": 4}, "device": {"read": 1, "write": 2, "grant": 4},
          "interrupt": {"ack": 2, "grant": 4}}
KINDS = tuple(RIGHTS)
# `cap control RIGHTS`: a copy of init's control capability (Sources/IPC/Capabilities.swift):
# tasks starts, kills, waits for and inspects the holder's own children; objects makes objects.
# Its object number is -1: init's slot 1 + (-1), its slot 0.
CONTROL = "control"
CONTROL_RIGHTS = {"tasks": 1, "objects": 2, "grant": 4}
ENDS = ("exit", "fault", "service", "any")
SLOTS = swift_limit("Sources/IPC/Capabilities.swift", "CapabilitySpace", "slots")
MAX_CAPS = swift_limit("Sources/IPC/SyscallABI.swift", "SpawnRequest", "maxCapabilities")
NAME_BYTES = swift_limit("Sources/IPC/SyscallABI.swift", "SpawnRequest", "nameBytes")
NAME = re.compile(rf"^[a-z][a-z0-9-]{{0,{NAME_BYTES - 1}}}$")
# Init makes object i (in the order of the file) in its slot 1 + i (slot 0
# holds its control capability, the last slot is its scratch slot for an
# interrupt's badged notification), and the kernel has a table of each kind:
# regions and devices share the regions' table.
MAX_OBJECTS = SLOTS - 2
MAX_OF_KIND = {"endpoint": swift_limit("Sources/IPC/Endpoints.swift", "Endpoints", "capacity"),
               "notification": swift_limit("Sources/IPC/Notifications.swift", "Notifications", "capacity"),
               "region": swift_limit("Sources/IPC/Regions.swift", "Regions", "capacity"),
               "interrupt": swift_limit("Sources/IPC/InterruptObjects.swift", "Interrupts", "capacity")}
TABLE_OF = {"device": "region"}
PATH_BYTES = swift_limit("Sources/IPC/SyscallDecode.swift", "SyscallLimits", "devicePathBytes")
# The map window is a quarter of the 256 MiB user window (Sources/Loader/UserLayout.swift).
MAX_REGION = 64 << 20
# Every slot of the thread table but the idle thread's and init's.
MAX_TASKS = swift_limit("Sources/Sched/ThreadRecord.swift", "ThreadTable", "capacity") - 2
# Init runs at the top priority; the tasks it starts run below it (0 is left to nobody).
PRIORITIES = range(1, swift_limit("Sources/Sched/Scheduler.swift", "Scheduler", "priorities") - 1)
# A task's limit and arguments travel in machine words: 32 bits on i386, so every
# arch's manifest keeps them below 2^32.
WORD_LIMIT = 1 << 32
# The least memory a task can load in: its stack (TaskTable.stackPages), its root and a table.
MIN_MEMORY = (4 + 2) * 4096


class ManifestError(Exception):
    pass


def parse_size(text):
    m = re.fullmatch(r"(\d+)([KM]?)", text)
    if not m:
        raise ValueError(f"memory={text} is not a size (like 512K or 4M)")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20}[m.group(2)]


def parse_number(text, what):
    try:
        return int(text, 0)
    except ValueError:
        raise ValueError(f"{what}={text} is not a number")


def program_exists(programs_dir, name):
    """A program is one file, NAME.swift, or a folder NAME/ holding Swift files (docs/first-program.md)."""
    folder = os.path.join(programs_dir, name)
    return os.path.exists(folder + ".swift") or (os.path.isdir(folder) and any(f.endswith(".swift") for f in os.listdir(folder)))


def parse(path, programs_dir):
    endpoints = {}        # object name -> (index, line, kind): every kind of object
    details = {}          # object name -> what its declaration says beyond the name
    extra = []            # programs embedded though no task runs them (`program NAME`)
    tasks = []            # dicts, in order
    names = {}            # task name -> line
    where = os.path.relpath(path)

    def fail(line, message):
        raise ManifestError(f"{where}:{line}: {message}")

    with open(path) as f:
        lines = f.read().splitlines()
    for number, raw in enumerate(lines, 1):
        text = raw.split("#", 1)[0].rstrip()
        if not text.strip():
            continue
        indented = text[0].isspace()
        words = text.split()
        kind = words[0]
        if kind in KINDS and not indented:
            if len(words) < 2 or not NAME.match(words[1]):
                fail(number, f"a {kind} line is `{kind} NAME{DECLARATION_KEYS[kind]}` (name: lower case, digits, '-', at most {NAME_BYTES})")
            if len(endpoints) == MAX_OBJECTS:
                fail(number, f"more than {MAX_OBJECTS} objects (init holds each in a slot of its own "
                             "beside its control capability and its scratch slot)")
            table = TABLE_OF.get(kind, kind)
            if sum(1 for o in endpoints.values() if TABLE_OF.get(o[2], o[2]) == table) == MAX_OF_KIND[table]:
                fail(number, f"more than {MAX_OF_KIND[table]} {table}s{' and devices' if table == 'region' else ''} "
                             "(the kernel's table of them)")
            if words[1] in endpoints:
                fail(number, f"{endpoints[words[1]][2]} {words[1]} is already declared on line {endpoints[words[1]][1]}")
            if words[1] == CONTROL:
                fail(number, f"{kind} {CONTROL}: the name is the control capability's (`cap {CONTROL} tasks`)")
            try:
                detail = declaration(kind, words[1], words[2:], endpoints, details)
            except ValueError as e:
                fail(number, f"{kind} {words[1]}: {e}")
            endpoints[words[1]] = (len(endpoints), number, kind)
            details[words[1]] = detail
        elif kind == "program" and not indented:
            if len(words) != 2 or not NAME.match(words[1]) or words[1] == "init":
                fail(number, "a program line is `program NAME`: embed a program no task of the manifest starts")
            if not program_exists(programs_dir, words[1]):
                fail(number, f"program {words[1]} does not exist (no {os.path.join(programs_dir, words[1] + '.swift')} "
                             f"and no folder {os.path.join(programs_dir, words[1])}/ with Swift files)")
            extra.append(words[1])
        elif kind == "task" and not indented:
            if len(words) < 2 or not NAME.match(words[1]):
                fail(number, f"a task line is `task NAME key=value ...` (name: lower case, digits, '-', at most {NAME_BYTES})")
            name = words[1]
            if name == "init":
                fail(number, "init is not a task of the manifest: the kernel starts it, and it starts the others")
            if name in names:
                fail(number, f"task {name} is already declared on line {names[name]}")
            if len(names) == MAX_TASKS:
                fail(number, f"more than {MAX_TASKS} tasks (the kernel's thread table holds {MAX_TASKS + 2} threads, the idle thread and init among them)")
            names[name] = number
            task = {"name": name, "program": name, "priority": 2, "memory": 4 << 20, "args": (0, 0),
                    "ends": "exit", "caps": [], "line": number}
            for word in words[2:]:
                key, eq, value = word.partition("=")
                if not eq:
                    fail(number, f"task {name}: `{word}` is not key=value")
                try:
                    if key == "program":
                        task["program"] = value
                    elif key == "priority":
                        task["priority"] = parse_number(value, "priority")
                        if task["priority"] not in PRIORITIES:
                            raise ValueError(f"priority={value} is outside {PRIORITIES.start}..{PRIORITIES.stop - 1} "
                                             f"({PRIORITIES.stop} is init's)")
                    elif key == "memory":
                        task["memory"] = parse_size(value)
                        if task["memory"] < MIN_MEMORY:
                            raise ValueError(f"memory={value} is less than a task needs to load ({MIN_MEMORY >> 10}K: "
                                             "its stack, root table and a page table)")
                        if task["memory"] >= WORD_LIMIT:
                            raise ValueError(f"memory={value} is 4G or more: the limit travels in a 32-bit word on i386")
                    elif key == "args":
                        parts = [parse_number(v, "args") for v in value.split(",")]
                        if len(parts) > 2:
                            raise ValueError("args= takes at most two numbers")
                        if any(not 0 <= v < WORD_LIMIT for v in parts):
                            raise ValueError(f"args={value}: each argument is 0..2^32-1 (a machine word on every arch)")
                        task["args"] = tuple(parts + [0] * (2 - len(parts)))
                    elif key == "ends":
                        if value not in ENDS:
                            raise ValueError(f"ends={value}: want one of {', '.join(ENDS)}")
                        task["ends"] = value
                    else:
                        raise ValueError(f"unknown key {key} (program, priority, memory, args, ends)")
                except ValueError as e:
                    fail(number, f"task {name}: {e}")
            if not NAME.match(task["program"]) or task["program"] == "init":
                fail(number, f"task {name}: program={task['program']} is not a program name")
            if not program_exists(programs_dir, task["program"]):
                fail(number, f"task {name}: program {task['program']} does not exist "
                             f"(no {os.path.join(programs_dir, task['program'] + '.swift')} "
                             f"and no folder {os.path.join(programs_dir, task['program'])}/ with Swift files)")
            tasks.append(task)
        elif kind == "cap" and indented:
            if not tasks:
                fail(number, "a cap line belongs under a task")
            task = tasks[-1]
            if len(words) < 3:
                fail(number, f"task {task['name']}: a cap line is `cap OBJECT RIGHTS [badge=N] [slot=N]`")
            target = words[1]
            rights = 0
            if target == CONTROL:
                for r in words[2].split(","):
                    if r not in CONTROL_RIGHTS:
                        fail(number, f"task {task['name']}: unknown right {r} on the control capability "
                                     f"({', '.join(CONTROL_RIGHTS)})")
                    rights |= CONTROL_RIGHTS[r]
                if len(words) > 3 and not all(w.startswith("slot=") for w in words[3:]):
                    fail(number, f"task {task['name']}: the control capability takes no badge (`cap control RIGHTS [slot=N]`)")
            elif target not in endpoints:
                if target in names:
                    fail(number, f"task {task['name']}: capability to {target}, which is a task: "
                                 "capabilities name endpoints and notifications")
                fail(number, f"task {task['name']}: capability to endpoint {target}, which is not declared")
            object_kind = endpoints[target][2] if target != CONTROL else CONTROL
            if object_kind == "interrupt":
                holder = details[target].get("holder")
                if holder and holder != task["name"]:
                    fail(number, f"task {task['name']}: interrupt {target} is already given to task {holder}: "
                                 "a line is acknowledged by one task")
                details[target]["holder"] = task["name"]
            for r in words[2].split(",") if object_kind != CONTROL else ():
                if r not in RIGHTS[object_kind]:
                    fail(number, f"task {task['name']}: unknown right {r} on {object_kind} {target} "
                                 f"({', '.join(RIGHTS[object_kind])})")
                rights |= RIGHTS[object_kind][r]
            cap = {"object": endpoints[target][0] if target != CONTROL else -1, "name": target, "rights": rights, "badge": 0, "slot": None}
            for word in words[3:]:
                key, eq, value = word.partition("=")
                try:
                    if key == "badge" and eq:
                        cap["badge"] = parse_number(value, "badge")
                        if not 0 < cap["badge"] < 1 << 32:
                            raise ValueError(f"badge={value} must be 1..2^32-1 (0 means none)")
                    elif key == "slot" and eq:
                        cap["slot"] = parse_number(value, "slot")
                        if not 0 <= cap["slot"] < SLOTS:
                            raise ValueError(f"slot={value} is outside 0..{SLOTS - 1}")
                    else:
                        raise ValueError(f"`{word}` is not badge=N or slot=N")
                except ValueError as e:
                    fail(number, f"task {task['name']}: {e}")
            taken = {c["slot"] for c in task["caps"]}
            if cap["slot"] is None:
                cap["slot"] = next(s for s in range(SLOTS) if s not in taken)
            elif cap["slot"] in taken:
                fail(number, f"task {task['name']}: slot {cap['slot']} already holds a capability")
            if len(task["caps"]) == MAX_CAPS:
                fail(number, f"task {task['name']}: more than {MAX_CAPS} capabilities")
            cap["line"] = number
            task["caps"].append(cap)
        else:
            fail(number, f"`{kind}` is not a line this format has "
                         f"({', '.join(k + ' NAME' for k in KINDS)}, program NAME, task NAME ..., indented cap ...)")
    if not tasks:
        fail(len(lines), "the manifest starts no task")
    return endpoints, tasks, extra, details


DECLARATION_KEYS = {"endpoint": "", "notification": "", "region": " size=SIZE", "device": " node=PATH [index=N]",
                    "interrupt": " node=PATH [index=N] | irq=N, signals=NOTIFICATION badge=N"}


def declaration(kind, name, words, objects, details):
    """What a declaration's key=value words say, checked; raises ValueError."""
    given = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            raise ValueError(f"`{word}` is not key=value")
        if key in given:
            raise ValueError(f"{key}= is given twice")
        given[key] = value
    allowed = {"endpoint": set(), "notification": set(), "region": {"size"}, "device": {"node", "index"},
               "interrupt": {"node", "index", "irq", "signals", "badge"}}[kind]
    for key in given:
        if key not in allowed:
            raise ValueError(f"unknown key {key}" + (f" ({', '.join(sorted(allowed))})" if allowed else f" (a {kind} takes none)"))
    d = {}
    if kind == "region":
        if "size" not in given:
            raise ValueError("a region needs size= (like 16K)")
        d["size"] = parse_size(given["size"])
        if not 0 < d["size"] <= MAX_REGION:
            raise ValueError(f"size={given['size']} must be 1 byte up to {MAX_REGION >> 20}M (a task's map window)")
    if kind in ("device", "interrupt"):
        if kind == "interrupt" and ("irq" in given) == ("node" in given):
            raise ValueError("an interrupt names its line by node=PATH [index=N] (from the device tree) or irq=N (i386), one of them")
        if kind == "device" and "node" not in given:
            raise ValueError("a device needs node=PATH (a device-tree path, or @stdout)")
        if "node" in given:
            path = given["node"]
            if not (path == "@stdout" or re.fullmatch(r"/[A-Za-z0-9,._+@/-]*", path)) or len(path) > PATH_BYTES:
                raise ValueError(f"node={path} is not a path like /soc/serial@10000000 or @stdout (at most {PATH_BYTES} bytes)")
            d["node"] = path
            d["index"] = parse_number(given.get("index", "0"), "index")
            if not 0 <= d["index"] < 256:
                raise ValueError(f"index={given['index']} must be 0..255")
        elif "index" in given:
            raise ValueError("index= goes with node=")
        if "irq" in given:
            d["irq"] = parse_number(given["irq"], "irq")
            if not 0 <= d["irq"] < WORD_LIMIT:
                raise ValueError(f"irq={given['irq']} is not a line number")
        # The same line (or registers) twice: two objects would compete for it.
        for other, od in details.items():
            if objects[other][2] != kind:
                continue
            same = ("node" in d and (od.get("node"), od.get("index")) == (d["node"], d["index"])) or \
                   ("irq" in d and od.get("irq") == d["irq"])
            if same:
                what = "line" if kind == "interrupt" else "registers"
                raise ValueError(f"its {what} are already {kind} {other}'s (line {objects[other][1]})" if what == "registers"
                                 else f"its line is already interrupt {other}'s (line {objects[other][1]})")
    if kind == "interrupt":
        target = given.get("signals")
        if target is None:
            raise ValueError("an interrupt needs signals=NOTIFICATION (declared above it) and badge=N")
        if target not in objects or objects[target][2] != "notification":
            raise ValueError(f"signals={target} is not a notification declared above it")
        d["notification"] = objects[target][0]
        d["badge"] = parse_number(given.get("badge", "0"), "badge")
        if not 0 < d["badge"] < 1 << 32:
            raise ValueError(f"badge={given.get('badge', '0')} must be 1..2^32-1: the bit the interrupt signals")
    return d


def program_order(tasks, extra):
    order = ["init"]
    for p in [t["program"] for t in tasks] + extra:
        if p not in order:
            order.append(p)
    return order


def swift_object(name, kind, d):
    if kind == "region":
        k = f".region(bytes: {d['size']})"
    elif kind == "device":
        k = f".device(path: \"{d['node']}\", index: {d['index']})"
    elif kind == "interrupt":
        where = f"path: \"{d['node']}\", index: {d['index']}" if "node" in d else f"path: \"\", index: 0, irq: {d['irq']}"
        k = f".interrupt({where}, notification: {d['notification']}, badge: {d['badge']})"
    else:
        k = f".{kind}"
    return f"ManifestObject(name: \"{name}\", kind: {k})"


def write_outputs(out, system, endpoints, tasks, extra, user_dir, details):
    os.makedirs(out, exist_ok=True)
    programs = program_order(tasks, extra)
    asm = ["/* Generated by ci/manifest.py: the programs of this system, init first. */",
           "#if __SIZEOF_POINTER__ == 8", "#define WORD .quad", "#else", "#define WORD .long", "#endif",
           "        .section .rodata"]
    for i, p in enumerate(programs):
        path = os.path.abspath(os.path.join(out if p == "init" else user_dir, p + ".elf"))
        # .balign counts bytes on every arch (aarch64's .align 16 would mean 64 KiB).
        asm += ["        .balign 16", f"program_{i}_start: .incbin \"{path}\"", f"program_{i}_end:",
                f"program_{i}_name: .asciz \"{p}\""]
    asm += ["        .balign 8", "        .globl user_programs", "user_programs:", f"        WORD {len(programs)}"]
    asm += [f"        WORD program_{i}_name, program_{i}_start, program_{i}_end" for i in range(len(programs))]
    write_if_changed(os.path.join(out, "programs.S"), "\n".join(asm) + "\n")

    swift = [f"// Generated by ci/manifest.py from User/{system}.manifest: do not edit.",
             "// The system init starts (User/Programs/init.swift).", "",
             "enum SystemTable {",
             f"    static let system: StaticString = \"{system}\"",
             "    /// Init makes object i in its slot 1 + i.",
             "    static let objects: [ManifestObject] = ["]
    swift += [f"        {swift_object(n, endpoints[n][2], details[n])}," for n in sorted(endpoints, key=lambda n: endpoints[n][0])]
    swift += ["    ]",
             "    static let tasks: [ManifestTask] = ["]
    for t in tasks:
        caps = ", ".join(f"ManifestCapability(object: {c['object']}, slot: {c['slot']}, rights: {c['rights']}, "
                         f"badge: {c['badge']})" for c in t["caps"])
        swift.append(f"        ManifestTask(name: \"{t['name']}\", program: {programs.index(t['program'])}, "
                     f"priority: {t['priority']}, memory: {t['memory']}, arguments: ({t['args'][0]}, {t['args'][1]}), "
                     f"ends: .{t['ends']}, capabilities: [{caps}]),")
    swift += ["    ]", "}"]
    write_if_changed(os.path.join(out, "SystemTable.swift"), "\n".join(swift) + "\n")
    write_if_changed(os.path.join(out, "programs.txt"), "\n".join(programs) + "\n")


def write_if_changed(path, text):
    """Leave an unchanged file's time alone, so make rebuilds only what changed."""
    if os.path.exists(path) and open(path).read() == text:
        return
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--out")
    ap.add_argument("--user-dir", default=".")
    ap.add_argument("--programs-dir", default="User/Programs")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--list-programs", action="store_true", help="print the programs the system embeds, init left out")
    args = ap.parse_args()
    try:
        endpoints, tasks, extra, details = parse(args.manifest, args.programs_dir)
    except ManifestError as e:
        print(f"manifest: {e}", file=sys.stderr)
        return 1
    if args.list_programs:
        print(" ".join(program_order(tasks, extra)[1:]))
    elif not args.check:
        system = os.path.basename(args.manifest).rsplit(".", 1)[0]
        write_outputs(args.out, system, endpoints, tasks, extra, args.user_dir, details)
    return 0


if __name__ == "__main__":
    sys.exit(main())
