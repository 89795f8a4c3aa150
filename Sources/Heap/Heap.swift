// The kernel's general-purpose allocator: two-level segregated fit (TLSF).
// Free blocks sit in size classes found with two bitmap scans, neighbours are
// coalesced at once through boundary tags, so malloc and free take bounded
// time whatever the number of blocks. Memory comes from a HeapGrowth source
// (sbrk in the kernel, host memory in tests and benchmarks).

/// Where the heap gets more memory.
protocol HeapGrowth {
    /// At least `bytes` more bytes (16-aligned start and size), or nil.
    mutating func grow(atLeast bytes: UInt) -> (start: UnsafeMutableRawPointer, bytes: UInt)?
}

/// Misuse found on free, with the address it was found at.
enum HeapError: Equatable {
    case doubleFree(UInt)
    case foreignPointer(UInt)
    case corruptBlock(UInt)
}

struct Heap {
    static let secondLevelBits = 4
    static let classesPerLevel = 16
    static let linearLimit: UInt = 256          // below this, classes are 16 bytes apart
    static let firstLevels = 32
    /// 2^39 - 1 on 64-bit (32 first-level classes); just under 4 GiB on 32-bit.
    static let largestStride: UInt = UInt.bitWidth == 32 ? 0xFFFF_0000 : UInt(truncatingIfNeeded: UInt64(1) << 39) - 1

    private var firstBitmap: UInt32 = 0
    private var secondBitmaps = InlineArray<32, UInt32>(repeating: 0)
    private var heads = InlineArray<512, UInt>(repeating: 0)
    /// Lowest and highest+1 address of memory the heap was given.
    private(set) var low: UInt = 0
    private(set) var high: UInt = 0
    private(set) var heapBytes: UInt = 0
    private(set) var usedBytes: UInt = 0
    private(set) var regions = 0

    init() {}

    // MARK: public operations

    /// `size` bytes aligned to `alignment` (a power of two), or nil when the heap cannot grow.
    mutating func allocate<G: HeapGrowth>(_ size: Int, alignment: Int = 16, growth: inout G) -> UnsafeMutableRawPointer? {
        if size < 0 || alignment <= 0 || alignment & (alignment - 1) != 0 { return nil }
        let align = max(UInt(alignment), Block.granule)
        guard let stride = Heap.stride(forRequest: UInt(size)) else { return nil }
        // Room to cut a free gap in front of an aligned payload.
        let (want, overflow) = stride.addingReportingOverflow(align > Block.granule ? align + Block.minimumStride : 0)
        if overflow || want > Heap.largestStride { return nil }
        var block = findFree(want)
        var attempts = 0
        while block == nil && attempts < 2 {
            // First ask only for what the free top block lacks; if the new memory
            // did not land next to it, ask once more for the whole block.
            guard extend(want, countingTopBlock: attempts == 0, growth: &growth) else { return nil }
            block = findFree(want)
            attempts += 1
        }
        guard var b = block else { return nil }
        remove(b)
        if align > Block.granule { b = cutAlignedStart(b, align) }
        shrink(b, to: stride)
        markUsed(b)
        return b.payload
    }

    /// Give back a block. Misuse is reported and the heap left untouched.
    mutating func free(_ pointer: UnsafeMutableRawPointer) -> HeapError? {
        var b = Block(payload: pointer)
        if let error = validateUsed(pointer) { return error }
        usedBytes -= b.stride
        b.isFree = true
        if b.isPrevFree {
            let prev = b.prevPhys
            remove(prev)
            prev.stride += b.stride
            b = prev
        }
        let next = b.next
        if next.isFree {
            remove(next)
            b.stride += next.stride
        }
        insert(b)
        b.next.prevPhys = b
        b.next.isPrevFree = true
        return nil
    }

    /// Resize keeping contents; nil (and the old block intact) if it cannot.
    mutating func reallocate<G: HeapGrowth>(_ pointer: UnsafeMutableRawPointer, to size: Int, growth: inout G) -> UnsafeMutableRawPointer? {
        if validateUsed(pointer) != nil || size < 0 { return nil }
        guard let stride = Heap.stride(forRequest: UInt(size)) else { return nil }
        let b = Block(payload: pointer)
        let next = b.next
        if next.isFree && b.stride + next.stride >= stride {
            remove(next)
            usedBytes += next.stride
            b.stride += next.stride
            b.next.isPrevFree = false
        }
        if b.stride >= stride {
            usedBytes -= b.stride
            shrink(b, to: stride)
            usedBytes += b.stride
            return pointer
        }
        guard let fresh = allocate(size, growth: &growth) else { return nil }
        fresh.copyMemory(from: pointer, byteCount: Int(b.capacity))
        _ = free(pointer)
        return fresh
    }

    /// Bytes the caller may use at `pointer` (at least what it asked for).
    func usableSize(_ pointer: UnsafeMutableRawPointer) -> Int { Int(Block(payload: pointer).capacity) }

    /// Error (or nil) that `free` would report for `pointer`, without freeing it.
    func validateUsed(_ pointer: UnsafeMutableRawPointer) -> HeapError? {
        let p = UInt(bitPattern: pointer)
        if p % Block.granule != 0 || p < low + 2 * Block.word || p >= high { return .foreignPointer(p) }
        let b = Block(payload: pointer)
        if b.isFree { return .doubleFree(p) }
        let s = b.stride
        if s < Block.minimumStride || s % Block.granule != 0 || s > high - b.address { return .corruptBlock(p) }
        if b.next.isPrevFree { return .corruptBlock(p) }
        return nil
    }

