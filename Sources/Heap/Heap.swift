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

/// Misuse found by the heap: the pointer and the state of the block it names.
enum HeapError: Equatable {
    /// The block is already free (`header`: its stride and flags).
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
    static let linearLimit: UInt = 256          // below this, classes are 16 bytes apart
    static let firstLevels = 32
    /// 2^39 - 1 on 64-bit (32 first-level classes); just under 4 GiB on 32-bit.
    static let largestStride: UInt = UInt.bitWidth == 32 ? 0xFFFF_0000 : UInt(truncatingIfNeeded: UInt64(1) << 39) - 1

    /// Free-list heads and the two bitmap levels live in the heap's first memory
    /// (TLSF's control block), not in this struct: no operation ever copies them,
    /// and the struct stays small enough to pass around. Nil until the first `add`.
    private(set) var control: UnsafeMutablePointer<UInt>? = nil
    static let listCount = firstLevels * classesPerLevel
    static let controlBytes = UInt((listCount + firstLevels + 1) * MemoryLayout<UInt>.size + 15) & ~15
    var heads: UnsafeMutablePointer<UInt> { control! }
    /// One word per first level; bit s set: list (f, s) is not empty.
    var secondBitmaps: UnsafeMutablePointer<UInt> { control! + Heap.listCount }
    /// Bit f set: some list of first level f is not empty.
    var firstBitmap: UInt {
        get { control![Heap.listCount + Heap.firstLevels] }
        nonmutating set { control![Heap.listCount + Heap.firstLevels] = newValue }
    }
    /// Lowest and highest+1 address of memory the heap was given.
    private(set) var low: UInt = 0
    private(set) var high: UInt = 0
    private(set) var heapBytes: UInt = 0
    var usedBytes: UInt = 0
    private(set) var regions = 0
    /// Where each region starts (the first 16), for the consistency check's chain walk.
    private(set) var regionStarts = InlineArray<16, UInt>(repeating: 0)
    /// Debug mode: magic, canary and poison checks (HeapDebug.swift). Costs O(size) per operation.
    let debug: Bool
    /// Misuse found inside an allocation (debug mode's use-after-free), for the caller to report.
    var lastProblem: HeapError? = nil
    var problems = 0

    init(debug: Bool = false) { self.debug = debug }

    // MARK: public operations

    /// `size` bytes aligned to `alignment` (a power of two), or nil when the heap cannot grow.
    mutating func allocate<G: HeapGrowth>(_ size: Int, alignment: Int = 16, growth: inout G) -> UnsafeMutableRawPointer? {
        if debug { return debugAllocate(size, alignment: alignment, growth: &growth) }
        return rawAllocate(size, alignment: alignment, growth: &growth)
    }

    /// Give back a block. Misuse is reported and the heap left untouched.
    mutating func free(_ pointer: UnsafeMutableRawPointer) -> HeapError? {
        debug ? debugFree(pointer) : rawFree(pointer)
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

    mutating func rawAllocate<G: HeapGrowth>(_ size: Int, alignment: Int, growth: inout G) -> UnsafeMutableRawPointer? {
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
        if debug { checkPoison(b) }
        return b.payload
    }

    mutating func rawFree(_ pointer: UnsafeMutableRawPointer) -> HeapError? {
        var b = Block(payload: pointer)
        if let error = validateUsed(pointer) { return error }
        let freed = b
        usedBytes -= b.stride
        b.isFree = true
        if b.isPrevFree {
            let prev = b.prevPhys
            remove(prev)
            prev.stride += b.stride
            b = prev
        }
        let next = b.next
        let mergedNext = next.isFree
        if mergedNext {
            remove(next)
            b.stride += next.stride
        }
        if debug { poisonFreed(merged: b, freed: freed, through: mergedNext ? next.address + 4 * Block.word : next.address) }
        insert(b)
        b.next.prevPhys = b
        b.next.isPrevFree = true
        return nil
    }

    mutating func rawReallocate<G: HeapGrowth>(_ pointer: UnsafeMutableRawPointer, to size: Int, growth: inout G) -> UnsafeMutableRawPointer? {
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
            shrink(b, to: stride, poisonTail: true)
            usedBytes += b.stride
            return pointer
        }
        guard let fresh = rawAllocate(size, alignment: 16, growth: &growth) else { return nil }
        fresh.copyMemory(from: pointer, byteCount: Int(b.capacity))
        _ = rawFree(pointer)
        return fresh
    }

    /// Error (or nil) that `free` would report for `pointer`, without freeing it.
    func validateUsed(_ pointer: UnsafeMutableRawPointer) -> HeapError? {
        let p = UInt(bitPattern: pointer)
        if p % Block.granule != 0 || p < low + 2 * Block.word || p >= high { return .foreignPointer(p) }
        let b = Block(payload: pointer)
        if b.isFree { return .doubleFree(p, header: b.header) }
        let s = b.stride
        if s < Block.minimumStride || s % Block.granule != 0 || s > high - b.address { return .corruptBlock(p, header: b.header) }
        if b.next.isPrevFree { return .corruptBlock(p, header: b.header) }
        return nil
    }

    // MARK: growth

