// The shell: an ordinary task that reads lines typed at the console and runs
// commands (docs/shell.md). The console driver puts typed bytes, as they are,
// into an input ring the two share (User/Runtime/ByteRing.swift) and signals
// the shell; the shell edits the line (backspace, Ctrl-C) and echoes it through
// its own console writes, so everything it shows carries its name.
// Its authority is what the manifest gives it: a copy of init's control
// capability with the tasks right only. With it the shell starts programs
// (as its own children, below its own priority), kills and waits for those,
// and inspects the system for ps and mem; it cannot make objects, and it can
// give a child only capabilities it holds itself.
// Slots: 0 control (tasks), 1 the input ring's region (read, write), 2 its
// notification (wait), 3 the same (signal, badge 2) for its timer, 4 the
// console driver's notification (signal, badge 8: "I took input"), 5 the
// key-value endpoint (send) for bench's ping-pong.

let control: UInt = 0, inputRegion: UInt = 1, events: UInt = 2, timerSignal: UInt = 3, driverSignal: UInt = 4
let kvEndpoint: UInt = 5
let inputBit: UInt = 1, timerBit: UInt = 2
/// Started programs run below the shell: one that never blocks cannot take the prompt away.
let childPriority: UInt = 1
let childMemory: UInt = 1 << 20

func taskMain(_ unused0: UInt, _ unused1: UInt) {
    let (status, at) = Sys.map(inputRegion, writable: true)
    if status != 0 { var l = Line("shell: no input ring: map -> "); l.signed(status); l.print(); Sys.exit(1) }
    var shell = Shell(input: ByteRing(base: at))
    var l = Line("shell: type help for the commands"); l.print()
    shell.prompt()
    while true {
        shell.readTyped()
        if shell.halted { break }
        let (s, bits) = Sys.wait(events)
        if s != 0 { var f = Line("shell: wait -> "); f.signed(s); f.print(); Sys.exit(1) }
        shell.pendingBits |= bits
    }
    Sys.exit(0)
}

/// The line being typed, the children started, and the commands.
struct Shell {
    let input: ByteRing
    var line = InlineArray<96, UInt8>(repeating: 0)
    var length = 0
    /// Bits of the notification seen but not yet acted on (a timer's while input waits, and the reverse).
    var pendingBits: UInt = 0
    /// 1 after ESC, 2 inside an escape sequence (ESC [ ...): its bytes are not text.
    var escape = 0
    var lastWasReturn = false
    var children = InlineArray<8, Int>(repeating: -1)
    var halted = false
    var echo = Line("")

    mutating func prompt() {
        reportEnded()
        echo.add("$ ")
        echo.printOpen()
    }

    /// Take every byte waiting in the input ring and act on it.
    mutating func readTyped() {
        pendingBits &= ~inputBit
        while !halted, let b = input.take() {
            if input.stalled { _ = Sys.signal(driverSignal) }  // it stopped taking bytes: there is room now
            typed(b)
        }
        echo.printOpen()
    }

    mutating func typed(_ b: UInt8) {
        let wasReturn = lastWasReturn
        lastWasReturn = b == 13
        if escape == 1 {
            escape = b == 91 ? 2 : 0  // ESC [ starts a sequence; ESC and one byte is all of another
            return
        }
        if escape == 2 {
            if b >= 0x40 && b <= 0x7E { escape = 0 }  // the sequence's final byte
            return
        }
        switch b {
        case 10 where wasReturn: return  // the newline of a CR LF
        case 10, 13:
            echo.add("\n"); echo.printOpen()
            run()
            if !halted { prompt() }
        case 8, 127:
            if length > 0 {
                length -= 1
                echo.byte(8); echo.byte(32); echo.byte(8)
            }
        case 3:  // Ctrl-C: the line is dropped
            echo.add("^C\n"); echo.printOpen()
            length = 0
            prompt()
        case 27: escape = 1
        case 32...126:
            if length < line.count {
                line[length] = b
                length += 1
                echo.byte(b)
            }
        default: return  // other control bytes are not text
        }
        if echo.count > 100 { echo.printOpen() }
    }

    // MARK: commands

    mutating func run() {
        var words = Words(line, length)
        length = 0
        guard let command = words.next() else { return }
        if command.is("help") {
            help()
        } else if command.is("ps") {
            ps()
        } else if command.is("mem") {
            mem()
        } else if command.is("start") {
            start(&words)
        } else if command.is("kill") {
            kill(&words)
        } else if command.is("bench") {
            bench(&words)
        } else if command.is("sleep") {
            sleep(&words)
        } else if command.is("uptime") {
            uptime()
        } else if command.is("halt") {
            halt()
        } else {
            var l = Line("shell: no command '"); command.add(to: &l); l.add("'; type help for the commands"); l.print()
        }
    }

