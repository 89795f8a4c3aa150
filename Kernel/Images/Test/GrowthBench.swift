// `bench=grow` on the command line: grow the heap region page by page with
// sbrk until it cannot, printing how page-table memory tracks heap size. The
// strategy comparison (make bench-strategies) reads these lines.

func runGrowthBench(ramBytes: UInt64) -> Never {
    var r = kernelGrowth.region!
    kernelGrowth.region = nil
    let pageSize = UInt64(Platform.Format.pageSize)
    var lastTables = -1
    kputs("bench: growing the heap by single pages until sbrk fails\n")
    while true {
        let tableFrames = r.tables.tablesGiven + r.tables.heldFrames
        if tableFrames != lastTables || (UInt64(r.heapBytes) % (4 << 20)) == 0 {
            kputs("sample heap_kib="); kputDecimal(UInt64(r.heapBytes) >> 10)
            kputs(" table_frames="); kputDecimal(UInt64(tableFrames)); kputs("\n")
            lastTables = tableFrames
        }
        if r.sbrk(pages: 1) == nil { break }
    }
    let usage = r.space.leafTables(in: r.window)
    let heapMiB = UInt64(r.heapBytes) >> 20
    kputs("sample heap_kib="); kputDecimal(UInt64(r.heapBytes) >> 10)
    kputs(" table_frames="); kputDecimal(UInt64(r.tables.tablesGiven + r.tables.heldFrames)); kputs("\n")
    kputs("BENCH arch="); kputs(Platform.name)
    kputs(" strategy="); kputs(r.tables.name)
    kputs(" ram_mib="); kputDecimal(ramBytes >> 20)
    kputs(" heap_kib="); kputDecimal(UInt64(r.heapBytes) >> 10)
    kputs(" tables="); kputDecimal(UInt64(r.tables.tablesGiven))
    kputs(" held="); kputDecimal(UInt64(r.tables.heldFrames))
    kputs(" empty_leaf_tables="); kputDecimal(UInt64(usage.empty))
    kputs(" table_bytes_per_mib="); kputDecimal(heapMiB == 0 ? 0 : UInt64(r.tables.tablesGiven) * pageSize / heapMiB)
    kputs(" free_frames="); kputDecimal(UInt64(r.frames.freeFrames))
    kputs(" failure="); kputs(failureName(r.lastFailure))
    kputs("\n")
    Platform().exit(passed: true)
}

func failureName(_ f: GrowthFailure?) -> StaticString {
    switch f {
    case .windowFull: "window_full"
    case .noFrame: "no_frame"
    case .noTableFrame: "no_table_frame"
    case .alreadyMapped: "already_mapped"
    case nil: "none"
    }
}
