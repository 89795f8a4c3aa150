// Where a new page table's frame comes from while the heap grows: the forum
// thread's question. Every strategy takes table frames from the frame
// allocator (or a reserve filled from it), never from the heap.

protocol TableProvisioning {
    /// A frame for a new page table, or nil if none can be had now. The mapper zeroes it.
    mutating func takeTable(frames: inout FrameAllocator) -> Frame?
    /// Called after each completed mapping: restore any reserve the strategy keeps.
    /// A failed refill is not an error here; the next table request reports it.
    mutating func replenish(frames: inout FrameAllocator)
    /// Called once at boot, before the heap first grows. False: it could not get ready.
    mutating func prepare<A: Architecture>(space: AddressSpace<A>, window: VirtualRange,
                                           frames: inout FrameAllocator) -> Bool
    /// Frames held for future tables, not yet in use.
    var heldFrames: Int { get }
    /// Table frames handed out (including those installed at `prepare`).
    var tablesGiven: Int { get }
}

extension TableProvisioning {
    mutating func replenish(frames: inout FrameAllocator) {}
    mutating func prepare<A: Architecture>(space: AddressSpace<A>, window: VirtualRange,
                                           frames: inout FrameAllocator) -> Bool { true }
    var heldFrames: Int { 0 }
}
