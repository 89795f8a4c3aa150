// What the boot needs from physical memory before it takes the first frame:
// the root table, the direct map's tables, the heap strategy's tables, the
// frames set aside for threads and tasks, and the smallest heap the boot can
// run with. The kernel compares it with the free frames and refuses to start,
// with both numbers, instead of running out half way (a trap in the runtime).
// Every table count is an upper bound: ranges that share a table count it twice.

struct BootBudget: Equatable {
    var rootTables = 1
    var directMapTables = 0
    var heapTables = 0
    var setAside = 0
    var heapPages = 0

    var frames: Int { rootTables + directMapTables + heapTables + setAside + heapPages }

    /// Tables below the root that mapping [start, end) can need in format `F`:
    /// at each level, every table-sized block the range touches.
    static func tables<F: PageTableFormat>(_ format: F.Type, start: UInt64, end: UInt64) -> Int {
        if end <= start { return 0 }
        var n = 0
        for level in 0..<(F.levels - 1) {
            let span = F.span(level: level)
            n += Int((end - 1) / span - start / span + 1)
        }
        return n
    }

    /// The budget for a direct map over the boot's memory regions and devices
    /// below `directLimit`, a heap of at least `heapBytes` at the start of
    /// `heapWindow` under `strategy`, and `setAside` frames. Allocates nothing.
    static func make<F: PageTableFormat>(
        _ format: F.Type, boot: BootInfo, directLimit: UInt64,
        strategy: TableStrategy, heapWindow: VirtualRange,
        heapBytes: UInt64, setAside: Int
    ) -> BootBudget {
        var b = BootBudget()
        func direct(_ r: MemoryRegion) {
            let start = max(alignDown(r.start, F.pageSize), F.pageSize)  // page 0 stays unmapped
            // A firmware's reservation may end at 2^64 - 1, where no page end lies above.
            let end = alignUp(r.end, F.pageSize, notPast: directLimit)
            b.directMapTables += tables(F.self, start: start, end: end)
        }
        for i in 0..<boot.map.count { direct(boot.map[i]) }
        for i in 0..<boot.devices.count { direct(boot.devices[i]) }
        let heapStart = UInt64(heapWindow.start.raw)
        b.heapPages = Int(alignUp(heapBytes, F.pageSize) / F.pageSize)
        b.heapTables = tables(F.self, start: heapStart, end: heapStart + heapBytes)
        switch strategy.kind {
        case .prereserved:  // every table of the window, at boot
            b.heapTables = tables(F.self, start: heapStart, end: UInt64(heapWindow.end.raw))
        case .spare, .tail:  // one held table per level below the root
            b.heapTables += F.levels - 1
        case .pool:
            b.heapTables = max(b.heapTables, strategy.pool.size)
        case .direct:
            break
        }
        b.setAside = setAside
        return b
    }
}
