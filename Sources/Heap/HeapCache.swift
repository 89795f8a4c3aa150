// A small cache in front of TLSF, in the spirit of a thread cache: a freed
// block of a small stride is kept on a per-stride stack (still marked used in
// its tags, flagged as cached) and handed straight back by the next request of
// that stride. Each stack holds at most `cacheDepth` blocks, so the memory it
// keeps from coalescing is bounded (under 300 KiB in all); when the heap would
// otherwise grow or fail, the cache is flushed into the free lists first.
// Debug mode bypasses it, so every free gets the full checks and poison.

extension Heap {
    /// Strides up to this are cached, one stack per 16-byte stride.
    static let cacheLimit: UInt = 512
    static let cacheClasses = Int(cacheLimit / Block.granule) + 1
    static let cacheDepth: UInt = 32

    private var cacheHeads: UnsafeMutablePointer<UInt> { control.unsafelyUnwrapped + (Heap.listCount + Heap.firstLevels + 1) }
    private var cacheCounts: UnsafeMutablePointer<UInt> { cacheHeads + Heap.cacheClasses }

    /// A cached block of exactly `stride`, or nil.
    @inline(__always)
    mutating func cachePop(_ stride: UInt) -> Block? {
        if stride > Heap.cacheLimit || control == nil { return nil }
        let i = Int(stride / Block.granule)
        let a = cacheHeads[i]
        if a == 0 { return nil }
        let b = Block(a)
        cacheHeads[i] = b.nextFree
        cacheCounts[i] &-= 1
        b.header &= ~Block.cachedBit
        cachedBytes &-= stride
        return b
    }

    /// Keep `b` (valid, just given back) in the cache if it is small and there is room.
    @inline(__always)
    mutating func cachePush(_ b: Block) -> Bool {
        let stride = b.stride
        if stride > Heap.cacheLimit || debug { return false }
        let i = Int(stride / Block.granule)
        if cacheCounts[i] >= Heap.cacheDepth { return false }
        b.header |= Block.cachedBit
        b.nextFree = cacheHeads[i]
        cacheHeads[i] = b.address
        cacheCounts[i] &+= 1
        cachedBytes &+= stride
        return true
    }

    /// Give every cached block back to the free lists (coalescing them).
    mutating func flushCache() {
        if control == nil { return }
        for i in 0..<Heap.cacheClasses {
            while cacheHeads[i] != 0 {
                let b = Block(cacheHeads[i])
                cacheHeads[i] = b.nextFree
                cachedBytes -= b.stride
                release(b)
            }
            cacheCounts[i] = 0
        }
    }

    /// Blocks in the cache (for the consistency check).
    var cachedBlocks: Int {
        if control == nil { return 0 }
        var n = 0
        for i in 0..<Heap.cacheClasses { n += Int(cacheCounts[i]) }
        return n
    }
}
