// The heap's growth source in the kernel: sbrk on the kernel heap region.
// This is the heap-growth path, so it must not allocate.

struct SbrkGrowth: HeapGrowth {
    var region: HeapRegion<Platform, TableStrategy>? = nil
    /// Grow at least this much at a time, so small requests do not sbrk page by page.
    static let minimumPages = 16

    /// Map enough pages for `bytes` at the break; near exhaustion, exactly enough.
    mutating func grow(atLeast bytes: UInt) -> (start: UnsafeMutableRawPointer, bytes: UInt)? {
        if region == nil { return nil }
        let pageSize = UInt(Platform.Format.pageSize)
        let pages = Int((bytes + pageSize - 1) / pageSize)
        var granted = max(pages, SbrkGrowth.minimumPages)
        var start = region!.sbrk(pages: granted)
        if start == nil && granted > pages {
            granted = pages
            start = region!.sbrk(pages: granted)
        }
        guard let s = start, let p = UnsafeMutableRawPointer(bitPattern: s.raw) else { return nil }
        return (p, UInt(granted) * pageSize)
    }

    var lastFailureName: StaticString {
        switch region?.lastFailure {
        case .windowFull: "the heap window is full"
        case .noFrame: "no free physical frame"
        case .noTableFrame: "no frame for a page table"
        case .alreadyMapped: "the break was already mapped"
        case nil: "no growth failure"
        }
    }
}
