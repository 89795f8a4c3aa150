// Answer 1: the heap's last page is held back as the next page table. The
// held frame is mapped read-only at the page just past the break (the heap
// believes it ends before it), so a stray write off the end of the heap faults
// instead of scribbling on a future page table. When growth needs a table, the
// held frame becomes it, and a new tail is held back. On a multi-level format
// it holds as many pages as one mapping can need tables (levels - 1).

struct HeapTail: TableProvisioning {
    let capacity: Int
    private var held = InlineArray<8, Frame>(repeating: Frame(PhysicalAddress(0)))
    /// Where each held frame is mapped as a guard (0: not mapped).
    private var guardAt = InlineArray<8, UInt>(repeating: 0)
    private(set) var heldFrames = 0
    private(set) var tablesGiven = 0
    private var window = VirtualRange(start: VirtualAddress(0), end: VirtualAddress(0))

    /// A read-only kernel mapping: the guard.
    static let guardAttributes = PageAttributes.global

    init(capacity: Int) { self.capacity = min(max(capacity, 1), 8) }

    /// Only an unmapped held frame can become a table. When a table is needed
    /// for the page at the break, no guard can be mapped (they lie at or past
    /// the break, where that table is missing), so all held frames qualify.
    mutating func takeTable(frames: inout FrameAllocator) -> Frame? {
        for i in stride(from: heldFrames - 1, through: 0, by: -1) where guardAt[i] == 0 {
            let frame = held[i]
            heldFrames -= 1
            held[i] = held[heldFrames]; guardAt[i] = guardAt[heldFrames]
            tablesGiven += 1
            return frame
        }
        return nil
    }

    /// An emptied table is held again (the next replenish maps it read-only at
    /// the new break: the heap's last page is the next table once more), or freed.
    mutating func takeBack(_ table: Frame, frames: inout FrameAllocator) {
        tablesGiven -= 1
        if heldFrames < capacity {
            held[heldFrames] = table; guardAt[heldFrames] = 0; heldFrames += 1
        } else {
            try? frames.free(table)
        }
    }

    mutating func vacate<A: Architecture>(_ first: Page, count: Int, space: AddressSpace<A>) {
        let start = first.start.raw, end = start + UInt(count) * UInt(A.Format.pageSize)
        for i in 0..<heldFrames where guardAt[i] != 0 && guardAt[i] >= start && guardAt[i] < end {
            _ = space.unmap(Page(VirtualAddress(guardAt[i])))  // the frame stays held
            guardAt[i] = 0
        }
    }

    /// Hold `capacity` frames, each mapped read-only at the first free pages from `next` on.
    mutating func replenish<A: Architecture>(space: AddressSpace<A>, next: Page, frames: inout FrameAllocator) {
        while heldFrames < capacity, let frame = frames.allocate() {
            held[heldFrames] = frame
            guardAt[heldFrames] = 0
            heldFrames += 1
        }
        let pageSize = UInt(A.Format.pageSize)
        var va = next.start.raw
        for i in 0..<heldFrames where guardAt[i] == 0 {
            while isGuard(Page(VirtualAddress(va))) { va += pageSize }
            if va >= window.end.raw || va < window.start.raw { return }
            // Only where a leaf table already exists: a guard never costs a table.
            var none = TablePool(size: 0)
            guard (try? space.map(Page(VirtualAddress(va)), to: held[i], HeapTail.guardAttributes, tables: &none, frames: &frames)) != nil
            else { return }
            guardAt[i] = va
            va += pageSize
        }
    }

    mutating func prepare<A: Architecture>(
        space: AddressSpace<A>, window: VirtualRange,
        frames: inout FrameAllocator
    ) -> Bool {
        self.window = window
        replenish(space: space, next: Page(window.start), frames: &frames)
        return heldFrames == capacity
    }

    func isGuard(_ page: Page) -> Bool {
        for i in 0..<heldFrames where guardAt[i] == page.start.raw { return true }
        return false
    }
}
