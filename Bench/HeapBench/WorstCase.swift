// Constructed worst cases for one malloc or free, for callgrind. Each sets up
// a heap in a fixed arena; `run` decides whether the measured operation runs.
// Nothing here grows the heap during the measured operation.

enum WorstCase {
    static let allNames =
        "small-from-huge, aligned-from-huge, free-between-free, free-no-neighbours, exact-fit, cached-free, cached-allocate"
}

/// The heap's public entry points, kept out of line so that callgrind counts the
/// whole operation: the fast path inlined into callers as well as the slow path.
/// Most callers ask with the default alignment, as these cases do.
@inline(never) func measuredAllocate(_ heap: inout Heap, _ size: Int, growth: inout MappedArena) -> UnsafeMutableRawPointer? {
    heap.allocate(size, growth: &growth)
}
@inline(never) func measuredAlignedAllocate(_ heap: inout Heap, _ size: Int, alignment: Int, growth: inout MappedArena)
    -> UnsafeMutableRawPointer?
{
    heap.allocate(size, alignment: alignment, growth: &growth)
}
@inline(never) func measuredFree(_ heap: inout Heap, _ p: UnsafeMutableRawPointer) throws(HeapError) { try heap.free(p) }

@inline(never) func blackHole(_ p: UnsafeMutableRawPointer?) {
    if let p { p.storeBytes(of: 0, as: UInt8.self) }
}

func worstCase(_ name: String, run: Bool) {
    var arena = MappedArena(bytes: 1 << 30)
    var heap = Heap()
    switch name {
    case "small-from-huge", "aligned-from-huge":
        // One listed free block of almost 1 GiB (a used block after it keeps it
        // from being the top block): a small request scans the bitmaps up to
        // the highest class, unlinks the block and splits it.
        heap.add(start: UInt(bitPattern: arena.grow(atLeast: (1 << 30) - 4096)!.start), bytes: (1 << 30) - 4096)
        let huge = heap.allocate((1 << 30) - (1 << 20), growth: &arena)!
        blackHole(heap.allocate(4096, growth: &arena))
        try? heap.free(huge)
        if run {
            if name == "small-from-huge" {
                blackHole(measuredAllocate(&heap, 16, growth: &arena))
            } else {
                blackHole(measuredAlignedAllocate(&heap, 100, alignment: 4096, growth: &arena))
            }
        }
    case "free-between-free", "free-no-neighbours":
        // Five 1000-byte blocks (too big for the cache) in a row; with
        // free-between-free, the 2nd and 4th are free, so freeing the 3rd merges both.
        var p = [UnsafeMutableRawPointer]()
        for _ in 0..<5 { p.append(heap.allocate(1000, growth: &arena)!) }
        if name == "free-between-free" { try? heap.free(p[1]); try? heap.free(p[3]) }
        if run { try? measuredFree(&heap, p[2]) }
    case "exact-fit", "cached-free", "cached-allocate":
        var p = [UnsafeMutableRawPointer]()
        for _ in 0..<3 { p.append(heap.allocate(200, growth: &arena)!) }
        if name == "exact-fit" {
            // A 200-byte hole in the lists (the cache flushed), refilled exactly.
            try? heap.free(p[1]); heap.flushCache()
            if run { blackHole(measuredAllocate(&heap, 200, growth: &arena)) }
        } else if name == "cached-free" {
            if run { try? measuredFree(&heap, p[1]) }
        } else {
            try? heap.free(p[1])
            if run { blackHole(measuredAllocate(&heap, 200, growth: &arena)) }
        }
    default:
        fail("unknown worst case \(name); cases: \(WorstCase.allNames)")
    }
}
