// A full consistency check of the heap, O(blocks): for debug builds, tests and
// the fuzzer, never for the normal allocation path. It walks every region's
// block chain and every free list and reconciles them with the bitmaps and the
// byte totals.

enum HeapInconsistency: Equatable {
    case badStride(block: UInt, header: UInt)
    case prevFreeFlagWrong(block: UInt)
    case prevPhysWrong(block: UInt)
    case adjacentFreeBlocks(block: UInt)
    case freeBlockNotListed(block: UInt)
    case listedBlockNotFree(block: UInt)
    case listedInWrongClass(block: UInt)
    case bitmapDisagrees(first: Int, second: Int)
    case brokenLinks(block: UInt)
    case usedBytesDisagree(counted: UInt, recorded: UInt)
    case heapBytesDisagree(counted: UInt, recorded: UInt)
    case topWrong(block: UInt)
    case cacheDisagrees(counted: Int, recorded: Int)
    case tooManyRegions
}

struct HeapCensus: Equatable {
    var usedBlocks = 0, freeBlocks = 0, cachedBlocks = 0
    var usedBytes: UInt = 0, freeBytes: UInt = 0, cachedBytes: UInt = 0
    var largestFree: UInt = 0
}

extension Heap {
    /// Walk everything; the first inconsistency found, or the census.
    func check() -> (HeapCensus, HeapInconsistency?) {
        var c = HeapCensus()
        if regions > 16 { return (c, .tooManyRegions) }
        var counted: UInt = control == nil ? 0 : Heap.controlBytes
        for r in 0..<regions {
            var b = Block(regionStarts[r])
            counted += (Block.granule - 2 * Block.word) % Block.granule  // the region's front pad
            var prevFree = false
            var prev = Block(0)
            while true {
                let s = b.stride
                if s == 0 && !b.isFree {  // the region's end marker
                    if b.isPrevFree != prevFree { return (c, .prevFreeFlagWrong(block: b.address)) }
                    if prevFree && b.prevPhys != prev { return (c, .prevPhysWrong(block: b.address)) }
                    // The highest region's last free block is the top, and only it.
                    if b.address == high - 2 * Block.word {
                        if prevFree ? prev.address != top : top != 0 { return (c, .topWrong(block: top)) }
                    } else if prevFree && prev.address == top {
                        return (c, .topWrong(block: top))
                    }
                    counted += 2 * Block.word
                    break
                }
                if s < Block.minimumStride || s % Block.granule != 0 || s > high - b.address {
                    return (c, .badStride(block: b.address, header: b.header))
                }
                if b.isPrevFree != prevFree { return (c, .prevFreeFlagWrong(block: b.address)) }
                if prevFree && b.prevPhys != prev { return (c, .prevPhysWrong(block: b.address)) }
                if b.isFree {
                    if prevFree { return (c, .adjacentFreeBlocks(block: b.address)) }
                    c.freeBlocks += 1; c.freeBytes += s; c.largestFree = max(c.largestFree, s)
                } else if b.isCached {
                    c.cachedBlocks += 1; c.cachedBytes += s
                } else {
                    c.usedBlocks += 1; c.usedBytes += s
                }
                counted += s
                prevFree = b.isFree
                prev = b
                b = b.next
            }
        }
        // Every list entry is a free block of its class; lists and bitmaps agree.
        var listed = 0
        if control == nil { return (c, nil) }
        for f in 0..<Heap.firstLevels {
            for s in 0..<Heap.classesPerLevel {
                var a = heads[f * Heap.classesPerLevel + s]
                let bit = secondBitmaps[f] & (UInt(1) << UInt(s)) != 0
                if bit != (a != 0) { return (c, .bitmapDisagrees(first: f, second: s)) }
                var back: UInt = 0
                while a != 0 {
                    let b = Block(a)
                    if !b.isFree { return (c, .listedBlockNotFree(block: a)) }
                    let (cf, cs) = Heap.classOf(b.stride)
                    if cf != f || cs != s { return (c, .listedInWrongClass(block: a)) }
                    if b.prevFree != back { return (c, .brokenLinks(block: a)) }
                    if a == top { return (c, .topWrong(block: a)) }
                    listed += 1
                    if listed > c.freeBlocks { return (c, .freeBlockNotListed(block: a)) }
                    back = a
                    a = b.nextFree
                }
            }
            if (firstBitmap & (UInt(1) << UInt(f)) != 0) != (secondBitmaps[f] != 0) {
                return (c, .bitmapDisagrees(first: f, second: -1))
            }
        }
        if listed != c.freeBlocks - (top != 0 ? 1 : 0) { return (c, .freeBlockNotListed(block: 0)) }
        if c.cachedBlocks != cachedBlocks { return (c, .cacheDisagrees(counted: c.cachedBlocks, recorded: cachedBlocks)) }
        if c.cachedBytes != cachedBytes { return (c, .usedBytesDisagree(counted: c.cachedBytes, recorded: cachedBytes)) }
        if c.usedBytes != usedBytes { return (c, .usedBytesDisagree(counted: c.usedBytes, recorded: usedBytes)) }
        if counted != heapBytes { return (c, .heapBytesDisagree(counted: counted, recorded: heapBytes)) }
        return (c, nil)
    }
}
