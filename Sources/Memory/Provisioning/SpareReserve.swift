// Answer 5: hold enough spare frames for the worst case of one mapping (one
// per non-root level), use them for new tables, and refill after the mapping
// completes. A failed refill makes the next table request fail cleanly.

struct SpareReserve: TableProvisioning {
    let capacity: Int
    private var spares = InlineArray<8, Frame>(repeating: Frame(PhysicalAddress(0)))
    private(set) var heldFrames = 0
    private(set) var tablesGiven = 0

    /// `capacity`: new tables one mapping can need (levels - 1), at most 8.
    init(capacity: Int) { self.capacity = min(max(capacity, 1), 8) }

    mutating func takeTable(frames: inout FrameAllocator) -> Frame? {
        if heldFrames == 0 { return nil }
        heldFrames -= 1
        tablesGiven += 1
        return spares[heldFrames]
    }

    /// An emptied table becomes a spare if the reserve is short, else it is freed.
    mutating func takeBack(_ table: Frame, frames: inout FrameAllocator) {
        tablesGiven -= 1
        if heldFrames < capacity { spares[heldFrames] = table; heldFrames += 1 } else { try? frames.free(table) }
    }

    mutating func replenish<A: Architecture>(space: AddressSpace<A>, next: Page, frames: inout FrameAllocator) {
        refill(&frames)
    }

    private mutating func refill(_ frames: inout FrameAllocator) {
        while heldFrames < capacity, let frame = frames.allocate() {
            spares[heldFrames] = frame
            heldFrames += 1
        }
    }

    mutating func prepare<A: Architecture>(
        space: AddressSpace<A>, window: VirtualRange,
        frames: inout FrameAllocator
    ) -> Bool {
        refill(&frames)
        return heldFrames == capacity
    }
}
