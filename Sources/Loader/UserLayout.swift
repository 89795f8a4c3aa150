// Where things go in a task's user window: the ELF segments and the sbrk heap
// from the bottom, the stack at the top above one unmapped guard page. Pure
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
    /// Where ELF segments may lie: the window below the guard page.
    var loadWindow: VirtualRange { VirtualRange(start: window.start, end: VirtualAddress(guardPage)) }
    /// The heap may grow up to the guard page.
    var heapLimit: UInt { guardPage }

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
