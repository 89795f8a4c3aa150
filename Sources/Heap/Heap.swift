// The kernel's general-purpose allocator: two-level segregated fit (TLSF) with
// two fast paths. Free blocks sit in size classes found with two bitmap scans,
// neighbours are coalesced at once through boundary tags, so malloc and free
// take bounded time whatever the number of blocks. In front of that: a small
// per-size cache of recently freed small blocks (HeapCache.swift), and the
// "top" block at the end of the heap, carved directly (HeapMemory.swift).
// Memory comes from a HeapGrowth source (sbrk in the kernel, host memory in
// tests and benchmarks).

/// Where the heap gets more memory.
protocol HeapGrowth {
    /// At least `bytes` more bytes (16-aligned start and size), or nil.
    mutating func grow(atLeast bytes: UInt) -> (start: UnsafeMutableRawPointer, bytes: UInt)?
    /// Take back [start, start + bytes), the top of what it gave (whole pages).
    /// False, and nothing changes, if that is not its top or it cannot.
    mutating func shrink(start: UInt, bytes: UInt) -> Bool
    /// Debug mode found earlier misuse while it served this call (a block
    /// written after it was freed): the call itself succeeds; the finding is
    /// handed to the heap's owner here, the one place that hears of it.
    mutating func heapFound(_ problem: HeapError)
}

extension HeapGrowth {
    mutating func shrink(start: UInt, bytes: UInt) -> Bool { false }
    mutating func heapFound(_ problem: HeapError) {}
}

/// Misuse found by the heap: the pointer and the state of the block it names.
enum HeapError: Error, Equatable {
    /// The block is already free or cached (`header`: its stride and flags).
    case doubleFree(UInt, header: UInt)
    /// Not a pointer the heap handed out (outside it, or misaligned).
    case foreignPointer(UInt)
    /// The block's header makes no sense: overwritten, or not a block start.
    case corruptBlock(UInt, header: UInt)
    /// Debug mode: the magic word before the payload is wrong.
    case badMagic(UInt, found: UInt32)
    /// Debug mode: bytes just past the requested size were written (`offset` from the pointer).
    case canaryOverwritten(UInt, offset: UInt)
    /// Debug mode: a free block was written while free, found when it was reused.
    case useAfterFree(UInt, offset: UInt)
}

struct Heap {
    static let secondLevelBits = 4
    static let classesPerLevel = 16
    static let linearLimit: UInt = 256  // below this, classes are 16 bytes apart
    static let firstLevels = 32
    /// 2^39 - 1 on 64-bit (32 first-level classes); just under 4 GiB on 32-bit.
    static let largestStride: UInt = UInt.bitWidth == 32 ? 0xFFFF_0000 : UInt(truncatingIfNeeded: UInt64(1) << 39) - 1

    /// Free-list heads, the two bitmap levels and the cache live in the heap's
    /// first memory (TLSF's control block), not in this struct: no operation
    /// copies them, and the struct stays small. Nil until the first `add`.
    var control: UnsafeMutablePointer<UInt>? = nil
    /// Lowest and highest+1 address of memory the heap was given.
    var low: UInt = 0
    /// low + two words: no payload starts below it (free's range check).
    var lowestPayload: UInt = 0
    var high: UInt = 0
    var heapBytes: UInt = 0
    /// Bytes in blocks the callers hold.
    var usedBytes: UInt = 0
    var regions = 0
    /// Where each region starts (the first 16), for the consistency check's chain walk.
    var regionStarts = InlineArray<16, UInt>(repeating: 0)
    /// The free block just before the end of the highest region, kept out of
    /// the lists and carved directly. 0: there is none.
    var top: UInt = 0
    /// Debug mode: magic, canary and poison checks (HeapDebug.swift); no cache. Costs O(size) per operation.
    let debug: Bool

    /// Requests below this many bytes may come from the cache: 0 (none) until the
    /// control block exists, and always in debug mode, so that one compare on the
    /// fast path stands for all three checks.
    var cacheServesBelow: UInt = 0
    /// Freed blocks up to this stride may go to the cache: 0 in debug mode.
    let cacheKeepsUpTo: UInt

    init(debug: Bool = false) {
        self.debug = debug
        cacheKeepsUpTo = debug ? 0 : Heap.cacheLimit
    }

    // MARK: public operations

    /// `size` bytes aligned to `alignment` (a power of two), or nil when the heap cannot grow.
    /// The cache hit is inlined into the caller; everything else is a call.
    @inline(__always)
    mutating func allocate<G: HeapGrowth>(_ size: Int, alignment: Int = 16, growth: inout G) -> UnsafeMutableRawPointer? {
        // Alignments 1 to 16 are every block's; others (and bad ones) go to TLSF.
        // In debug mode the cache serves nothing (cacheServesBelow is 0).
        if alignment > 0 && alignment <= Int(Block.granule) && alignment & (alignment &- 1) == 0,
            let p = cachedAllocate(size)
        {
            return p
        }
        if debug { return debugAllocate(size, alignment: alignment, growth: &growth) }
        return rawAllocate(size, alignment: alignment, growth: &growth)
    }

    /// Give back a block. Misuse throws, and the heap is left untouched.
    /// The checks and the cache push are inlined into the caller.
    @inline(__always)
    mutating func free(_ pointer: UnsafeMutableRawPointer) throws(HeapError) {
        if debug { try debugFree(pointer) } else { try rawFree(pointer) }
    }

