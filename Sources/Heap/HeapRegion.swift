// sbrk: the heap window grows page by page. Each page gets a frame from the
// frame allocator and is mapped at the break, which then moves. The region
// does not own the frame allocator: the kernel does, and sbrk borrows it for
// the call (so threads and tasks take frames from the same one). This is the
// growth path: it must never allocate from the heap (no classes, no arrays,
// no string interpolation anywhere below here).

enum GrowthFailure: Error, Equatable {
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
    /// The leaf table the break lies in, and the virtual address its span
    /// starts at: growth within it needs no walk. (Heap tables are never
    /// removed while the region lives, so it cannot go stale.)
    private var leafTable: UnsafeMutableRawPointer? = nil
    private var leafSpan: UInt = 0
    /// False if the strategy could not take what it wanted at boot.
    let prepared: Bool
    /// Every task root copies the kernel's root entries (SharedKernel.swift): a
    /// table named from the root cannot be freed without clearing every copy,
    /// so when this is set such tables stay installed when the heap shrinks.
    let rootShared: Bool
    /// Leaf tables given back by shrinking (to the strategy, which holds or frees them).
    private(set) var tablesReleased = 0

    /// A heap window in `space`, empty until the first sbrk. The strategy
    /// gets ready here (the prereserved range installs its tables now).
    init(space: AddressSpace<A>, tables: P, window: VirtualRange, frames: inout FrameAllocator, rootShared: Bool = false) {
        self.space = space
        self.rootShared = rootShared
        self.tables = tables
        self.window = window
        self.brk = window.start
        self.prepared = self.tables.prepare(space: space, window: window, frames: &frames)
    }

    static var pageSize: UInt { UInt(A.Format.pageSize) }

    /// Grow the heap by `pages` pages. Returns the old break, or throws why
    /// not; on failure no page of this call stays mapped.
    /// One walk per leaf table: the pages that share it are a run, filled entry
    /// by entry, and the new entries are published once (no TLB invalidation:
    /// they were invalid, and no TLB holds an invalid entry).
    mutating func sbrk(pages: Int, frames: inout FrameAllocator) throws(GrowthFailure) -> VirtualAddress {
        let old = brk
        if pages < 0 || UInt(pages) > (window.end.raw - brk.raw) / Self.pageSize { throw .windowFull }
        // A reserve whose last refill failed gets another chance first.
        tables.replenish(space: space, next: Page(old), frames: &frames)
        var done = 0
        while done < pages {
            let first = Page(old.adding(UInt(done) * Self.pageSize))
            let run = min(pages - done, A.Format.entriesPerTable - A.Format.index(of: first.start, level: 0))
            tables.vacate(first, count: run, space: space)
            // The first page's frame before any table: a page that cannot be
            // had must not cost a table (the spare stays held).
            guard let firstFrame = frames.allocate() else { throw fail(.noFrame, undoing: done, &frames) }
            let index = A.Format.index(of: first.start, level: 0)
            let span = first.start.raw & ~(UInt(A.Format.span(level: 0)) - 1)
            let leaf: UnsafeMutableRawPointer
            if let table = leafTable, span == leafSpan {
                leaf = table + index * A.Format.entryBytes
            } else {
                let s: UnsafeMutableRawPointer
                do throws(MapError) {
                    s = try space.leafSlot(creatingTablesFor: first, tables: &tables, frames: &frames)
                } catch {
                    try? frames.free(firstFrame)
                    throw fail(error == .noTableFrame ? .noTableFrame : .alreadyMapped, undoing: done, &frames)
                }
                leaf = s
                leafTable = s - index * A.Format.entryBytes
                leafSpan = span
            }
            for j in 0..<run {
                let entry = leaf + j * A.Format.entryBytes
                let frame: Frame
                if j == 0 {
                    frame = firstFrame
                } else {
                    guard let f = frames.allocate() else { throw fail(.noFrame, undoing: done + j, &frames) }
                    frame = f
                }
                if A.Format.decode(space.read(entry), level: 0) != .absent {
                    try? frames.free(frame)
                    throw fail(.alreadyMapped, undoing: done + j, &frames)
                }
                space.write(entry, A.Format.encodePage(frame, .kernelData))
            }
            done += run
            tables.replenish(space: space, next: Page(old.adding(UInt(done) * Self.pageSize)), frames: &frames)
        }
        space.arch.publishNewMappings()
        brk = old.adding(UInt(pages) * Self.pageSize)
        pagesMapped += pages
        return old
    }

    /// Give back the top `pages` pages of the heap: each is unmapped and
    /// invalidated before its frame is freed (aarch64: break-before-make).
    /// Then every leaf table that now maps nothing goes to the strategy, which
    /// keeps it installed (prereserve), holds it for later growth (spare, pool,
    /// tail) or frees it (direct); a table named from a shared root stays
    /// installed. False, and nothing changes, if the heap has fewer pages.
    mutating func shrink(pages: Int, frames: inout FrameAllocator) -> Bool {
        guard pages >= 0, UInt(pages) <= (brk.raw - window.start.raw) / Self.pageSize else { return false }
        if pages == 0 { return true }
        let old = brk
        let new = VirtualAddress(old.raw - UInt(pages) * Self.pageSize)
        // The tail's guards sit at the break: out of the way while the pages go.
        tables.vacate(Page(old), count: 8, space: space)
        var va = old.raw
        while va > new.raw {
            va -= Self.pageSize
            if let frame = space.unmap(Page(VirtualAddress(va))) { try? frames.free(frame) }
        }
        brk = new
        pagesMapped -= pages
        leafTable = nil
        if !tables.keepsEmptyTables {
            let span = UInt(A.Format.span(level: 0))
            var t = (new.raw + span - 1) & ~(span - 1)  // the first span wholly above the new break
            while t < old.raw {
                if let table = space.removeLeafTable(at: VirtualAddress(t), rootShared: rootShared) {
                    tables.takeBack(table, frames: &frames)
                    tablesReleased += 1
                }
                let next = t &+ span
                if next < t { break }
                t = next
            }
        }
        tables.replenish(space: space, next: Page(new), frames: &frames)
        return true
    }

    /// Unmap the first `count` pages above the break, return their frames, and give `reason` back to throw.
    private mutating func fail(_ reason: GrowthFailure, undoing count: Int, _ frames: inout FrameAllocator) -> GrowthFailure {
        for i in 0..<count {
            let page = Page(brk.adding(UInt(i) * Self.pageSize))
            if !tables.isGuard(page), let frame = space.unmap(page) { try? frames.free(frame) }
        }
        tables.replenish(space: space, next: Page(brk), frames: &frames)
        return reason
    }

    var heapBytes: UInt { brk.raw - window.start.raw }
}
