// Cost of the frame allocator, on the host, for `valgrind --tool=callgrind`
// (instruction counts repeat; seconds do not). The core sources are compiled
// into this module (Core/ is a symlink to Sources/), as in the kernel.
//   frame-bench setup RAM_MIB            build the allocator over RAM_MIB of emulated RAM
//   frame-bench ops RAM_MIB FULL OPS     then leave FULL percent of the frames taken (the free
//                                        ones spread over RAM), then OPS times free a taken frame
//                                        (spread over RAM) and allocate one
// Run a mode with OPS = 0 and OPS = N (or setup against a bare run); the
// difference over N is the cost per operation. Emulated memory is backed lazily.
import Glibc

typealias M = EmulatedMachine<I386PageTable>

let args = CommandLine.arguments
guard args.count >= 3, let mib = Int(args[2]) else {
    print("usage: frame-bench setup|bare RAM_MIB | frame-bench ops RAM_MIB FULL OPS")
    exit(2)
}
let m = M(megabytes: mib, lazy: true)
var map = m.memoryMap()
if args[1] == "bare" {
    print("ram_mib=\(mib) regions=\(map.count)")
    exit(0)
}
var frames = try! FrameAllocator(map: &map, pageSize: 4096, reach: { m.pointer(to: $0) })
if args[1] == "setup" {
    print("ram_mib=\(mib) frames=\(frames.totalFrames)")
    exit(0)
}
guard args.count == 5, let full = Int(args[3]), let ops = Int(args[4]) else { exit(2) }
// Take every frame, then give back an evenly spread (100 - FULL) percent of
// them (keeping at least OPS), so the free frames are scattered over all of
// RAM. Then the holes are used up again, as a kernel would, so the allocator
// has to find what comes back in the measured part.
let total = frames.totalFrames
let held = UnsafeMutablePointer<Frame>.allocate(capacity: total + 1)
var n = 0
while let f = frames.allocate() { held[n] = f; n += 1 }
let freeWanted = min(total - total * full / 100, total - ops)
var kept = UnsafeMutablePointer<Bool>.allocate(capacity: n)
kept.initialize(repeating: true, count: n)
if freeWanted > 0 {
    let step = max(n / freeWanted, 1)
    var i = 0, given = 0
    while i < n && given < freeWanted { try? frames.free(held[i]); kept[i] = false; i += step; given += 1 }
}
// The taken frames' indexes, listed before the measured part.
let takenList = UnsafeMutablePointer<Int>.allocate(capacity: n + 1)
var takenCount = 0
for i in 0..<n where kept[i] { takenList[takenCount] = i; takenCount += 1 }
// The measured part, OPS times: a taken frame spread over RAM comes back (a
// task ending, say) and one is allocated. Both should cost the same whatever
// the RAM size and however full it is.
var sum: UInt64 = 0
var cursor = 0, seed: UInt64 = 0x9E37_79B9_7F4A_7C15
for k in 0..<ops {
    let i = takenList[cursor]
    try? frames.free(held[i])
    guard let f = frames.allocate() else { fatalError("out of frames after \(k)") }
    held[i] = f
    sum &+= f.start.raw
    seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17  // the next one anywhere in RAM
    cursor = Int(seed % UInt64(takenCount))
}
print("ram_mib=\(mib) full=\(full) free=\(frames.freeFrames) ops=\(ops) sum=\(sum)")
