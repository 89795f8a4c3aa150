// A seeded system-call fuzzer: `calls` system calls with random numbers and
// arguments, from `seed`. Arguments mix small numbers, the edges of the word,
// pointers into this task's own memory, into the kernel, and at the edges of
// the user window. The kernel checks its invariants after every call this task
// makes (Kernel/SyscallFuzz.swift): the frames it accounts to this task are
// the frames its tables hold, within its limit, and nothing else moved.
// Calls that would end the task (exit) are left out; this task holds no
// capability, so no IPC call can block and the run always finishes.

var rngState: UInt64 = 0

func next() -> UInt64 {
    rngState ^= rngState << 13; rngState ^= rngState >> 7; rngState ^= rngState << 17  // xorshift64
    return rngState
}

func pick(_ choices: [UInt]) -> UInt { choices[Int(next() % UInt64(choices.count))] }

func taskMain(_ seed: UInt, _ calls: UInt) {
    rngState = UInt64(seed) | 1
    var scratch = InlineArray<64, UInt8>(repeating: 0)
    let own = withUnsafeMutablePointer(to: &scratch) { UInt(bitPattern: $0) }
    let wide = MemoryLayout<UInt>.size == 8
    let window = UInt(truncatingIfNeeded: wide ? 0x80_0000_0000 as UInt64 : 0xC000_0000)
    let windowEnd = UInt(truncatingIfNeeded: wide ? 0x80_1000_0000 as UInt64 : 0xD000_0000)
    let pointers: [UInt] = [
        0, 1, own, own + 60, own + 4096, window, windowEnd - 8, windowEnd, 0x1000, 0x10_0000,
        UInt.max - 7, UInt.max, window - 4096,
    ]
    let numbers: [UInt] = [0, 1, 2, 7, 8, 63, 64, 65, 128, 4096, 1 << 20, UInt.max, UInt.max - 1, UInt(Int.max)]
    var refused = 0, done: UInt = 0
    for _ in 0..<calls {
        var n = UInt(next() % 21)
        if n == Syscall.exit.rawValue { n = 999 }  // an unknown number instead of leaving
        func argument() -> UInt {
            switch next() % 4 {
            case 0: return pick(pointers)
            case 1: return pick(numbers)
            case 2: return UInt(truncatingIfNeeded: next())
            default: return UInt(next() % 256)
            }
        }
        var a = (argument(), argument(), argument(), argument(), argument())
        if n == Syscall.debugWrite.rawValue { a.1 = UInt(next() % 4) }  // keep the console readable
        if n == Syscall.sbrk.rawValue && next() % 2 == 0 { a.0 = UInt(next() % 40_000) }
        let r = syscall(n, a.0, a.1, a.2, a.3, a.4)
        if r.status != 0 { refused += 1 }
        done += 1
    }
    var line = Line("sysfuzz: "); line.number(UInt64(done)); line.add(" calls, "); line.number(UInt64(refused))
    line.add(" refused, seed "); line.number(UInt64(seed)); line.print()
}
