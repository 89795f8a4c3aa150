// Debug mode for the heap (Heap(debug: true); the kernel's HEAP_DEBUG build).
// Each allocation gets a 16-byte prefix just before the pointer, a magic word,
// the distance back to the real payload and the requested size, and an 8-byte
// canary just after the requested size. Free blocks are filled with poison,
// which is checked when a block is handed out again. Costs O(size) per call.
//
//   real payload ... [magic u32][offset u32][size u64] | user bytes | canary x8

extension Heap {
    static let liveMagic: UInt32 = 0xC0FF_EE11
    static let poison: UInt8 = 0xDB
    static let canary: UInt8 = 0xCA
    static let canaryBytes = 8
    /// Room in front of the user's bytes: the prefix, clear of a free block's links.
    static let debugFront = 32

    mutating func debugAllocate<G: HeapGrowth>(_ size: Int, alignment: Int, growth: inout G) -> UnsafeMutableRawPointer? {
        if size < 0 || alignment <= 0 || alignment & (alignment - 1) != 0 { return nil }
        let front = max(alignment, Heap.debugFront)
        let (total, overflow) = size.addingReportingOverflow(front + Heap.canaryBytes)
        if overflow { return nil }
        guard let real = rawAllocate(total, alignment: max(alignment, 16), growth: &growth) else { return nil }
        let user = real + front
        user.storeBytes(of: Heap.liveMagic, toByteOffset: -16, as: UInt32.self)
        user.storeBytes(of: UInt32(front), toByteOffset: -12, as: UInt32.self)
        user.storeBytes(of: UInt64(size), toByteOffset: -8, as: UInt64.self)
        for i in 0..<Heap.canaryBytes { user.storeBytes(of: Heap.canary, toByteOffset: size + i, as: UInt8.self) }
        return user
    }

    /// The prefix and canary of `user` checked: the real payload, or the misuse found thrown.
    func debugValidate(_ user: UnsafeMutableRawPointer) throws(HeapError) -> UnsafeMutableRawPointer {
        let p = UInt(bitPattern: user)
        if p % Block.granule != 0 || p < low + UInt(Heap.debugFront) || p >= high { throw .foreignPointer(p) }
        let magic = user.load(fromByteOffset: -16, as: UInt32.self)
        if magic != Heap.liveMagic {
            // A freed block is poison all through: its prefix reads as poison.
            let poisonWord = UInt32(Heap.poison) * 0x0101_0101
            throw magic == poisonWord ? .doubleFree(p, header: UInt(magic)) : .badMagic(p, found: magic)
        }
        let front = Int(user.load(fromByteOffset: -12, as: UInt32.self))
        let size = user.load(fromByteOffset: -8, as: UInt64.self)
        let real = user - front
        if front < Heap.debugFront || UInt(bitPattern: real) < low || size > UInt64(high - p) {
            throw .badMagic(p, found: magic)
        }
        try validateUsed(real)
        for i in 0..<Heap.canaryBytes where user.load(fromByteOffset: Int(size) + i, as: UInt8.self) != Heap.canary {
            throw .canaryOverwritten(p, offset: UInt(size) + UInt(i))
        }
        return real
    }

    mutating func debugFree(_ user: UnsafeMutableRawPointer) throws(HeapError) {
        try rawFree(try debugValidate(user))  // poisons the block, prefix included
    }

    mutating func debugReallocate<G: HeapGrowth>(_ user: UnsafeMutableRawPointer, to size: Int, growth: inout G) -> UnsafeMutableRawPointer?
    {
        if (try? debugValidate(user)) == nil { return nil }
        guard let fresh = debugAllocate(size, alignment: 16, growth: &growth) else { return nil }
        fresh.copyMemory(from: user, byteCount: min(size, debugRequestedSize(user)))
        try? debugFree(user)  // validated above
        return fresh
    }

    func debugRequestedSize(_ user: UnsafeMutableRawPointer) -> Int {
        Int(user.load(fromByteOffset: -8, as: UInt64.self))
    }

    /// Fill the newly free part of `merged` with poison: from `freed` (or past
    /// merged's links) up to `end`. The rest of a merged block is poison already.
    func poisonFreed(merged: Block, freed: Block, through end: UInt) {
        let from = max(merged.address + 4 * Block.word, freed.address)
        if end <= from { return }
        UnsafeMutableRawPointer(bitPattern: from)!.initializeMemory(as: UInt8.self, repeating: Heap.poison, count: Int(end - from))
    }

    /// A block leaving the free lists must still be all poison past its links;
    /// a byte that is not was written after it was freed: that write, or nil.
    func poisonDisturbed(_ b: Block) -> HeapError? {
        let from = b.address + 4 * Block.word, end = b.address + b.stride
        var a = from
        while a < end {
            if UnsafePointer<UInt8>(bitPattern: a)!.pointee != Heap.poison {
                return .useAfterFree(UInt(bitPattern: b.payload), offset: a - UInt(bitPattern: b.payload))
            }
            a += 1
        }
        return nil
    }
}
