// A one-way ring of bytes in a shared region (one page, mapped writable by
// both ends): the console driver puts what is typed, the shell takes it.
// Layout: word 0 the bytes put so far, word 1 the bytes taken so far (both
// free-running 32-bit counts, each written by one end only), word 2 set by
// the producer when it stopped taking input because the ring was full (the
// consumer then signals it once it has taken some); the bytes from offset
// `dataOffset`, `capacity` of them. Neither end trusts the other's count: a
// ring whose counts make no sense is full to the producer and empty to the
// consumer, and every index stays inside the page. The words are read and
// written with single volatile accesses (the other end changes them).

struct ByteRing {
    static let capacity: UInt32 = 2048
    static let dataOffset: UInt = 2048
    static let bytes: UInt = 4096
    let base: UInt

    private var put: UInt32 { mmioRead32(base) }
    private var taken: UInt32 { mmioRead32(base + 4) }

    /// Bytes waiting to be taken (0 when the counts make no sense).
    var count: UInt32 {
        let n = put &- taken
        return n <= ByteRing.capacity ? n : 0
    }
    /// Room for the producer (0 when the counts make no sense).
    var room: UInt32 {
        let n = put &- taken
        return n <= ByteRing.capacity ? ByteRing.capacity - n : 0
    }
    var stalled: Bool {
        get { mmioRead32(base + 8) != 0 }
        nonmutating set { mmioWrite32(base + 8, newValue ? 1 : 0) }
    }

    /// The producer's: add `b` if there is room.
    func append(_ b: UInt8) -> Bool {
        guard room > 0 else { return false }
        let p = put
        mmioWrite8(base + ByteRing.dataOffset + UInt(p % ByteRing.capacity), b)
        mmioWrite32(base, p &+ 1)
        return true
    }

    /// The consumer's: the oldest byte, if any.
    func take() -> UInt8? {
        guard count > 0 else { return nil }
        let t = taken
        let b = mmioRead8(base + ByteRing.dataOffset + UInt(t % ByteRing.capacity))
        mmioWrite32(base + 4, t &+ 1)
        return b
    }
}