    func help() {
        let lines: [StaticString] = [
            "help              this list",
            "ps                the tasks: id, name, state, priority, frames held, capabilities",
            "mem               free frames, the kernel heap, the page-table strategy",
            "start PROGRAM [A [B]]  start an embedded program (arguments A, B) below the shell",
            "kill ID           stop a task this shell started",
            "bench [N]         the IPC ping-pong, N round trips (1000)",
            "sleep N           wait N seconds",
            "uptime            time since power-on",
            "halt              stop what the shell started and end the system",
        ]
        for s in lines { var l = Line(s); l.print() }
    }

    func ps() {
        var head = Line("  id name            state             pri frames caps"); head.print()
        var name = InlineArray<16, UInt8>(repeating: 0)
        for id in 0..<64 {
            let r = withUnsafeMutableBytes(of: &name) {
                syscall(.inspect, control, InspectTarget.task.rawValue, UInt(id), UInt(bitPattern: $0.baseAddress))
            }
            if r.status == SyscallError.noSuchTask.rawValue { continue }
            if r.status != 0 { failed("ps", r.status); return }
            var l = Line("  ")
            l.padded(UInt64(id), 2); l.add(" ")
            let n = l.addName(name)
            l.spaces(16 - n)
            let state = InspectedTask.State(rawValue: r.r1 & 0xFF), wait = InspectedTask.Wait(rawValue: r.r1 >> 8)
            let before = l.count
            l.add(state.map(stateName) ?? "?")
            if let w = wait, w != .none { l.add(" ("); l.add(waitName(w)); l.add(")") }
            l.spaces(18 - (l.count - before))
            l.padded(UInt64(r.r2 & 0xFF), 3); l.add(" ")
            l.padded(UInt64(r.r3), 6); l.add(" ")
            l.padded(UInt64(r.r4), 4)
            l.print()
        }
    }

    func mem() {
        var name = InlineArray<16, UInt8>(repeating: 0)
        let m = withUnsafeMutableBytes(of: &name) {
            syscall(.inspect, control, InspectTarget.memory.rawValue, 0, UInt(bitPattern: $0.baseAddress))
        }
        let t = withUnsafeMutableBytes(of: &name) {
            syscall(.inspect, control, InspectTarget.tables.rawValue, 0, UInt(bitPattern: $0.baseAddress))
        }
        if m.status != 0 || t.status != 0 { failed("mem", m.status != 0 ? m.status : t.status); return }
        var f = Line("frames: "); f.number(UInt64(m.r1)); f.add(" of "); f.number(UInt64(m.r2)); f.add(" free (")
        f.number(UInt64(m.r1) * 4 / 1024); f.add(" of "); f.number(UInt64(m.r2) * 4 / 1024); f.add(" MiB)"); f.print()
        var h = Line("kernel heap: "); h.number(UInt64(m.r3) >> 10); h.add(" KiB in use of "); h.number(UInt64(m.r4) >> 10)
        h.add(" KiB grown"); h.print()
        var p = Line("page tables: strategy "); _ = p.addName(name); p.add(", "); p.number(UInt64(t.r1))
        p.add(" tables for the heap, "); p.number(UInt64(t.r2)); p.add(" frames held back"); p.print()
    }

    mutating func start(_ words: inout Words) {
        guard let program = words.next() else { usage("start PROGRAM [A [B]]"); return }
        guard let index = findProgram(program) else {
            var l = Line("start: no program '"); program.add(to: &l); l.add("'; embedded:")
            var name = InlineArray<16, UInt8>(repeating: 0)
            for i in 0..<64 {
                let r = withUnsafeMutableBytes(of: &name) {
                    syscall(.inspect, control, InspectTarget.program.rawValue, UInt(i), UInt(bitPattern: $0.baseAddress))
                }
                if r.status != 0 { break }
                l.add(" "); _ = l.addName(name)
            }
            l.print()
            return
        }
        var args: (UInt, UInt) = (0, 0)
        for i in 0..<2 {
            guard let w = words.next() else { break }
            guard let v = w.number else { notANumber("start", w); return }
            if i == 0 { args.0 = v } else { args.1 = v }
        }
        if words.next() != nil { usage("start PROGRAM [A [B]]"); return }
        guard let slot = children.indices.first(where: { children[$0] < 0 }) else {
            var l = Line("start: this shell runs "); l.number(UInt64(children.count)); l.add(" tasks already; kill one first"); l.print()
            return
        }
        let (status, id) = spawn(index, name: program, priority: childPriority, memory: childMemory, args, capability: nil)
        if status != 0 { failed("start", status); return }
        children[slot] = id
        var l = Line("start: "); program.add(to: &l); l.add(" is task "); l.number(UInt64(id)); l.print()
    }

