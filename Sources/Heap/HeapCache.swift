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

    /// Each class has two words in the control block: the head of its stack and its depth.
    private var cacheSlots: UnsafeMutablePointer<UInt> { control.unsafelyUnwrapped + (Heap.listCount + Heap.firstLevels + 1) }

    /// The whole allocation when a block of the request's stride is cached:
    /// no validation beyond the size, no call. Nil sends the request on to TLSF.
    @inline(__always)
    mutating func cachedAllocate(_ size: Int) -> UnsafeMutableRawPointer? {
        // One compare rejects negative sizes, strides past the cache, a heap
        // without its control block yet, and debug mode.
        let u = UInt(bitPattern: size)
        if u >= cacheServesBelow { return nil }
        let stride = max((u &+ Block.word &+ Block.granule &- 1) & ~(Block.granule &- 1), Block.minimumStride)
        let slot = cacheSlots + Int(truncatingIfNeeded: stride &>> 3)
        let a = slot[0]
        if a == 0 { return nil }
        let b = Block(a)
        slot[0] = b.nextFree
        slot[1] &-= 1
        b.header &= ~Block.cachedBit  // its prev-free flag may have changed while cached
        usedBytes &+= stride
        return b.payload
    }

    /// Keep `b` (valid, just given back) in the cache if it is small and there is room.
    @inline(__always)
    mutating func cachePush(_ b: Block, header h: UInt) -> Bool {
        let stride = h & ~Block.flagMask
        if stride > cacheKeepsUpTo { return false }  // 0 in debug mode
        let slot = cacheSlots + Int(truncatingIfNeeded: stride &>> 3)
        if slot[1] >= Heap.cacheDepth { return false }
        b.header = h | Block.cachedBit
        b.nextFree = slot[0]
        slot[0] = b.address
        slot[1] &+= 1
        return true
    }

    /// Give every cached block back to the free lists (coalescing them).
    mutating func flushCache() {
        if control == nil { return }
        for i in 0..<Heap.cacheClasses {
            let slot = cacheSlots + 2 * i
            while slot[0] != 0 {
                let b = Block(slot[0])
                slot[0] = b.nextFree
                release(b)
            }
            slot[1] = 0
        }
    }

    /// Bytes in blocks the cache holds (used in the tags, not in any caller's
    /// hands): each stack holds blocks of its own stride only. Counted when
    /// asked (growth, the consistency check), so that no hot path keeps a total.
    var cachedBytes: UInt {
        if control == nil { return 0 }
        var bytes: UInt = 0
        for i in 0..<Heap.cacheClasses { bytes &+= cacheSlots[2 * i + 1] &* UInt(i) &* Block.granule }
        return bytes
    }

    /// Blocks in the cache (for the consistency check).
    var cachedBlocks: Int {
        if control == nil { return 0 }
        var n = 0
        for i in 0..<Heap.cacheClasses { n += Int(cacheSlots[2 * i + 1]) }
        return n
    }
}
