// The ping-pong benchmark: N call/reply round trips with the key-value
// server (its endpoint in slot 0), timed with the CPU's cycle counter (read
// through the clock call). In the bench system (User/bench.manifest) it also
// times signals: through slot 2 to a notification nobody waits on, and
// through slot 1 to one a task above it (User/Programs/waiter.swift) waits on.

func taskMain(_ rounds: UInt, _ unused: UInt) {
    let endpoint: UInt = 0
    let start = Sys.clock()
    var n: UInt = 0
    for _ in 0..<rounds {
        let (status, reply) = Sys.call(endpoint, KV.ping, n)
        if status != 0 || reply.word0 != n + 1 { var l = Line("pingpong: bad reply"); l.print(); Sys.exit(1) }
        n = reply.word0
    }
    let end = Sys.clock()
    report("round trips", rounds, start, end)
    // What a system call costs alone: number 0 is refused at decode, so this is
    // the trap in, the check and the trap out.
    let nullStart = Sys.clock()
    for _ in 0..<rounds { _ = syscall(0) }
    let nullEnd = Sys.clock()
    report("null system calls", rounds, nullStart, nullEnd)
    // The method's check (make bench-ipc): a loop of known length, 2 instructions an iteration.
    let loops: UInt = 1_000_000
    let loopStart = Sys.clock()
    countLoop(loops)
    let loopEnd = Sys.clock()
    report("iterations of a 2-instruction loop", loops, loopStart, loopEnd)
    if Sys.signal(2) == 0 {  // the bench system's notifications
        let quietStart = Sys.clock()
        for _ in 0..<rounds { _ = Sys.signal(2) }
        report("signals with no waiter", rounds, quietStart, Sys.clock())
        // Each signal wakes the waiter, which runs at once (it is more urgent)
        // and waits again: the signal, two switches and its wait call.
        let bellStart = Sys.clock()
        for _ in 0..<rounds { _ = Sys.signal(1) }
        report("signals waking a higher-priority waiter", rounds, bellStart, Sys.clock())
    }
    let (_, stats) = Sys.call(endpoint, KV.stats, 0)
    var s = Line("pingpong: the server has served "); s.number(UInt64(stats.word0)); s.add(" requests and stores ")
    s.number(UInt64(stats.word1)); s.add(" keys"); s.print()
}

/// "pingpong: N <what>, average C cycles (T ns)", per item. The nanoseconds come
/// from the whole interval, not from the rounded cycles per item: a counter slower
/// than the CPU (aarch64 62.5 MHz, riscv64 10 MHz) would otherwise round each
/// figure to 16 or 100 ns.
func report(_ what: StaticString, _ n: UInt, _ start: (cycles: UInt64, kHz: UInt), _ end: (cycles: UInt64, kHz: UInt)) {
    let cycles = (end.cycles - start.cycles) / UInt64(max(n, 1))
    var line = Line("pingpong: "); line.number(UInt64(n)); line.add(" "); line.add(what); line.add(", average ")
    line.number(cycles); line.add(" cycles")
    if start.kHz > 0 {
        line.add(" ("); line.number((end.cycles - start.cycles) * 1_000_000 / UInt64(start.kHz) / UInt64(max(n, 1))); line.add(" ns)")
    }
    line.print()
}
