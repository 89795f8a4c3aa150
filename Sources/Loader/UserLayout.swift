// Where things go in a task's user window: the ELF segments and the sbrk heap
// from the bottom; then an unmapped page and the map window, where regions
// (shared memory, device registers) are mapped; the stack at the top above one
// unmapped guard page. Pure
// arithmetic, host-tested: a segment on the stack or the guard page is refused
// by the loader (it would have made the load fail or sbrk's limit underflow),
// and sbrk can never compute past its limit.

struct UserLayout {
    let window: VirtualRange
    let stackPages: Int
    let pageSize: UInt

    var stackTop: UInt { window.end.raw }
    /// The unmapped page below the stack.
    var guardPage: UInt { window.end.raw - UInt(stackPages + 1) * pageSize }
    /// Where regions are mapped: the quarter of the window below the stack's guard page.
    var mapWindow: VirtualRange {
        VirtualRange(start: VirtualAddress(guardPage - (window.bytes / 4 & ~(pageSize - 1))), end: VirtualAddress(guardPage))
    }
    /// The heap may grow up to the unmapped page below the map window.
    var heapLimit: UInt { mapWindow.start.raw - pageSize }
    /// Where ELF segments may lie: the window below the heap's limit.
    var loadWindow: VirtualRange { VirtualRange(start: window.start, end: VirtualAddress(heapLimit)) }

    /// Whether `bytes` from `address` lie in the map window, page-aligned.
    func fitsMapWindow(_ address: UInt, _ bytes: UInt) -> Bool {
        address & (pageSize - 1) == 0 && bytes > 0 && address >= mapWindow.start.raw && address <= mapWindow.end.raw
            && bytes <= mapWindow.end.raw - address
    }

    /// The new break for `sbrk(increment)` from `brk`, page-aligned; nil when it
    /// would pass the limit (or `brk` already lies past it). Never overflows.
    /// The new break for `sbrk(-decrement)` from `brk`: whole pages only, never
    /// below `base` (where the heap began, just above the loaded image).
    func shrink(brk: UInt, by decrement: UInt, base: UInt) -> UInt? {
        guard decrement % pageSize == 0, brk >= base, decrement <= brk - base else { return nil }
        return brk - decrement
    }

    func grow(brk: UInt, by increment: UInt) -> UInt? {
        guard brk <= heapLimit, increment <= heapLimit - brk else { return nil }
        let end = brk + increment
        let mask = pageSize - 1
        return end & mask == 0 ? end : (end | mask) + 1 <= heapLimit ? (end | mask) + 1 : nil
    }
}
