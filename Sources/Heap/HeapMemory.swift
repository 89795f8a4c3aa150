// Blocks moving between free and used: taking a free block (from the lists,
// or carved off the top block), splitting, coalescing on release, and growth.
// Invariant: if the block just before the highest region's end marker is free,
// it is `top` and in no list; every other free block is in its class list.

extension Heap {
    /// A free block of at least `stride` bytes, out of the lists (or the top).
    @inline(__always)
    mutating func takeFree(_ stride: UInt) -> (Block, fromTop: Bool)? {
        if let (b, f, s) = findFree(stride) {
            remove(b, f, s)
            return (b, false)
        }
        if top != 0 && Block(top).stride >= stride {
            let b = Block(top)
            top = 0
            return (b, true)
        }
        return nil
    }

    /// Make the used (or cached) block `b` free: coalesce with free neighbours
    /// and file the result (or make it the top block).
    @inline(__always)
    mutating func release(_ freed: Block) {
        // Headers are read once and written once: this is the hot half of free.
        let h = freed.header
        var b = freed
        var size = h & ~Block.flagMask
        if h & Block.prevFreeBit != 0 {
            let prev = freed.prevPhys  // never the top block: the top is last
            let prevSize = prev.stride
            remove(prev, stride: prevSize)
            size &+= prevSize
            b = prev
        }
        let next = Block(freed.address &+ (h & ~Block.flagMask))
        let nh = next.header
        let nextSize = nh & ~Block.flagMask
        var end = next.address
        // Neither neighbour of a free block is free, so the merged block's own
        // prev-free flag is clear: the header is just size | free.
        if next.address == top {
            size &+= nextSize
            b.header = size | Block.freeBit
            end &+= 4 &* Block.word
            top = b.address
        } else if nh & Block.freeBit != 0 {
            remove(next, stride: nextSize)
            size &+= nextSize
            b.header = size | Block.freeBit
            end &+= 4 &* Block.word
            insert(b, stride: size)
        } else {
            b.header = size | Block.freeBit
            // A block that ends the heap becomes the top; any other is filed.
            if nextSize == 0 && next.address == high &- 2 &* Block.word { top = b.address } else { insert(b, stride: size) }
        }
        if debug { poisonFreed(merged: b, freed: freed, through: end) }
        let after = Block(b.address &+ size)
        after.prevPhys = b
        after.header |= Block.prevFreeBit
    }

    /// Split `b` (taken, in no list) so it is `stride` long; the rest goes back
    /// free, as the top block if `b` was the top. `poisonTail`: the tail comes
    /// from used memory (realloc), so debug mode must poison it.
    @inline(__always)
    mutating func shrink(_ b: Block, to stride: UInt, tailIsTop: Bool, poisonTail: Bool = false) {
        let rest = b.stride &- stride
        if rest < Block.minimumStride { return }
        b.stride = stride
        let tail = b.next
        tail.header = rest | Block.freeBit
        tail.next.prevPhys = tail
        tail.next.isPrevFree = true
        if poisonTail && debug { poisonFreed(merged: tail, freed: tail, through: tail.next.address) }
        // A tail that now ends the heap (realloc shrinking the last block) is the top too.
        let after = tail.next
        if tailIsTop || (after.address == high &- 2 &* Block.word && after.stride == 0) { top = tail.address } else { insert(tail) }
    }

    /// Cut a free block off the front of `b` so that its payload meets `align`.
    mutating func cutAlignedStart(_ b: Block, _ align: UInt) -> Block {
        let p = UInt(bitPattern: b.payload)
        var aligned = (p + align - 1) & ~(align - 1)
        while aligned != p && aligned - p < Block.minimumStride { aligned += align }
        if aligned == p { return b }
        let gap = aligned - p
        let rest = Block(b.address + gap)
        rest.header = (b.stride - gap) | Block.prevFreeBit
        rest.prevPhys = b
        b.stride = gap
        insert(b)
        return rest
    }

    /// Hand out `b`, just taken from the lists or the top (or cut from such a
    /// block by `cutAlignedStart`), as a used block of `stride`; the rest past
    /// it, if it can hold a block, stays free. Allocation's version of
    /// `shrink` + `markUsed`, each header written once: the block after `b`
    /// already records a free block before it, which the tail now is.
    @inline(__always)
    mutating func carve(_ b: Block, to stride: UInt, tailIsTop: Bool) {
        let h = b.header
        let whole = h & ~Block.flagMask
        let rest = whole &- stride
        if rest < Block.minimumStride {
            b.header = whole | (h & Block.prevFreeBit)
            Block(b.address &+ whole).header &= ~Block.prevFreeBit
            usedBytes &+= whole
            return
        }
        b.header = stride | (h & Block.prevFreeBit)
        usedBytes &+= stride
        let tail = Block(b.address &+ stride)
        tail.header = rest | Block.freeBit
        let after = Block(tail.address &+ rest)
        after.prevPhys = tail
        if tailIsTop || (after.address == high &- 2 &* Block.word && after.header & ~Block.flagMask == 0) {
            top = tail.address
        } else {
            insert(tail)
        }
    }

