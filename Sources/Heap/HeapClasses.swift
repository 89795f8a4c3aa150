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

    /// A listed free block of at least `stride` bytes, from two bitmap scans.
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
