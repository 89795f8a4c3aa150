// The heap's growth source in the kernel: sbrk on the kernel heap region,
// with frames borrowed from the kernel's frame allocator for the call.
// This is the heap-growth path, so it must not allocate.

struct SbrkGrowth: HeapGrowth {
    let region: UnsafeMutablePointer<HeapRegion<Platform, TableStrategy>>
    let frames: UnsafeMutablePointer<FrameAllocator>
    /// Grow at least this much at a time, so small requests do not sbrk page by page.
    static let minimumPages = 16

    init(region: UnsafeMutablePointer<HeapRegion<Platform, TableStrategy>>, frames: UnsafeMutablePointer<FrameAllocator>) {
        self.region = region
        self.frames = frames
    }

    /// Map enough pages for `bytes` at the break; near exhaustion, exactly enough.
    /// A failure is kept in `lastHeapGrowthFailure` for the out-of-memory report.
    mutating func grow(atLeast bytes: UInt) -> (start: UnsafeMutableRawPointer, bytes: UInt)? {
        let pageSize = UInt(Platform.Format.pageSize)
        let pages = Int((bytes + pageSize - 1) / pageSize)
        var granted = max(pages, SbrkGrowth.minimumPages)
        while true {
            do throws(GrowthFailure) {
                let old = try region.pointee.sbrk(pages: granted, frames: &frames.pointee)
                lastHeapGrowthFailure = nil
                guard let p = UnsafeMutableRawPointer(bitPattern: old.raw) else { return nil }
                return (p, UInt(granted) * pageSize)
            } catch {
                lastHeapGrowthFailure = error
                if granted == pages { return nil }
                granted = pages
            }
        }
    }

    /// The heap trims: give back [start, start + bytes) if it is the region's top.
    mutating func shrink(start: UInt, bytes: UInt) -> Bool {
        let pageSize = UInt(Platform.Format.pageSize)
        guard bytes % pageSize == 0, start + bytes == region.pointee.brk.raw else { return false }
        return region.pointee.shrink(pages: Int(bytes / pageSize), frames: &frames.pointee)
    }

    /// Debug mode found a block written after it was freed while it served an allocation.
    mutating func heapFound(_ problem: HeapError) { reportHeapError(problem, during: "allocation") }
}

/// Why the kernel heap's last growth failed (nil: the last one grew), for the
/// out-of-memory reports: the heap's growth protocol answers only yes or no.
var lastHeapGrowthFailure: GrowthFailure? = nil

/// Why the kernel heap's last growth failed, for reports.
func growthFailureName(_ f: GrowthFailure?) -> StaticString {
    switch f {
    case .windowFull: "the heap window is full"
    case .noFrame: "no free physical frame"
    case .noTableFrame: "no frame for a page table"
    case .alreadyMapped: "the break was already mapped"
    case nil: "no growth failure"
    }
}
