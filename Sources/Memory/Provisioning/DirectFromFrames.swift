// Answer 4: take each table frame from the frame allocator when it is needed.
// Costs nothing up front; fails only when physical memory is gone.

struct DirectFromFrames: TableProvisioning {
    private(set) var tablesGiven = 0

    mutating func takeTable(frames: inout FrameAllocator) -> Frame? {
        guard let frame = frames.allocate() else { return nil }
        tablesGiven += 1
        return frame
    }

    /// An emptied table goes straight back to the frame allocator.
    mutating func takeBack(_ table: Frame, frames: inout FrameAllocator) {
        tablesGiven -= 1
        try? frames.free(table)
    }
}
