// The parsers of outside input as the i386 kernel builds them (Embedded Swift
// for i686: 32-bit Int and UInt), run under QEMU's i386 user mode by
// `make test-fuzz-parsers32` on each seed of a corpus and on mutations of it.
// The 64-bit host fuzzers cannot reach a conversion that traps only where Int
// is 32 bits (a Multiboot entry size of 2^31 or more did, in Int(size)); here
// such a trap kills the process, and make reports the target and the input.
// Usage: parsers32 TARGET RUNS ARTIFACT FILE... (TARGET: devicetree, multiboot
// or elf; RUNS mutations per file, after the file as it is; the input that
// failed is written to ARTIFACT). Prints one summary line.
@_extern(c, "parsers32_write") func write(_ bytes: UnsafeRawPointer, _ count: Int32)
@_extern(c, "parsers32_exit") func exitProcess(_ status: Int32)
@_extern(c, "parsers32_read_file") func readFile(_ path: UnsafePointer<CChar>, _ buffer: UnsafeMutableRawPointer, _ capacity: Int32)
    -> Int32
@_extern(c, "parsers32_catch_traps") func catchTraps()
@_extern(c, "parsers32_write_file") func writeFile(_ path: UnsafePointer<CChar>, _ bytes: UnsafeRawPointer, _ count: Int32) -> Int32
@_extern(c, "parsers32_mark") func arenaMark() -> Int
@_extern(c, "parsers32_release") func arenaRelease(_ mark: Int)

func say(_ s: StaticString) { write(s.utf8Start, Int32(s.utf8CodeUnitCount)) }
func say(_ n: UInt64) {
    var digits = InlineArray<20, UInt8>(repeating: 0)
    var v = n, i = 20
    repeat { i -= 1; digits[i] = UInt8(truncatingIfNeeded: v % 10) + 48; v /= 10 } while v > 0
    withUnsafeBytes(of: &digits) { write($0.baseAddress! + i, Int32(20 - i)) }
}
func sayCString(_ p: UnsafePointer<CChar>) {
    var n = 0
    while p[n] != 0 { n += 1 }
    write(p, Int32(n))
}

var currentFile: UnsafePointer<CChar>? = nil
var currentRun = 0
/// The input being checked, kept for the report, and where a failing one is written.
var currentInput: UnsafeMutablePointer<UInt8>? = nil
var currentLength = 0
var artifact: UnsafePointer<CChar>? = nil

/// Which input failed, and the input itself into the artifact file.
func reportInput() {
    say(" on run "); say(UInt64(currentRun)); say(" of "); if let f = currentFile { sayCString(f) }
    say(" (run 0 is the file as it is)")
    if let a = artifact, let i = currentInput, writeFile(a, i, Int32(currentLength)) != 0 { say("; the input is in "); sayCString(a) }
    say("\n")
}

func violated(_ what: StaticString, _ value: UInt64 = 0) -> Never {
    say("parsers32: contract violated: "); say(what); say(" ("); say(value); say(")")
    reportInput()
    exitProcess(1)
    fatalError()  // not reached: the process is gone
}

/// A trap (or a bad access) in a parser: which input it was, then a failed exit.
@_cdecl("parsers32_trapped")
func trapped(_ signal: Int32) {
    say("parsers32: trapped (signal "); say(UInt64(signal)); say(")")
    reportInput()
    exitProcess(1)
}

/// A small deterministic generator (xorshift32): the same runs every time.
struct Mutator {
    var state: UInt32
    mutating func next() -> UInt32 {
        state ^= state << 13; state ^= state >> 17; state ^= state << 5
        return state
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt32(n)) }

    /// Values a parser must survive in any 32-bit field, where signed and unsigned part.
    static let words: [UInt32] = [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFF, 0xFFFF_FFF0, 0x1000, 0x10_0000]

    /// One to four changes to `input[0..<count]`; returns the new length.
    mutating func mutate(_ input: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        var n = count
        for _ in 0...below(4) where n > 0 {
            switch below(5) {
            case 0: input[below(n)] ^= UInt8(truncatingIfNeeded: 1 << below(8))
            case 1: input[below(n)] = UInt8(truncatingIfNeeded: next())
            case 2, 3:
                // An interesting word at an aligned offset, little- or big-endian (Multiboot and ELF, or the tree).
                guard n >= 4 else { continue }
                let at = below(n / 4) * 4
                let w = Mutator.words[below(Mutator.words.count)]
                let big = below(2) == 1
                for b in 0..<4 { input[at + b] = UInt8(truncatingIfNeeded: big ? w >> (24 - 8 * UInt32(b)) : w >> (8 * UInt32(b))) }
            default: n = max(1, n - below(n))  // cut the tail
            }
        }
        return n
    }
}

@_cdecl("parsers32_main")
func parsers32Main(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    guard argc >= 5, let t = argv[1], let r = argv[2] else {
        say("usage: parsers32 devicetree|multiboot|elf RUNS ARTIFACT FILE...\n"); return 2
    }
    artifact = UnsafePointer(argv[3])
    catchTraps()
    let target = t[0] == 100 ? 0 : t[0] == 109 ? 1 : t[0] == 101 ? 2 : -1  // d, m, e
    if target < 0 { say("parsers32: unknown target\n"); return 2 }
    var runs = 0, i = 0
    while r[i] >= 48 && r[i] <= 57 { runs = runs * 10 + Int(r[i] - 48); i += 1 }
    let capacity = 1 << 16
    let seed = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    let input = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    currentInput = input
    var mutator = Mutator(state: 0x2545_F491)
    var total = 0
    for f in 4..<Int(argc) {
        guard let path = argv[f] else { continue }
        currentFile = UnsafePointer(path)
        let length = Int(readFile(path, seed, Int32(capacity)))
        if length < 0 { say("parsers32: cannot read "); sayCString(path); say("\n"); return 2 }
        for run in 0...runs {
            currentRun = run
            input.update(from: seed, count: length)
            let n = run == 0 ? length : mutator.mutate(input, length)
            currentLength = n
            let mark = arenaMark()  // what one input allocates goes back after it
            switch target {
            case 0: fuzzDeviceTree(UnsafeRawPointer(input), n)
            case 1: fuzzMultiboot(UnsafeRawPointer(input), n)
            default: fuzzELF(UnsafeRawPointer(input), n)
            }
            arenaRelease(mark)
            total += 1
        }
    }
    say("parsers32: "); sayCString(t); say(": "); say(UInt64(total)); say(" inputs from "); say(UInt64(argc - 4))
    say(" files, no contract violated, nothing trapped\n")
    return 0
}
