// A task's sbrk: its break moves up a page at a time, each page a fresh
// zeroed frame mapped user-writable, every frame (page or table) counted
// against the task's limit; down, each page is unmapped before its frame is
// freed, never below where its heap began.

/// sbrk(increment) for task `t`: the old break in r1, or an error with nothing changed.
func sbrk(_ k: inout KernelState, _ trap: SavedContext, _ t: ThreadID, _ increment: UInt) -> SavedContext {
    let pageSize = UInt(Platform.Format.pageSize)
    let old = k.records[t].memory.brk
    if Int(bitPattern: increment) < 0 {
        // Give the top back: each page unmapped (and invalidated) before its frame is freed.
        guard let end = userLayout.shrink(brk: old, by: 0 &- increment, base: k.records[t].memory.heapBase) else {
            return syscallFailed(trap, .badRequest)
        }
        let task = space(&k, of: t)
        var page = old
        while page > end {
            page -= pageSize
            if let f = task.unmap(Page(VirtualAddress(page))) { try? k.frames.free(f); k.records[t].memory.framesHeld -= 1 }
        }
        k.records[t].memory.brk = end
        setSyscallResult(trap, 0, old)
        return trap
    }
    guard let end = userLayout.grow(brk: old, by: increment) else { return syscallFailed(trap, .outOfMemory) }
    let task = space(&k, of: t)
    let before = k.frames.freeFrames
    // Tables made on the way stay the task's, even when the call fails.
    defer { k.records[t].memory.framesHeld += before - k.frames.freeFrames }
    var page = old
    while page < end {
        // Every frame counts against the limit: the page and any table it needed.
        let mapped = mapFresh(&k, Page(VirtualAddress(page)), [.user, .writable], task) != nil
        let overLimit = k.records[t].memory.framesHeld + (before - k.frames.freeFrames) > k.records[t].memory.frameLimit
        if !mapped || overLimit {
            if mapped, let f = task.unmap(Page(VirtualAddress(page))) { try? k.frames.free(f) }
            while page > old { page -= pageSize; if let f = task.unmap(Page(VirtualAddress(page))) { try? k.frames.free(f) } }
            return syscallFailed(trap, mapped ? .overLimit : .outOfMemory)
        }
        page += pageSize
    }
    k.records[t].memory.brk = end
    setSyscallResult(trap, 0, old)
    return trap
}