    /// Add memory so that a free block of at least `stride` exists.
    private mutating func extend<G: HeapGrowth>(_ stride: UInt, countingTopBlock: Bool, growth: inout G) -> Bool {
        // A class-rounded request plus one region's overhead is always enough.
        var (need, overflow) = Heap.roundedUp(stride).addingReportingOverflow(2 * Block.granule + (control == nil ? Heap.controlBytes : 0))
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
    mutating func add(start given: UInt, bytes: UInt) {
        if given % Block.granule != 0 || bytes % Block.granule != 0 { return }
        var start = given
        if control == nil {
            // The first memory holds the control block.
            if bytes < Heap.controlBytes + 2 * Block.minimumStride { return }
            control = UnsafeMutablePointer<UInt>(bitPattern: start)
            control!.initialize(repeating: 0, count: Int(Heap.controlBytes) / MemoryLayout<UInt>.size)
            start += Heap.controlBytes
            heapBytes += Heap.controlBytes
        }
        let end = given + bytes
        if end - start < 2 * Block.minimumStride { return }
        var b: Block
        if regions > 0 && start == high {
            b = Block(high - 2 * Block.word)   // the old end marker becomes a block
            b.stride = bytes
        } else {
            b = Block(start + (Block.granule - 2 * Block.word) % Block.granule)
            b.header = (end - 2 * Block.word) - b.address   // prev is nothing: not free
            if regions < 16 { regionStarts[regions] = b.address }
            regions += 1
            if low == 0 || start < low { low = start }
        }
        high = max(high, end)
        heapBytes += end - start
        let marker = Block(end - 2 * Block.word)
        marker.header = 0   // stride 0, used: the end of the region
        b.isFree = true
        let added = b
        if b.isPrevFree {
            let prev = b.prevPhys
            remove(prev)
            prev.stride += b.stride
            b = prev
        }
        if debug { poisonFreed(merged: b, freed: added, through: marker.address) }
        insert(b)
        marker.prevPhys = b
        marker.isPrevFree = true
    }

    // MARK: blocks

    /// Split `b` (not in any list) so it is `stride` long; the rest goes back free.
    /// `poisonTail`: the tail comes from used memory (realloc), so debug mode must poison it.
    private mutating func shrink(_ b: Block, to stride: UInt, poisonTail: Bool = false) {
        let rest = b.stride - stride
        if rest < Block.minimumStride { return }
        b.stride = stride
        let tail = b.next
        tail.header = rest | Block.freeBit
        tail.next.prevPhys = tail
        tail.next.isPrevFree = true
        if poisonTail && debug { poisonFreed(merged: tail, freed: tail, through: tail.next.address) }
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

    static func stride(forRequest size: UInt) -> UInt? {
        if size > largestStride { return nil }
        let s = (size + Block.word + Block.granule - 1) & ~(Block.granule - 1)
        return max(s, Block.minimumStride)
    }

    /// Class (first, second) a block of `stride` bytes is filed under.
    static func classOf(_ stride: UInt) -> (Int, Int) {
        if stride < linearLimit { return (0, Int(stride / Block.granule)) }
        let top = UInt.bitWidth - 1 - stride.leadingZeroBitCount
        let second = Int((stride >> UInt(top - secondLevelBits)) & UInt(classesPerLevel - 1))
        return (top - 7, second)
    }

    /// `stride` rounded up to the start of the next class, so that every block
    /// in its class list is big enough.
    static func roundedUp(_ stride: UInt) -> UInt {
        if stride < linearLimit { return stride }
        let top = UInt.bitWidth - 1 - stride.leadingZeroBitCount
        return stride + (UInt(1) << UInt(top - secondLevelBits)) - 1
    }

    /// A free block of at least `stride` bytes, from two bitmap scans.
    func findFree(_ stride: UInt) -> Block? {
        var (f, s) = Heap.classOf(Heap.roundedUp(stride))
        if f >= Heap.firstLevels || control == nil { return nil }
        var seconds = secondBitmaps[f] & (UInt.max << UInt(s))
        if seconds == 0 {
            let firsts = f + 1 < Heap.firstLevels ? firstBitmap & (UInt.max << UInt(f + 1)) : 0
            if firsts == 0 { return nil }
            f = firsts.trailingZeroBitCount
            seconds = secondBitmaps[f]
        }
        s = seconds.trailingZeroBitCount
        return Block(heads[f * Heap.classesPerLevel + s])
    }

    mutating func insert(_ b: Block) {
        let (f, s) = Heap.classOf(b.stride)
        let i = f * Heap.classesPerLevel + s
        b.nextFree = heads[i]
        b.prevFree = 0
        if heads[i] != 0 { Block(heads[i]).prevFree = b.address }
        heads[i] = b.address
        firstBitmap |= UInt(1) << UInt(f)
        secondBitmaps[f] |= UInt(1) << UInt(s)
    }

    mutating func remove(_ b: Block) {
        let (f, s) = Heap.classOf(b.stride)
        let i = f * Heap.classesPerLevel + s
        if b.prevFree != 0 { Block(b.prevFree).nextFree = b.nextFree } else { heads[i] = b.nextFree }
        if b.nextFree != 0 { Block(b.nextFree).prevFree = b.prevFree }
        if heads[i] == 0 {
            secondBitmaps[f] &= ~(UInt(1) << UInt(s))
            if secondBitmaps[f] == 0 { firstBitmap &= ~(UInt(1) << UInt(f)) }
        }
    }
}
