// The physical frame allocator: a stack of free frame numbers, so that taking
// and giving back a frame cost the same whatever the RAM size and however full
// it is, plus one bit per frame, so that a double free or a free of a frame
// it never handed out is refused at once. Both live in a few frames of
// physical memory reached through the direct map. It never uses the heap,
// never hands out a frame twice, and reports exhaustion as nil (no frame is
// an absence the caller plans for); a bad free throws.

enum FrameFreeError: Error, Equatable {
    /// Not RAM this allocator manages.
    case outOfRange
    case misaligned
    case notAllocated
}

/// Why no allocator could be built over a memory map.
enum FrameAllocatorError: Error, Equatable {
    case noUsableRAM
    /// No usable region is big enough for the bitmap itself.
    case noRoomForBitmap(bytes: UInt64)
    /// The map has no room left to record the bitmap's own frames (too
    /// fragmented), so they could be handed out: refused rather than risked.
    case mapFull
}

struct FrameAllocator {
    /// Two bitmaps back to back: `words` words of 1 = free, then `words`
    /// words of 1 = usable RAM (so a free of a reserved frame is refused).
    private var bitmap: UnsafeMutablePointer<UInt32>
    private let words: Int
    /// The free frames' numbers (from `base`), `freeFrames` of them, the next
    /// to hand out on top. Room for every usable frame.
    private let stack: UnsafeMutablePointer<UInt32>
    /// Physical address of bit 0.
    let base: UInt64
    let pageSize: UInt64
    private(set) var freeFrames: Int
    private(set) var totalFrames: Int

    /// Build the allocator over the usable regions of a normalized `map`. Its
    /// bitmap takes frames from the first usable region big enough, which the
    /// map then records as reserved. `reach` is the direct map. Throws why there
    /// is none. On success the map records
    /// the bitmap's frames as boot data; a map refused as full is not changed
    /// unless normalizing it overflowed (then it is incomplete and must not be used).
    init(
        map: inout MemoryMap, pageSize: UInt64,
        reach: (PhysicalAddress) -> UnsafeMutableRawPointer
    ) throws(FrameAllocatorError) {
        var low = UInt64.max, high: UInt64 = 0
        for i in 0..<map.count where map[i].kind == .usable {
            low = min(low, map[i].start); high = max(high, map[i].end)
        }
        if high == 0 { throw .noUsableRAM }
        let frames = Int((high - low) / pageSize)
        let words = (frames + 31) / 32
        var usable = 0
        for i in 0..<map.count {
            let r = map[i]
            if r.kind == .usable { usable += Int((r.end - r.start) / pageSize) }
        }
        // The two bitmaps, then the stack: 4 bytes a frame, 0.1 % of RAM.
        let bitmapBytes = alignUp(UInt64(words * 8 + usable * 4), pageSize)
        var home: UInt64? = nil
        for i in 0..<map.count where map[i].kind == .usable && map[i].bytes >= bitmapBytes {
            home = map[i].start; break
        }
        guard let at = home else { throw .noRoomForBitmap(bytes: bitmapBytes) }
        // In place: a copy of the map would cost the boot stack several KiB.
        if map.count >= MemoryMap.entryLimit { throw .mapFull }  // no room to record the bitmap: refused, the map unchanged
        map.reserve(start: at, end: at + bitmapBytes, kind: .bootInfo)
        map.normalize(pageSize: pageSize, limit: UInt64.max)
        if map.overflowed { throw .mapFull }
        self.init(map: map, bitmap: reach(PhysicalAddress(at)), words: words, base: low, pageSize: pageSize)
    }

    /// Every usable frame of the (already marked) map free, every other one not RAM.
    private init(map: MemoryMap, bitmap at: UnsafeMutableRawPointer, words: Int, base: UInt64, pageSize: UInt64) {
        let all = at.bindMemory(to: UInt32.self, capacity: 2 * words)
        self.bitmap = all
        self.stack = all + 2 * words
        self.words = words
        self.base = base
        self.pageSize = pageSize
        self.freeFrames = 0
        self.totalFrames = 0
        for w in 0..<(2 * words) { bitmap[w] = 0 }
        // Regions from the top down, each frame from its end: the lowest frame ends on top.
        for i in stride(from: map.count - 1, through: 0, by: -1) {
            // One region read, not one per frame: reading map[i] in the loop's
            // condition copied the whole map (160 regions) every frame, which
            // cost about 2,400 instructions a frame, 79 million for 128 MiB.
            let r = map[i]
            guard r.kind == .usable else { continue }
            var a = r.end
            while a > r.start {
                a -= pageSize
                let f = index(of: a)
                setFree(f, true)
                bitmap[words + f / 32] |= UInt32(1) << UInt32(f % 32)
                stack[freeFrames] = UInt32(f)
                freeFrames += 1
            }
        }
        totalFrames = freeFrames
    }

    /// Take one free frame, or nil when none is left. The frame's contents are stale.
    mutating func allocate() -> Frame? {
        if freeFrames == 0 { return nil }
        freeFrames -= 1
        let f = Int(stack[freeFrames])
        setFree(f, false)
        return Frame(PhysicalAddress(base + UInt64(f) * pageSize))
    }

    /// Take `count` free frames that lie one after another, the lowest run
    /// that fits, or nil when no run is long enough (nothing is taken then).
    /// For memory a device reads by physical address (a shared region for
    /// DMA). Costs a scan of the bitmap and one of the stack: made at start-up,
    /// never on a fast path. Each frame is given back alone, with `free`.
    mutating func allocateContiguous(_ count: Int) -> Frame? {
        guard count > 0, count <= freeFrames else { return nil }
        var run = 0, first = 0
        for i in 0..<(words * 32) {
            if isFree(i) {
                if run == 0 { first = i }
                run += 1
                if run == count { break }
            } else {
                run = 0
            }
        }
        guard run == count else { return nil }
        for i in first..<(first + count) { setFree(i, false) }
        // Drop the run's numbers from the stack, keeping the others' order.
        var kept = 0
        for j in 0..<freeFrames {
            let f = Int(stack[j])
            if f < first || f >= first + count { stack[kept] = stack[j]; kept += 1 }
        }
        freeFrames = kept
        return Frame(PhysicalAddress(base + UInt64(first) * pageSize))
    }

    /// Give a frame back. Refuses frames it never handed out, and double frees.
    mutating func free(_ frame: Frame) throws(FrameFreeError) {
        let a = frame.start.raw
        if a % pageSize != 0 { throw .misaligned }
        if a < base || (a - base) / pageSize >= UInt64(words * 32) { throw .outOfRange }
        let i = index(of: a)
        if bitmap[words + i / 32] & (UInt32(1) << UInt32(i % 32)) == 0 { throw .outOfRange }
        if isFree(i) { throw .notAllocated }
        setFree(i, true)
        stack[freeFrames] = UInt32(i)
        freeFrames += 1
    }

    /// True if `frame` is RAM this allocator currently holds as free.
    func isFree(_ frame: Frame) -> Bool {
        let a = frame.start.raw
        if a < base || (a - base) / pageSize >= UInt64(words * 32) { return false }
        return isFree(index(of: a))
    }

    private func index(of address: UInt64) -> Int { Int((address - base) / pageSize) }
    private func isFree(_ i: Int) -> Bool { bitmap[i / 32] & (UInt32(1) << UInt32(i % 32)) != 0 }
    private func setFree(_ i: Int, _ free: Bool) {
        let mask = UInt32(1) << UInt32(i % 32)
        if free { bitmap[i / 32] |= mask } else { bitmap[i / 32] &= ~mask }
    }
}
