// What a memory fault means for the heap, for the trap handlers to add to
// their report. Reads the kernel state where it lies (stateForReports), so it
// is safe in an exception handler, even one taken inside withKernel.

/// A line explaining a fault at `address` if it hit the heap window, else nothing.
func explainHeapFault(at address: UInt64) {
    guard let s = stateForReports else { return }
    // In place: a copy of the region would cost the exception stack.
    let window = s.pointee.region.window, brk = s.pointee.region.brk
    guard address >= UInt64(window.start.raw), address < UInt64(window.end.raw) else { return }
    let pageSize = UInt64(Platform.Format.pageSize)
    let page = Page(VirtualAddress(UInt(address & ~(pageSize - 1))))
    if s.pointee.region.tables.isGuard(page) {
        kputs("heap: a stray write hit the held-back heap tail (the next page table) past the break at ")
        kputHex(UInt64(brk.raw)); kputs("; its read-only mapping stopped it, the tables are intact\n")
    } else if address >= UInt64(brk.raw) {
        kputs("heap: an access past the heap's break at "); kputHex(UInt64(brk.raw)); kputs(" (nothing is mapped there)\n")
    }
}
