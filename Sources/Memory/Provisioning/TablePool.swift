// Answer 2: N table frames taken at boot and held outside the heap, besides
// the window's first table, which is installed at boot. Growth uses the pool
// in turn; when it is empty the heap has reached its cap, (N + 1) leaf-table
// spans, and stops growing cleanly.

struct TablePool: TableProvisioning {
    static let maximum = 64
    let size: Int
    private var pool = InlineArray<64, Frame>(repeating: Frame(PhysicalAddress(0)))
    private(set) var heldFrames = 0
    private(set) var tablesGiven = 0

    init(size: Int) { self.size = min(max(size, 0), TablePool.maximum) }

    mutating func takeTable(frames: inout FrameAllocator) -> Frame? {
        if heldFrames == 0 { return nil }
        heldFrames -= 1
        tablesGiven += 1
        return pool[heldFrames]
    }

    /// An emptied table goes back into the pool: the cap is tables, not growth.
    mutating func takeBack(_ table: Frame, frames: inout FrameAllocator) {
        tablesGiven -= 1
        if heldFrames < TablePool.maximum { pool[heldFrames] = table; heldFrames += 1 } else { try? frames.free(table) }
    }

    mutating func prepare<A: Architecture>(
        space: AddressSpace<A>, window: VirtualRange,
        frames: inout FrameAllocator
    ) -> Bool {
        var first = DirectFromFrames()
        guard (try? space.ensureTables(for: Page(window.start), tables: &first, frames: &frames)) != nil else { return false }
        tablesGiven += first.tablesGiven
        while heldFrames < size, let frame = frames.allocate() {
            pool[heldFrames] = frame
            heldFrames += 1
        }
        return heldFrames == size
    }
}
