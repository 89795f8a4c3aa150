// Constructed worst cases for one malloc or free, for callgrind. Each sets up
// a heap in a fixed arena; `run` decides whether the measured operation runs.
// Nothing here grows the heap during the measured operation.

enum WorstCase {
    static let allNames = "small-from-huge, aligned-from-huge, free-between-free, free-no-neighbours, exact-fit"
}

@inline(never) func blackHole(_ p: UnsafeMutableRawPointer?) {
    if let p { p.storeBytes(of: 0, as: UInt8.self) }
}

func worstCase(_ name: String, run: Bool) {
    var arena = MappedArena(bytes: 1 << 30)
    var heap = Heap()
    switch name {
    case "small-from-huge":
        // One free block of almost 1 GiB: a 16-byte request scans up to the top
        // first-level class and splits the block.
        heap.add(start: UInt(bitPattern: arena.grow(atLeast: (1 << 30) - 4096)!.start), bytes: (1 << 30) - 4096)
        if run { blackHole(heap.allocate(16, growth: &arena)) }
    case "aligned-from-huge":
        heap.add(start: UInt(bitPattern: arena.grow(atLeast: (1 << 30) - 4096)!.start), bytes: (1 << 30) - 4096)
        if run { blackHole(heap.allocate(100, alignment: 4096, growth: &arena)) }
    case "free-between-free", "free-no-neighbours":
        // A B C D in a row; A and C free (B's neighbours), D keeps C off the top block.
        var p = [UnsafeMutableRawPointer]()
        for _ in 0..<5 { p.append(heap.allocate(1000, growth: &arena)!) }
        if name == "free-between-free" { _ = heap.free(p[1]); _ = heap.free(p[3]) }
        if run { _ = heap.free(p[2]) }
    case "exact-fit":
        var p = [UnsafeMutableRawPointer]()
        for _ in 0..<3 { p.append(heap.allocate(200, growth: &arena)!) }
        _ = heap.free(p[1])
        if run { blackHole(heap.allocate(200, growth: &arena)) }
    default:
        fail("unknown worst case \(name); cases: \(WorstCase.allNames)")
    }
}
