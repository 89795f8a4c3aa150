// `bench=grow` on the command line: grow the heap region page by page with
// sbrk until it cannot, printing how page-table memory tracks heap size. The
// strategy comparison (make bench-strategies) reads these lines.

func runGrowthBench(_ k: inout KernelState) -> Never {
    let ramBytes = k.ramBytes
    let pageSize = UInt64(Platform.Format.pageSize)
    var lastTables = -1
    var failure: GrowthFailure? = nil
    kputs("bench: growing the heap by single pages until sbrk fails\n")
    while true {
        let tableFrames = k.region.tables.tablesGiven + k.region.tables.heldFrames
        if tableFrames != lastTables || (UInt64(k.region.heapBytes) % (4 << 20)) == 0 {
            kputs("sample heap_kib="); kputDecimal(UInt64(k.region.heapBytes) >> 10)
            kputs(" table_frames="); kputDecimal(UInt64(tableFrames)); kputs("\n")
            lastTables = tableFrames
        }
        do throws(GrowthFailure) { _ = try k.region.sbrk(pages: 1, frames: &k.frames) } catch { failure = error; break }
    }
    let usage = k.region.space.leafTables(in: k.region.window)
    let heapMiB = UInt64(k.region.heapBytes) >> 20
    kputs("sample heap_kib="); kputDecimal(UInt64(k.region.heapBytes) >> 10)
    kputs(" table_frames="); kputDecimal(UInt64(k.region.tables.tablesGiven + k.region.tables.heldFrames)); kputs("\n")
    kputs("BENCH arch="); kputs(Platform.name)
    kputs(" strategy="); kputs(k.region.tables.name)
    kputs(" ram_mib="); kputDecimal(ramBytes >> 20)
    kputs(" heap_kib="); kputDecimal(UInt64(k.region.heapBytes) >> 10)
    kputs(" tables="); kputDecimal(UInt64(k.region.tables.tablesGiven))
    kputs(" held="); kputDecimal(UInt64(k.region.tables.heldFrames))
    kputs(" empty_leaf_tables="); kputDecimal(UInt64(usage.empty))
    kputs(" table_bytes_per_mib="); kputDecimal(heapMiB == 0 ? 0 : UInt64(k.region.tables.tablesGiven) * pageSize / heapMiB)
    kputs(" free_frames="); kputDecimal(UInt64(k.frames.freeFrames))
    kputs(" failure="); kputs(failureName(failure))
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
