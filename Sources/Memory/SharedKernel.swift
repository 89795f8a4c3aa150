// Address spaces that share the kernel. A task's root table starts as a copy
// of the kernel root's entries outside the user window, so every table below
// those entries (the direct map, the heap, the thread stacks) is the same
// table in every address space. Kernel growth that only fills existing tables
// is therefore seen everywhere at once. Growth that adds a *root* entry (on
// i386: a new page table for the heap, every 4 MiB) is copied in on demand:
// the first kernel access through a stale root faults, and syncRootEntry
// repairs the entry (docs/tasks.md argues this against the alternatives).

extension AddressSpace {
    /// The mapping of `page` (frame and attributes), if it is mapped by a leaf entry.
    func mapping(of page: Page) -> (Frame, PageAttributes)? {
        guard let slot = leafSlot(page.start), case .page(let frame, let attributes) = F.decode(read(slot), level: 0) else {
            return nil
        }
        return (frame, attributes)
    }

    /// Copy every root entry of `kernel` whose span lies wholly outside `userWindow`.
    func shareRootEntries(from kernel: AddressSpace<A>, except userWindow: VirtualRange) {
        let span = F.span(level: F.levels - 2)  // what one root entry covers
        for i in 0..<F.entriesPerTable {
            let start = UInt64(i) * span
            let end = start + span
            if end > UInt64(userWindow.start.raw) && start < UInt64(userWindow.end.raw) { continue }
            write(entry(root, i), read(kernel.entry(kernel.root, i)))
        }
    }

    /// If the root entry covering `va` is absent here but present in `kernel`,
    /// copy it and return true (the faulting access can be retried).
    func syncRootEntry(for va: VirtualAddress, from kernel: AddressSpace<A>) -> Bool {
        let level = F.levels - 1
        let i = F.index(of: va, level: level)
        let mine = read(entry(root, i)), theirs = read(kernel.entry(kernel.root, i))
        guard F.decode(mine, level: level) == .absent, F.decode(theirs, level: level) != .absent else { return false }
        write(entry(root, i), theirs)
        arch.invalidate(Page(VirtualAddress(va.raw & ~UInt(F.pageSize - 1))))
        return true
    }
}

extension AddressSpace {
    /// Tear down a task's address space: free every page and table under the
    /// root entries that meet `window` (the ones shareRootEntries left to the
    /// task), and the root itself. Borrowed pages (a device's, a shared
    /// region's) are dropped with their tables, never freed: an object owns them. Shared kernel tables are never touched. Never call it on the
    /// active root. Returns the number of frames given back.
    func destroy(userWindow window: VirtualRange, frames: inout FrameAllocator) -> Int {
        var freed = 0
        forEachTaskFrame(in: window, clearingRootEntries: true) { if (try? frames.free($0)) != nil { freed += 1 } }
        return freed
    }

    /// The frames a task's address space holds (what `destroy` would give back),
    /// counted without changing anything: the system-call fuzzer's check that the
    /// kernel's accounting (`framesHeld`) matches the tables after every call.
    func framesHeld(userWindow window: VirtualRange) -> Int {
        var held = 0
        forEachTaskFrame(in: window, clearingRootEntries: false) { _ in held += 1 }
        return held
    }

    /// Every frame of the task's part of this space that it owns (borrowed
    /// pages are not its own), each after everything it
    /// maps (pages, then their table; the root last), so that a visitor may free
    /// as it goes. With `clearingRootEntries`, the task's root entries are zeroed
    /// once their tables have been visited.
    private func forEachTaskFrame(in window: VirtualRange, clearingRootEntries: Bool, _ visit: (Frame) -> Void) {
        let level = F.levels - 1
        let span = F.span(level: F.levels - 2)
        for i in 0..<F.entriesPerTable {
            let start = UInt64(i) * span
            guard start + span > UInt64(window.start.raw) && start < UInt64(window.end.raw) else { continue }
            if case .table(let t) = F.decode(read(entry(root, i)), level: level) {
                forEachFrame(under: t, level: level - 1, visit)
                if clearingRootEntries { write(entry(root, i), 0) }
            }
        }
        visit(root)
    }

    private func forEachFrame(under table: Frame, level: Int, _ visit: (Frame) -> Void) {
        for j in 0..<F.entriesPerTable {
            switch F.decode(read(entry(table, j)), level: level) {
            case .table(let next) where level > 0: forEachFrame(under: next, level: level - 1, visit)
            case .page(let frame, let a) where !a.contains(.borrowed): visit(frame)
            default: break
            }
        }
        visit(table)
    }
}
