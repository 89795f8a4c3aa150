// Where a new page table's frame comes from while the heap grows: the forum
// thread's question. Every strategy takes table frames from the frame
// allocator (or a reserve filled from it), never from the heap.

protocol TableProvisioning {
    /// A frame for a new page table, or nil if none can be had now. The mapper zeroes it.
    mutating func takeTable(frames: inout FrameAllocator) -> Frame?
    /// Called before the `count` pages from `first` (the break) are mapped for
    /// the heap: a strategy that keeps something mapped there moves it out of the way.
    mutating func vacate<A: Architecture>(_ first: Page, count: Int, space: AddressSpace<A>)
    /// Called at the start of each sbrk and after each run of pages mapped:
    /// restore any reserve the strategy keeps. `next` is the first page past the
    /// break. A failed refill is not an error here; the next table request reports it.
    mutating func replenish<A: Architecture>(space: AddressSpace<A>, next: Page, frames: inout FrameAllocator)
    /// Called once at boot, before the heap first grows. False: it could not get ready.
    mutating func prepare<A: Architecture>(
        space: AddressSpace<A>, window: VirtualRange,
        frames: inout FrameAllocator
    ) -> Bool
    /// Frames held for future tables, not yet in use.
    var heldFrames: Int { get }
    /// Table frames handed out (including those installed at `prepare`).
    var tablesGiven: Int { get }
    /// A page of the heap window the strategy keeps mapped read-only (the heap
    /// tail's guard), if any: a write there is a stray heap write.
    func isGuard(_ page: Page) -> Bool
    /// True if leaf tables the heap no longer uses stay installed (prereserve:
    /// installing them all once is the point).
    var keepsEmptyTables: Bool { get }
    /// A leaf table the shrinking heap no longer uses, already unhooked from its
    /// parent and invalidated: hold it for later growth, or free it.
    mutating func takeBack(_ table: Frame, frames: inout FrameAllocator)
}

extension TableProvisioning {
    mutating func vacate<A: Architecture>(_ first: Page, count: Int, space: AddressSpace<A>) {}
    mutating func replenish<A: Architecture>(space: AddressSpace<A>, next: Page, frames: inout FrameAllocator) {}
    mutating func prepare<A: Architecture>(
        space: AddressSpace<A>, window: VirtualRange,
        frames: inout FrameAllocator
    ) -> Bool { true }
    var heldFrames: Int { 0 }
    func isGuard(_ page: Page) -> Bool { false }
    var keepsEmptyTables: Bool { false }
}
