// heap-bench: the kernel heap against the system allocator, on host memory.
//   heap-bench replay TRACE...          time per op, kernel heap vs system malloc (same run)
//   heap-bench worst CASE 0|1           a constructed worst case for callgrind: with 1 the
//                                       operation runs once, with 0 only its set-up; the
//                                       difference in instructions is the operation's cost
//   heap-bench oom TRACE ARENA_MIB      replay on a capped arena; heap use at the first failure
//   heap-bench profile WHO TRACE N      replay N times with one allocator only (kernel, system
//                                       or harness), for callgrind or perf
// The core sources are compiled into this module (Core/ is a symlink to Sources/),
// so the heap's generics specialize as they do in the kernel.
import Glibc

func readTrace(_ path: String) -> Trace {
    guard let f = fopen(path, "r") else { fail("cannot open \(path)") }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    fclose(f)
    do { return try Trace(bytes: bytes) } catch { fail("\(path): \(error)") }
}

func fail(_ message: String) -> Never {
    fputs("heap-bench: \(message)\n", stderr)
    exit(1)
}

func median(_ xs: [UInt64]) -> UInt64 { xs.sorted()[xs.count / 2] }

func replayCommand(_ paths: [String]) {
    let rounds = 7
    print("trace                 ops   kernel heap ns/op  system ns/op  ratio (kernel/system)")
    for path in paths {
        let trace = readTrace(path)
        var slots = [UnsafeMutableRawPointer?](repeating: nil, count: trace.idCount)
        var mine: [UInt64] = [], theirs: [UInt64] = [], floor: [UInt64] = []
        let arena = MappedArena(bytes: 8 << 30)
        var harness = HarnessOnly(bytes: trace.largestRequest + 4096)
        defer { arena.release(); harness.release() }
        for _ in 0..<rounds {
            floor.append(replay(trace, &harness, slots: &slots).ns)
            var k = KernelHeap(arena: arena)
            let r = replay(trace, &k, slots: &slots)
            if let at = r.failedAt { fail("\(path): kernel heap failed at op \(at)") }
            mine.append(r.ns)
            var s = SystemMalloc()
            let q = replay(trace, &s, slots: &slots)
            if let at = q.failedAt { fail("\(path): system malloc failed at op \(at)") }
            theirs.append(q.ns)
        }
        let n = Double(trace.ops.count)
        let a = Double(median(mine)) / n, b = Double(median(theirs)) / n, h = Double(median(floor)) / n
        let name = path.split(separator: "/").last.map(String.init) ?? path
        print(
            "\(name.padding(18)) \(String(trace.ops.count).padding(7)) \(format(a).padding(18)) \(format(b).padding(13)) \(format(a / b))")
        print(
            "RESULT trace=\(name) ops=\(trace.ops.count) heap_ns=\(format(a)) system_ns=\(format(b)) ratio=\(format(a / b)) harness_ns=\(format(h))"
        )
    }
}

/// One allocator only, `rounds` times: for a sampling profiler (perf record).
func profileCommand(_ who: String, _ path: String, rounds: Int) {
    let trace = readTrace(path)
    var slots = [UnsafeMutableRawPointer?](repeating: nil, count: trace.idCount)
    let arena = MappedArena(bytes: 8 << 30)
    var total: UInt64 = 0
    for _ in 0..<rounds {
        let r: (ns: UInt64, failedAt: Int?)
        switch who {
        case "kernel": var k = KernelHeap(arena: arena); r = replay(trace, &k, slots: &slots)
        case "system": var s = SystemMalloc(); r = replay(trace, &s, slots: &slots)
        case "harness": var h = HarnessOnly(bytes: trace.largestRequest + 4096); r = replay(trace, &h, slots: &slots); h.release()
        default: fail("profile: unknown allocator \(who) (kernel, system or harness)")
        }
        if let at = r.failedAt { fail("\(path): \(who) failed at op \(at)") }
        total += r.ns
    }
    print("RESULT profile=\(who) ns_per_op=\(format(Double(total) / Double(rounds * trace.ops.count)))")
}

func oomCommand(_ path: String, arenaMiB: Int) {
    let trace = readTrace(path)
    var slots = [UnsafeMutableRawPointer?](repeating: nil, count: trace.idCount)
    var k = KernelHeap(arenaBytes: UInt(arenaMiB) << 20)
    let r = replay(trace, &k, slots: &slots)
    guard r.failedAt != nil else { fail("\(path) never ran out of a \(arenaMiB) MiB arena") }
    let used = Double(k.heap.usedBytes), heap = Double(k.heap.heapBytes), arena = Double(k.arena.capacity)
    print(
        "RESULT oom trace=\(path.split(separator: "/").last!) arena_mib=\(arenaMiB) failed_at_op=\(r.failedAt!) "
            + "used_of_heap=\(format(100 * used / heap)) heap_of_arena=\(format(100 * heap / arena)) used_of_arena=\(format(100 * used / arena))"
    )
}

func format(_ x: Double) -> String {
    let scaled = Int((x * 100).rounded())
    let frac = scaled % 100
    return "\(scaled / 100).\(frac < 10 ? "0" : "")\(frac)"
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}

let args = CommandLine.arguments
switch args.count > 1 ? args[1] : "" {
case "replay" where args.count > 2: replayCommand(Array(args[2...]))
case "worst" where args.count == 4: worstCase(args[2], run: args[3] == "1")
case "profile" where args.count == 5: profileCommand(args[2], args[3], rounds: Int(args[4]) ?? 10)
case "oom" where args.count == 4: oomCommand(args[2], arenaMiB: Int(args[3]) ?? 64)
default:
    print("usage: heap-bench replay TRACE... | worst CASE 0|1 | oom TRACE ARENA_MIB | profile kernel|system|harness TRACE N")
    print("worst cases: \(WorstCase.allNames)")
    exit(2)
}