    mutating func kill(_ words: inout Words) {
        guard let w = words.next(), words.next() == nil else { usage("kill ID"); return }
        guard let id = w.number else { notANumber("kill", w); return }
        let status = syscall(.kill, control, id).status
        if status == SyscallError.noSuchTask.rawValue {
            var l = Line("kill: task "); l.number(UInt64(id)); l.add(" is not one this shell started (or it has ended)"); l.print()
            return
        }
        if status != 0 { failed("kill", status); return }
        var l = Line("kill: task "); l.number(UInt64(id)); l.add(" stopped"); l.print()
        reportEnded()
    }

    /// The ping-pong in the foreground: the shell waits for it to end.
    mutating func bench(_ words: inout Words) {
        var rounds: UInt = 1000
        if let w = words.next() {
            guard let v = w.number, v > 0, v <= 1_000_000 else { notANumber("bench", w); return }
            rounds = v
        }
        guard let index = findProgram(Word(static: "pingpong")) else { failed("bench: no pingpong program", -1); return }
        let (status, id) = spawn(
            index, name: Word(static: "pingpong"), priority: 2, memory: childMemory, (rounds, 0), capability: (kvEndpoint, Rights.send))
        if status != 0 { failed("bench", status); return }
        while true {
            let r = syscall(.wait, control)
            if r.status != 0 { failed("bench: wait", r.status); return }
            ended(Int(r.r1), how: r.r2, value: r.r3)
            if Int(r.r1) == id { return }
        }
    }

    mutating func sleep(_ words: inout Words) {
        guard let w = words.next(), words.next() == nil else { usage("sleep SECONDS"); return }
        guard let seconds = w.number, seconds <= 3600 else { notANumber("sleep", w); return }
        let now = Sys.clock()
        if now.kHz == 0 { var l = Line("sleep: the clock's rate is unknown on this machine"); l.print(); return }
        let status = Sys.setTimer(timerSignal, deadline: now.cycles + UInt64(seconds) * UInt64(now.kHz) * 1000)
        if status != 0 { failed("sleep", status); return }
        pendingBits &= ~timerBit
        while pendingBits & timerBit == 0 {
            let (s, bits) = Sys.wait(events)
            if s != 0 { failed("sleep: wait", s); return }
            pendingBits |= bits  // typed input stays in the ring for the next prompt
        }
        pendingBits &= ~timerBit
    }

    func uptime() {
        let c = Sys.clock()
        var l = Line("uptime: ")
        if c.kHz > 0 {
            let ms = c.cycles / UInt64(c.kHz)
            l.number(ms / 1000); l.add("."); l.padded(ms % 1000, 3, zero: true); l.add(" s (")
        }
        l.number(c.cycles); l.add(" cycles")
        if c.kHz > 0 { l.add(" at "); l.number(UInt64(c.kHz)); l.add(" kHz)") }
        l.print()
    }

    mutating func halt() {
        for i in children.indices where children[i] >= 0 {
            _ = syscall(.kill, control, UInt(children[i]))
        }
        reportEnded()
        var l = Line("shell: halting; init ends the system once its tasks are done"); l.print()
        halted = true
    }

    // MARK: helpers

    func findProgram(_ w: Word) -> UInt? {
        var name = InlineArray<16, UInt8>(repeating: 0)
        for i in 0..<64 {
            let r = withUnsafeMutableBytes(of: &name) {
                syscall(.inspect, control, InspectTarget.program.rawValue, UInt(i), UInt(bitPattern: $0.baseAddress))
            }
            if r.status != 0 { return nil }
            if w.matches(name) { return UInt(i) }
        }
        return nil
    }

    /// Start program `index` as `name`; (status, task id). `capability`: a slot of the shell's for the child's slot 0.
    func spawn(_ index: UInt, name: Word, priority: UInt, memory: UInt, _ args: (UInt, UInt), capability: (UInt, Rights)?) -> (Int, Int) {
        let w = MemoryLayout<UInt>.size
        var words = InlineArray<43, UInt>(repeating: 0)
        words[0] = index; words[1] = priority; words[2] = memory
        words[3] = args.0; words[4] = args.1
        let nameLength = min(name.length, SpawnRequest.nameBytes)
        words[5] = UInt(nameLength)
        if let (slot, rights) = capability {
            words[10] = 1
            words[11] = slot; words[12] = 0; words[13] = UInt(rights.rawValue); words[14] = 0
        }
        let r = withUnsafeMutableBytes(of: &words) { b -> SyscallResult in
            for i in 0..<nameLength { b[6 * w + i] = name.byte(i) }
            return syscall(.spawn, control, UInt(bitPattern: b.baseAddress))
        }
        return (r.status, r.status == 0 ? Int(r.r1) : -1)
    }

