// sbrk: the heap window grows page by page. Each page gets a frame from the
// frame allocator and is mapped at the break, which then moves. The region
// does not own the frame allocator: the kernel does, and sbrk borrows it for
// the call (so threads and tasks take frames from the same one). This is the
// growth path: it must never allocate from the heap (no classes, no arrays,
// no string interpolation anywhere below here).

enum GrowthFailure: Equatable {
    case windowFull
    case noFrame
    case noTableFrame
    case alreadyMapped
}

struct HeapRegion<A: Architecture, P: TableProvisioning> {
    let space: AddressSpace<A>
    var tables: P
    let window: VirtualRange
    private(set) var brk: VirtualAddress
    private(set) var pagesMapped = 0
    private(set) var lastFailure: GrowthFailure? = nil
    /// False if the strategy could not take what it wanted at boot.
    let prepared: Bool

    /// A heap window in `space`, empty until the first sbrk. The strategy
    /// gets ready here (the prereserved range installs its tables now).
    init(space: AddressSpace<A>, tables: P, window: VirtualRange, frames: inout FrameAllocator) {
        self.space = space
        self.tables = tables
        self.window = window
        self.brk = window.start
        self.prepared = self.tables.prepare(space: space, window: window, frames: &frames)
    }

    static var pageSize: UInt { UInt(A.Format.pageSize) }

    /// Grow the heap by `pages` pages. Returns the old break, or nil with
    /// `lastFailure` set; on failure no page of this call stays mapped.
    mutating func sbrk(pages: Int, frames: inout FrameAllocator) -> VirtualAddress? {
        let old = brk
        if pages < 0 || UInt(pages) > (window.end.raw - brk.raw) / Self.pageSize {
            lastFailure = .windowFull
            return nil
        }
        // A reserve whose last refill failed gets another chance first.
        tables.replenish(space: space, next: Page(old), frames: &frames)
        for i in 0..<pages {
            let page = Page(old.adding(UInt(i) * Self.pageSize))
            tables.vacate(page, space: space)
            guard let frame = frames.allocate() else { return fail(.noFrame, undoing: i, &frames) }
            if let error = space.map(page, to: frame, .kernelData, tables: &tables, frames: &frames) {
                _ = frames.free(frame)
                return fail(error == .noTableFrame ? .noTableFrame : .alreadyMapped, undoing: i, &frames)
            }
            tables.replenish(space: space, next: Page(page.start.adding(Self.pageSize)), frames: &frames)
        }
        brk = old.adding(UInt(pages) * Self.pageSize)
        pagesMapped += pages
        lastFailure = nil
        return old
    }

    /// Unmap the first `count` pages above the break and return their frames.
    private mutating func fail(_ reason: GrowthFailure, undoing count: Int, _ frames: inout FrameAllocator) -> VirtualAddress? {
        for i in 0..<count {
            let page = Page(brk.adding(UInt(i) * Self.pageSize))
            if !tables.isGuard(page), let frame = space.unmap(page) { _ = frames.free(frame) }
        }
        tables.replenish(space: space, next: Page(brk), frames: &frames)
        lastFailure = reason
        return nil
    }

    var heapBytes: UInt { brk.raw - window.start.raw }
}
