// Answer 3: install every leaf table the heap window can need at boot, so
// growth only ever fills entries and never creates a table. Costs the tables
// for the whole window up front, used or not.

struct PrereservedRange: TableProvisioning {
    private(set) var tablesGiven = 0

    /// Growth never asks; if it does, the window was not covered, and it fails cleanly.
    mutating func takeTable(frames: inout FrameAllocator) -> Frame? { nil }

    /// Every table of the window stays installed: a shrinking heap gives back pages only.
    var keepsEmptyTables: Bool { true }
    mutating func takeBack(_ table: Frame, frames: inout FrameAllocator) {
        tablesGiven -= 1
        try? frames.free(table)
    }

    mutating func prepare<A: Architecture>(
        space: AddressSpace<A>, window: VirtualRange,
        frames: inout FrameAllocator
    ) -> Bool {
        var source = DirectFromFrames()
        let step = UInt(A.Format.span(level: 0))
        var va = window.start.raw
        while va < window.end.raw {
            if (try? space.ensureTables(for: Page(VirtualAddress(va)), tables: &source, frames: &frames)) == nil {
                tablesGiven += source.tablesGiven
                return false
            }
            let next = va &+ step
            if next < va { break }  // the window ends at the top of the address space
            va = next
        }
        tablesGiven += source.tablesGiven
        return true
    }
}