    /// Say how each child that ended since the last look ended (without waiting).
    mutating func reportEnded() {
        while true {
            let r = syscall(.tryWait, control)
            if r.status != 0 { return }
            ended(Int(r.r1), how: r.r2, value: r.r3)
        }
    }

    mutating func ended(_ id: Int, how: UInt, value: UInt) {
        for i in children.indices where children[i] == id { children[i] = -1 }
        var l = Line("shell: task "); l.number(UInt64(id))
        switch TaskEnd(rawValue: how) {
        case .exited: l.add(" exited with status "); l.number(UInt64(value))
        case .faulted: l.add(" was killed by a fault (cause "); l.number(UInt64(value)); l.add(")")
        case .killed: l.add(" was stopped")
        case nil: l.add(" ended")
        }
        l.print()
    }

    func usage(_ s: StaticString) { var l = Line("usage: "); l.add(s); l.print() }
    func notANumber(_ command: StaticString, _ w: Word) {
        var l = Line(command); l.add(": '"); w.add(to: &l); l.add("' is not a number it takes"); l.print()
    }
    func failed(_ what: StaticString, _ status: Int) { var l = Line(what); l.add(" failed: error "); l.signed(status); l.print() }

    func stateName(_ s: InspectedTask.State) -> StaticString {
        switch s {
        case .ready: "ready"
        case .running: "running"
        case .sleeping: "sleeping"
        case .blocked: "blocked"
        case .ended: "ended"
        }
    }
    func waitName(_ w: InspectedTask.Wait) -> StaticString {
        switch w {
        case .none: ""
        case .send: "send"
        case .receive: "receive"
        case .reply: "reply"
        case .signal: "signal"
        case .child: "child"
        case .other: "console"
        }
    }
}

/// A word of the typed line (or a name written in the program).
struct Word {
    var bytes = InlineArray<24, UInt8>(repeating: 0)
    var length = 0

    init(static s: StaticString) {
        for i in 0..<min(s.utf8CodeUnitCount, 24) { bytes[i] = s.utf8Start[i] }
        length = min(s.utf8CodeUnitCount, 24)
    }
    init() {}

    func byte(_ i: Int) -> UInt8 { bytes[i] }
    func `is`(_ s: StaticString) -> Bool {
        s.utf8CodeUnitCount == length && (0..<length).allSatisfy { bytes[$0] == s.utf8Start[$0] }
    }
    /// Equal to the NUL-padded `name`.
    func matches(_ name: InlineArray<16, UInt8>) -> Bool {
        guard length <= 16 else { return false }
        for i in 0..<16 {
            let b: UInt8 = i < length ? bytes[i] : 0
            if name[i] != b { return false }
        }
        return true
    }
    /// The word as a decimal number, if it is one (and fits).
    var number: UInt? {
        guard length > 0 else { return nil }
        var v: UInt = 0
        for i in 0..<length {
            let d = bytes[i] &- 48
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt(d))
            if o1 || o2 { return nil }
            v = s
        }
        return v
    }
    func add(to l: inout Line) { for i in 0..<length { l.byte(bytes[i]) } }
}

/// The words of a line, split at spaces; a word longer than a Word keeps its start.
struct Words {
    let line: InlineArray<96, UInt8>
    let length: Int
    var at = 0

    init(_ line: InlineArray<96, UInt8>, _ length: Int) {
        self.line = line
        self.length = length
    }

    mutating func next() -> Word? {
        while at < length && line[at] == 32 { at += 1 }
        if at == length { return nil }
        var w = Word()
        while at < length && line[at] != 32 {
            if w.length < 24 { w.bytes[w.length] = line[at]; w.length += 1 }
            at += 1
        }
        return w
    }
}

extension Line {
    /// `v` right-aligned in `width` columns (with zeros if `zero`).
    mutating func padded(_ v: UInt64, _ width: Int, zero: Bool = false) {
        var digits = 1, x = v
        while x >= 10 { x /= 10; digits += 1 }
        for _ in 0..<max(0, width - digits) { byte(zero ? 48 : 32) }
        number(v)
    }
    mutating func spaces(_ n: Int) { for _ in 0..<max(0, n) { byte(32) } }
    /// The NUL-padded `name`; how many bytes it had.
    mutating func addName(_ name: InlineArray<16, UInt8>) -> Int {
        var n = 0
        while n < 16 && name[n] != 0 { byte(name[n]); n += 1 }
        return n
    }
}
