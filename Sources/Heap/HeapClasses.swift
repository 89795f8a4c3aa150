// TLSF size classes and free lists: which list a block belongs to, and the
// two bitmap scans that find a big-enough block in constant time.

extension Heap {
    static let listCount = firstLevels * classesPerLevel
    /// Control block layout, in words: list heads, second-level bitmaps, the
    /// first-level bitmap, then the cache's heads and counts (HeapCache.swift).
    static let controlWords = listCount + firstLevels + 1 + 2 * cacheClasses
    static let controlBytes = UInt(controlWords * MemoryLayout<UInt>.size + 15) & ~15

    var heads: UnsafeMutablePointer<UInt> { control.unsafelyUnwrapped }
    /// One word per first level; bit s set: list (f, s) is not empty.
    var secondBitmaps: UnsafeMutablePointer<UInt> { control.unsafelyUnwrapped + Heap.listCount }
    /// Bit f set: some list of first level f is not empty.
    var firstBitmap: UInt {
        get { control.unsafelyUnwrapped[Heap.listCount + Heap.firstLevels] }
        nonmutating set { control.unsafelyUnwrapped[Heap.listCount + Heap.firstLevels] = newValue }
    }

    /// The block stride for a request of `size` bytes (header included, 16-aligned).
    @inline(__always)
    static func stride(forRequest size: UInt) -> UInt? {
        if size > largestStride { return nil }
        let s = (size + Block.word + Block.granule - 1) & ~(Block.granule - 1)
        return max(s, Block.minimumStride)
    }

    /// Class (first, second) a block of `stride` bytes is filed under.
    @inline(__always)
    static func classOf(_ stride: UInt) -> (Int, Int) {
        if stride < linearLimit { return (0, Int(truncatingIfNeeded: stride &>> 4)) }
        let top = UInt.bitWidth &- 1 &- stride.leadingZeroBitCount
        let second = Int(truncatingIfNeeded: (stride &>> UInt(truncatingIfNeeded: top &- secondLevelBits)) & UInt(classesPerLevel &- 1))
        return (top &- 7, second)
    }

    /// `stride` rounded up to the start of the next class, so that every block
    /// in its class list is big enough.
    @inline(__always)
    static func roundedUp(_ stride: UInt) -> UInt {
        if stride < linearLimit { return stride }
        let top = UInt.bitWidth &- 1 &- stride.leadingZeroBitCount
        return stride &+ (UInt(1) &<< UInt(truncatingIfNeeded: top &- secondLevelBits)) &- 1
    }

    /// A listed free block of at least `stride` bytes and its class, from two bitmap scans.
    @inline(__always)
    func findFree(_ stride: UInt) -> (Block, Int, Int)? {
        var (f, s) = Heap.classOf(Heap.roundedUp(stride))
        if f >= Heap.firstLevels || control == nil { return nil }
        var seconds = secondBitmaps[f] & (UInt.max &<< UInt(truncatingIfNeeded: s))
        if seconds == 0 {
            let firsts = firstBitmap & (UInt.max &<< UInt(truncatingIfNeeded: f &+ 1))
            if firsts == 0 { return nil }
            f = firsts.trailingZeroBitCount
            seconds = secondBitmaps[f]
        }
        s = seconds.trailingZeroBitCount
        return (Block(heads[f &* Heap.classesPerLevel &+ s]), f, s)
    }

    @inline(__always)
    mutating func insert(_ b: Block) {
        insert(b, stride: b.stride)
    }

    /// `insert` when the caller knows the block's stride.
    @inline(__always)
    mutating func insert(_ b: Block, stride: UInt) {
        let (f, s) = Heap.classOf(stride)
        let i = f &* Heap.classesPerLevel &+ s
        b.nextFree = heads[i]
        b.prevFree = 0
        if heads[i] != 0 { Block(heads[i]).prevFree = b.address }
        heads[i] = b.address
        firstBitmap |= UInt(1) &<< UInt(truncatingIfNeeded: f)
        secondBitmaps[f] |= UInt(1) &<< UInt(truncatingIfNeeded: s)
    }

    @inline(__always)
    mutating func remove(_ b: Block) {
        remove(b, stride: b.stride)
    }

    /// `remove` when the caller has already read the block's stride.
    @inline(__always)
    mutating func remove(_ b: Block, stride: UInt) {
        let (f, s) = Heap.classOf(stride)
        remove(b, f, s)
    }

    /// Unlink `b`, filed in class (f, s).
    @inline(__always)
    mutating func remove(_ b: Block, _ f: Int, _ s: Int) {
        let i = f &* Heap.classesPerLevel &+ s
        let next = b.nextFree, prev = b.prevFree
        if prev != 0 { Block(prev).nextFree = next } else { heads[i] = next }
        if next != 0 {
            Block(next).prevFree = prev
        } else if prev == 0 {
            let second = secondBitmaps[f] & ~(UInt(1) &<< UInt(truncatingIfNeeded: s))
            secondBitmaps[f] = second
            if second == 0 { firstBitmap &= ~(UInt(1) &<< UInt(truncatingIfNeeded: f)) }
        }
    }
}
