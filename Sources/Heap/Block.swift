// Boundary-tag blocks for the heap. A block at address B has:
//   B + 0      prevPhys: address of the previous block (valid only if it is free;
//              these bytes are the tail of the previous block's payload)
//   B + w      stride | flags: bytes to the next block (a multiple of 16)
//   B + 2w     payload (16-aligned); a free block keeps its list links here
// w is the word size. A block can hand out stride - w bytes.

struct Block: Equatable {
    let address: UInt

    static let word = UInt(MemoryLayout<UInt>.size)
    static let granule: UInt = 16
    static let freeBit: UInt = 1
    static let prevFreeBit: UInt = 2
    /// Held by the heap's cache: used in the tags, but not the caller's.
    static let cachedBit: UInt = 4
    static let flagMask: UInt = 15
    /// Smallest stride that holds a free block's links.
    static let minimumStride: UInt = max(granule, 4 * word)

    init(_ address: UInt) { self.address = address }
    init(payload: UnsafeMutableRawPointer) { address = UInt(bitPattern: payload) &- 2 &* Block.word }

    private func slot(_ i: UInt) -> UnsafeMutablePointer<UInt> {
        UnsafeMutablePointer<UInt>(bitPattern: address &+ i &* Block.word).unsafelyUnwrapped
    }

    var prevPhys: Block {
        get { Block(slot(0).pointee) }
        nonmutating set { slot(0).pointee = newValue.address }
    }
    var header: UInt {
        get { slot(1).pointee }
        nonmutating set { slot(1).pointee = newValue }
    }
    var stride: UInt {
        get { header & ~Block.flagMask }
        nonmutating set { header = newValue | (header & Block.flagMask) }
    }
    var isFree: Bool {
        get { header & Block.freeBit != 0 }
        nonmutating set { header = newValue ? header | Block.freeBit : header & ~Block.freeBit }
    }
    var isCached: Bool { header & Block.cachedBit != 0 }
    var isPrevFree: Bool {
        get { header & Block.prevFreeBit != 0 }
        nonmutating set { header = newValue ? header | Block.prevFreeBit : header & ~Block.prevFreeBit }
    }
    /// Free-list links (free blocks only); 0 ends a list.
    var nextFree: UInt {
        get { slot(2).pointee }
        nonmutating set { slot(2).pointee = newValue }
    }
    var prevFree: UInt {
        get { slot(3).pointee }
        nonmutating set { slot(3).pointee = newValue }
    }
    var next: Block { Block(address &+ stride) }
    var payload: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: address &+ 2 &* Block.word).unsafelyUnwrapped }
    var capacity: UInt { stride - Block.word }
}