    // MARK: growth and trimming

    /// The top free block's size at which free gives memory back, and what it keeps.
    static let trimThreshold: UInt = 256 << 10
    static let trimKeep: UInt = 64 << 10
    static let trimPage: UInt = 4096

    /// Give the top free block back to `growth` down to `trimKeep`, in whole
    /// pages from the heap's end. Never below the top block's own header, so
    /// never below the control block either. Returns the bytes given back.
    @discardableResult
    mutating func trim<G: HeapGrowth>(growth: inout G) -> UInt {
        guard top != 0, high % Heap.trimPage == 0 else { return 0 }
        let t = Block(top)
        guard t.stride > Heap.trimKeep else { return 0 }
        // The end marker (2 words) moves down with the end; the top keeps at least trimKeep.
        let newEnd = (t.address + Heap.trimKeep + 2 * Block.word + Heap.trimPage - 1) & ~(Heap.trimPage - 1)
        guard newEnd < high else { return 0 }
        let bytes = high - newEnd
        guard growth.shrink(start: newEnd, bytes: bytes) else { return 0 }
        t.stride = newEnd - 2 * Block.word - t.address
        let marker = Block(newEnd - 2 * Block.word)
        marker.header = 0  // stride 0, used: the end of the region
        marker.prevPhys = t
        marker.isPrevFree = true
        high = newEnd
        heapBytes -= bytes
        return bytes
    }

    /// Add memory so that a free block of at least `stride` exists.
    mutating func extend<G: HeapGrowth>(_ stride: UInt, countingTopBlock: Bool, growth: inout G) -> Bool {
        // A class-rounded request plus one region's overhead is always enough.
        var (need, overflow) = Heap.roundedUp(stride).addingReportingOverflow(2 * Block.granule + (control == nil ? Heap.controlBytes : 0))
        if overflow { return false }
        if countingTopBlock && top != 0 { need -= min(need - Block.granule, Block(top).stride) }
        guard let more = growth.grow(atLeast: need) else { return false }
        add(start: UInt(bitPattern: more.start), bytes: more.bytes)
        return true
    }

    /// Hand the heap [start, start + bytes). Memory right after the current end
    /// merges into the top block; anything else starts a new region.
    mutating func add(start given: UInt, bytes: UInt) {
        if given % Block.granule != 0 || bytes % Block.granule != 0 { return }
        var start = given
        if control == nil {
            // The first memory holds the control block.
            if bytes < Heap.controlBytes + 2 * Block.minimumStride { return }
            control = UnsafeMutablePointer<UInt>(bitPattern: start)
            control!.initialize(repeating: 0, count: Int(Heap.controlBytes) / MemoryLayout<UInt>.size)
            if !debug { cacheServesBelow = Heap.cacheLimit &- Block.word &+ 1 }
            start += Heap.controlBytes
            heapBytes += Heap.controlBytes
        }
        let end = given + bytes
        if end - start < 2 * Block.minimumStride { return }
        var b: Block
        let highest = start >= high
        if regions > 0 && start == high {
            b = Block(high - 2 * Block.word)  // the old end marker becomes a block
            b.stride = end - start
        } else {
            b = Block(start + (Block.granule - 2 * Block.word) % Block.granule)
            b.header = (end - 2 * Block.word) - b.address  // prev is nothing: not free
            if regions < 16 { regionStarts[regions] = b.address }
            regions += 1
            if low == 0 || start < low { low = start; lowestPayload = start &+ 2 &* Block.word }
        }
        heapBytes += end - start
        let marker = Block(end - 2 * Block.word)
        marker.header = 0  // stride 0, used: the end of the region
        b.isFree = true
        let added = b
        if b.isPrevFree {
            let prev = b.prevPhys  // the old top
            prev.stride += b.stride
            b = prev
        } else if highest && top != 0 {
            insert(Block(top))  // a new, higher region: the old top becomes an ordinary free block
        }
        if debug { poisonFreed(merged: b, freed: added, through: marker.address) }
        if highest { top = b.address; high = end } else { insert(b) }
        marker.prevPhys = b
        marker.isPrevFree = true
    }
}