    // MARK: growth

    /// Add memory so that a free block of at least `stride` exists.
    private mutating func extend<G: HeapGrowth>(_ stride: UInt, countingTopBlock: Bool, growth: inout G) -> Bool {
        // A class-rounded request plus one region's overhead is always enough.
        var (need, overflow) = Heap.roundedUp(stride).addingReportingOverflow(2 * Block.granule)
        if overflow { return false }
        if countingTopBlock && regions > 0 {
            let marker = Block(high - 2 * Block.word)
            if marker.isPrevFree { need -= min(need - Block.granule, marker.prevPhys.stride) }
        }
        guard let more = growth.grow(atLeast: need) else { return false }
        add(start: UInt(bitPattern: more.start), bytes: more.bytes)
        return true
    }

    /// Hand the heap [start, start + bytes). Memory right after the current end
    /// merges into the top block; anything else starts a new region.
    mutating func add(start: UInt, bytes: UInt) {
        if bytes < 2 * Block.minimumStride || start % Block.granule != 0 || bytes % Block.granule != 0 { return }
        let end = start + bytes
        var b: Block
        if regions > 0 && start == high {
            b = Block(high - 2 * Block.word)   // the old end marker becomes a block
            b.stride = bytes
        } else {
            b = Block(start + (Block.granule - 2 * Block.word) % Block.granule)
            b.header = (end - 2 * Block.word) - b.address   // prev is nothing: not free
            regions += 1
            if low == 0 || start < low { low = start }
        }
        high = max(high, end)
        heapBytes += bytes
        let marker = Block(end - 2 * Block.word)
        marker.header = 0   // stride 0, used: the end of the region
        b.isFree = true
        if b.isPrevFree {
            let prev = b.prevPhys
            remove(prev)
            prev.stride += b.stride
            b = prev
        }
        insert(b)
        marker.prevPhys = b
        marker.isPrevFree = true
    }

    // MARK: blocks

    /// Split `b` (not in any list) so it is `stride` long; the rest goes back free.
    private mutating func shrink(_ b: Block, to stride: UInt) {
        let rest = b.stride - stride
        if rest < Block.minimumStride { return }
        b.stride = stride
        let tail = b.next
        tail.header = rest | Block.freeBit
        tail.next.prevPhys = tail
        tail.next.isPrevFree = true
        insert(tail)
    }

    /// Cut a free block off the front of `b` so that its payload meets `align`.
    private mutating func cutAlignedStart(_ b: Block, _ align: UInt) -> Block {
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

    private mutating func markUsed(_ b: Block) {
        b.isFree = false
        b.next.isPrevFree = false
        usedBytes += b.stride
    }

    // MARK: size classes

    private static func stride(forRequest size: UInt) -> UInt? {
        if size > largestStride { return nil }
        let s = (size + Block.word + Block.granule - 1) & ~(Block.granule - 1)
        return max(s, Block.minimumStride)
    }

    /// Class (first, second) a block of `stride` bytes is filed under.
    private static func classOf(_ stride: UInt) -> (Int, Int) {
        if stride < linearLimit { return (0, Int(stride / Block.granule)) }
        let top = UInt.bitWidth - 1 - stride.leadingZeroBitCount
        let second = Int((stride >> UInt(top - secondLevelBits)) & UInt(classesPerLevel - 1))
        return (top - 7, second)
    }

    /// `stride` rounded up to the start of the next class, so that every block
    /// in its class list is big enough.
    private static func roundedUp(_ stride: UInt) -> UInt {
        if stride < linearLimit { return stride }
        let top = UInt.bitWidth - 1 - stride.leadingZeroBitCount
        return stride + (UInt(1) << UInt(top - secondLevelBits)) - 1
    }

    /// A free block of at least `stride` bytes, from two bitmap scans.
    private func findFree(_ stride: UInt) -> Block? {
        var (f, s) = Heap.classOf(Heap.roundedUp(stride))
        if f >= Heap.firstLevels { return nil }
        var seconds = secondBitmaps[f] & (UInt32.max << UInt32(s))
        if seconds == 0 {
            let firsts = f + 1 < Heap.firstLevels ? firstBitmap & (UInt32.max << UInt32(f + 1)) : 0
            if firsts == 0 { return nil }
            f = firsts.trailingZeroBitCount
            seconds = secondBitmaps[f]
        }
        s = seconds.trailingZeroBitCount
        return Block(heads[f * Heap.classesPerLevel + s])
    }

    private mutating func insert(_ b: Block) {
        let (f, s) = Heap.classOf(b.stride)
        let i = f * Heap.classesPerLevel + s
        b.nextFree = heads[i]
        b.prevFree = 0
        if heads[i] != 0 { Block(heads[i]).prevFree = b.address }
        heads[i] = b.address
        firstBitmap |= UInt32(1) << UInt32(f)
        secondBitmaps[f] |= UInt32(1) << UInt32(s)
    }

    private mutating func remove(_ b: Block) {
        let (f, s) = Heap.classOf(b.stride)
        let i = f * Heap.classesPerLevel + s
        if b.prevFree != 0 { Block(b.prevFree).nextFree = b.nextFree } else { heads[i] = b.nextFree }
        if b.nextFree != 0 { Block(b.nextFree).prevFree = b.prevFree }
        if heads[i] == 0 {
            secondBitmaps[f] &= ~(UInt32(1) << UInt32(s))
            if secondBitmaps[f] == 0 { firstBitmap &= ~(UInt32(1) << UInt32(f)) }
        }
    }
}