    /// Free, then trim: when the free block at the top of the heap reaches
    /// `Heap.trimThreshold`, all of it but `Heap.trimKeep` (whole pages) goes
    /// back to `growth`, as dlmalloc trims with a negative sbrk.
    mutating func free<G: HeapGrowth>(_ pointer: UnsafeMutableRawPointer, growth: inout G) throws(HeapError) {
        try free(pointer)
        if top != 0 && Block(top).stride >= Heap.trimThreshold { trim(growth: &growth) }
    }

    /// Resize keeping contents; nil (and the old block intact) if it cannot.
    mutating func reallocate<G: HeapGrowth>(_ pointer: UnsafeMutableRawPointer, to size: Int, growth: inout G) -> UnsafeMutableRawPointer? {
        debug ? debugReallocate(pointer, to: size, growth: &growth) : rawReallocate(pointer, to: size, growth: &growth)
    }

    /// Bytes the caller may use at `pointer` (at least what it asked for).
    func usableSize(_ pointer: UnsafeMutableRawPointer) -> Int {
        debug ? debugRequestedSize(pointer) : Int(Block(payload: pointer).capacity)
    }

    // MARK: the allocator proper

    @inline(never)
    mutating func rawAllocate<G: HeapGrowth>(_ size: Int, alignment: Int, growth: inout G) -> UnsafeMutableRawPointer? {
        if size < 0 || alignment <= 0 || alignment & (alignment - 1) != 0 { return nil }
        let align = max(UInt(alignment), Block.granule)
        guard let stride = Heap.stride(forRequest: UInt(size)) else { return nil }
        // Room to cut a free gap in front of an aligned payload.
        let (want, overflow) = stride.addingReportingOverflow(align > Block.granule ? align + Block.minimumStride : 0)
        if overflow || want > Heap.largestStride { return nil }
        guard let (taken, fromTop) = takeFree(want) ?? growAndTake(want, growth: &growth) else { return nil }
        var b = taken
        if align > Block.granule { b = cutAlignedStart(b, align) }
        carve(b, to: stride, tailIsTop: fromTop)
        if debug, let found = poisonDisturbed(b) { growth.heapFound(found) }
        return b.payload
    }

    /// No free block fits `want`. First the cache gives its blocks back (they
    /// may coalesce into a fit, and into the top block, which lets a later free
    /// trim the heap: a cache kept across growth once left 8 MiB of free
    /// memory un-trimmable under cached blocks). Then grow: first ask only for
    /// what the top block lacks; if the new memory did not land next to it,
    /// ask once more for the whole block. Out of line: allocation's rare half.
    @inline(never)
    mutating func growAndTake<G: HeapGrowth>(_ want: UInt, growth: inout G) -> (Block, fromTop: Bool)? {
        if cachedBytes > 0 {
            flushCache()
            if let found = takeFree(want) { return found }
        }
        for attempt in 0..<2 {
            guard extend(want, countingTopBlock: attempt == 0, growth: &growth) else { return nil }
            if let found = takeFree(want) { return found }
        }
        return nil
    }

    @inline(__always)
    mutating func rawFree(_ pointer: UnsafeMutableRawPointer) throws(HeapError) {
        try validateUsed(pointer)
        let b = Block(payload: pointer)
        let h = b.header
        usedBytes &-= h & ~Block.flagMask
        if cachePush(b, header: h) { return }
        releaseUsed(b)
    }

    /// Free's slow half, kept out of line so that the inlined half stays small.
    @inline(never)
    mutating func releaseUsed(_ b: Block) { release(b) }

    mutating func rawReallocate<G: HeapGrowth>(_ pointer: UnsafeMutableRawPointer, to size: Int, growth: inout G)
        -> UnsafeMutableRawPointer?
    {
        if (try? validateUsed(pointer)) == nil || size < 0 { return nil }
        guard let stride = Heap.stride(forRequest: UInt(size)) else { return nil }
        let b = Block(payload: pointer)
        let next = b.next
        var tailIsTop = false
        if next.isFree && b.stride + next.stride >= stride {
            // Grow (or shrink) in place into the free neighbour.
            if next.address == top { top = 0; tailIsTop = true } else { remove(next) }
            usedBytes += next.stride
            b.stride += next.stride
            b.next.isPrevFree = false
        }
        if b.stride >= stride {
            usedBytes -= b.stride
            shrink(b, to: stride, tailIsTop: tailIsTop, poisonTail: true)
            usedBytes += b.stride
            return pointer
        }
        guard let fresh = cachedAllocate(size) ?? rawAllocate(size, alignment: 16, growth: &growth) else { return nil }
        fresh.copyMemory(from: pointer, byteCount: Int(b.capacity))
        try? rawFree(pointer)  // validated above
        return fresh
    }

    /// Throws what `free` would refuse `pointer` for, without freeing it.
    @inline(__always)
    func validateUsed(_ pointer: UnsafeMutableRawPointer) throws(HeapError) {
        let p = UInt(bitPattern: pointer)
        // One range check covers both bounds; the header check covers stride and flags.
        if p & (Block.granule - 1) != 0 || p &- lowestPayload >= high &- lowestPayload { throw .foreignPointer(p) }
        let b = Block(payload: pointer)
        let h = b.header
        if h & (Block.freeBit | Block.cachedBit) != 0 { throw .doubleFree(p, header: h) }
        let s = h & ~Block.flagMask
        if s < Block.minimumStride || s > high &- b.address || Block(b.address &+ s).isPrevFree { throw .corruptBlock(p, header: h) }
    }
}
