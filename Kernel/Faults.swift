// What a memory fault means for the heap, for the trap handlers to add to
// their report. Reads only statically initialized globals, so it is safe in
// an exception handler.

/// A line explaining a fault at `address` if it hit the heap window, else nothing.
func explainHeapFault(at address: UInt64) {
    guard let r = kernelGrowth.region, address >= UInt64(r.window.start.raw), address < UInt64(r.window.end.raw) else { return }
    let pageSize = UInt64(Platform.Format.pageSize)
    let page = Page(VirtualAddress(UInt(address & ~(pageSize - 1))))
    if r.tables.isGuard(page) {
        kputs("heap: a stray write hit the held-back heap tail (the next page table) past the break at ")
        kputHex(UInt64(r.brk.raw)); kputs("; its read-only mapping stopped it, the tables are intact\n")
    } else if address >= UInt64(r.brk.raw) {
        kputs("heap: an access past the heap's break at "); kputHex(UInt64(r.brk.raw)); kputs(" (nothing is mapped there)\n")
    }
}

/// `crash=stray` on the command line: write one byte just past the heap's break,
/// as a heap overrun would. Every strategy must stop it; none may let it reach a table.
func provokeStrayHeapWrite() {
    guard let p = kernelAllocate(64) else { kernelPanic("crash=stray: no heap to overrun") }
    kernelFree(p)
    let brk = kernelGrowth.region!.brk
    kputs("crash=stray: writing one byte at the heap's break "); kputHex(UInt64(brk.raw)); kputs("\n")
    UnsafeMutablePointer<UInt8>(bitPattern: brk.raw)!.pointee = 0x5A
    kputs("crash=stray: the write was not stopped\n")
}

/// `crash=badfree` on the command line: free a pointer the heap never handed
/// out, then free a block twice. Both must be reported and refused, and the
/// kernel must go on to finish its self-test.
func provokeBadFrees() {
    var onStack: UInt64 = 0
    kputs("crash=badfree: freeing a stack address, then one block twice\n")
    withUnsafeMutablePointer(to: &onStack) { kernelFree(UnsafeMutableRawPointer($0)) }
    guard let p = kernelAllocate(2000) else { kernelPanic("crash=badfree: no heap") }
    kernelFree(p)
    kernelFree(p)
}
