// One generic mapper for every backend: walk from the root table down to the
// leaf level, creating missing tables through a provisioning strategy. All
// table memory is reached through the architecture's direct map.

enum MapError: Error, Equatable {
    /// The strategy had no frame for a missing table.
    case noTableFrame
    /// The page is already mapped (or covered by a large leaf).
    case alreadyMapped
}

struct AddressSpace<A: Architecture> {
    typealias F = A.Format
    let arch: A
    let root: Frame

    /// Wrap an existing root table.
    init(arch: A, root: Frame) { self.arch = arch; self.root = root }

    /// A new, empty address space whose root comes from `frames`. Nil if none is left.
    init?(arch: A, frames: inout FrameAllocator) {
        guard let root = frames.allocate() else { return nil }
        self.arch = arch
        self.root = root
        zero(root)
    }

    /// Map `page` to `frame`. Missing tables come from `tables`; on failure the
    /// page stays unmapped (tables installed on the way stay, empty and valid).
    func map<P: TableProvisioning>(
        _ page: Page, to frame: Frame, _ attributes: PageAttributes,
        tables: inout P, frames: inout FrameAllocator
    ) throws(MapError) {
        let leaf = try leafSlot(creatingTablesFor: page, tables: &tables, frames: &frames)
        if F.decode(read(leaf), level: 0) != .absent { throw .alreadyMapped }
        write(leaf, F.encodePage(frame, attributes))
        arch.invalidate(page)  // also orders the table writes before use, where the arch needs it
    }

    /// Map the `F.entrySpan(level:)` bytes at `va` to `base` with one large
    /// leaf at `level` (both aligned to that span; the format must have such a
    /// leaf). Missing tables above it come from `tables`. Throws alreadyMapped
    /// if anything is mapped there already: a block never hides a table.
    func mapBlock<P: TableProvisioning>(
        _ va: VirtualAddress, level: Int, to base: PhysicalAddress, _ attributes: PageAttributes,
        tables: inout P, frames: inout FrameAllocator
    ) throws(MapError) {
        let span = F.entrySpan(level: level)
        precondition(level > 0 && level < F.levels && UInt64(va.raw) % span == 0 && base.raw % span == 0, "misaligned block")
        guard let entry = F.encodeBlock(base, attributes, level: level) else { preconditionFailure("no block at this level") }
        let slot = try slot(at: level, for: va, tables: &tables, frames: &frames)
        if F.decode(read(slot), level: level) != .absent { throw .alreadyMapped }
        write(slot, entry)
        arch.invalidate(Page(va))  // one address of a block drops the whole block's translation
    }

    /// Remove the mapping of `page` and return the frame it named (the caller owns it).
    func unmap(_ page: Page) -> Frame? {
        guard let leaf = leafSlot(page.start) else { return nil }
        guard case .page(let frame, _) = F.decode(read(leaf), level: 0) else { return nil }
        write(leaf, 0)
        arch.invalidate(page)
        return frame
    }

    /// The physical address `va` translates to, exactly as the MMU would walk it.
    func translate(_ va: VirtualAddress) -> PhysicalAddress? {
        var table = root
        var level = F.levels - 1
        while true {
            switch F.decode(read(entry(table, F.index(of: va, level: level))), level: level) {
            case .absent:
                return nil
            case .table(let next):
                if level == 0 { return nil }
                table = next
            case .page(let frame, _):
                return frame.start.adding(UInt64(va.raw) & (F.pageSize - 1))
            case .block(let base, _):
                return base.adding(UInt64(va.raw) & (F.span(level: level - 1) - 1))
            }
            level -= 1
        }
    }

    /// Install the missing tables on the path to `page` without mapping it.
    func ensureTables<P: TableProvisioning>(for page: Page, tables: inout P, frames: inout FrameAllocator) throws(MapError) {
        _ = try leafSlot(creatingTablesFor: page, tables: &tables, frames: &frames)
    }

    /// Unhook the leaf table that covers `va` if it maps nothing, and return it
    /// (the caller owns the frame). Nil if there is none, it maps something, or
    /// its parent is the root and `rootShared` (every task root holds a copy of
    /// the kernel's root entries: clearing one would leave the copies pointing
    /// at a freed frame). The parent entry is cleared, then the translation is
    /// invalidated, walk caches included (aarch64: TLBI VAAE1IS), before the
    /// frame is handed back.
    func removeLeafTable(at va: VirtualAddress, rootShared: Bool) -> Frame? {
        if rootShared && F.levels == 2 { return nil }
        guard let table = table(for: va, at: 1) else { return nil }
        let parent = entry(table, F.index(of: va, level: 1))
        guard case .table(let leaf) = F.decode(read(parent), level: 1) else { return nil }
        for i in 0..<F.entriesPerTable where F.decode(read(entry(leaf, i)), level: 0) != .absent { return nil }
        write(parent, 0)
        arch.invalidate(Page(VirtualAddress(va.raw & ~(UInt(F.span(level: 0)) - 1))))
        return leaf
    }

    /// Leaf tables installed for `window`, and how many of them map nothing yet.
    func leafTables(in window: VirtualRange) -> (installed: Int, empty: Int) {
        var installed = 0, empty = 0
        let step = UInt(F.span(level: 0))
        var va = window.start.raw & ~(step - 1)
        while va < window.end.raw {
            if let first = leafSlot(VirtualAddress(va)) {
                installed += 1
                var used = false
                for i in 0..<F.entriesPerTable where F.decode(read(first + i * F.entryBytes), level: 0) != .absent {
                    used = true; break
                }
                if !used { empty += 1 }
            }
            let next = va &+ step
            if next < va { break }
            va = next
        }
        return (installed, empty)
    }

    /// Walk to the leaf entry for `page`, creating absent tables on the way.
    func leafSlot<P: TableProvisioning>(
        creatingTablesFor page: Page, tables: inout P,
        frames: inout FrameAllocator
    ) throws(MapError) -> UnsafeMutableRawPointer {
        try slot(at: 0, for: page.start, tables: &tables, frames: &frames)
    }

    /// The entry at `target` level on the path to `va`, creating the tables above it.
    /// Always inlined, so that each caller's constant level folds into the index
    /// arithmetic (on i386 a shift by a variable amount is a 64-bit helper call).
    @inline(__always)
    private func slot<P: TableProvisioning>(
        at target: Int, for va: VirtualAddress, tables: inout P,
        frames: inout FrameAllocator
    ) throws(MapError) -> UnsafeMutableRawPointer {
        var table = root
        var level = F.levels - 1
        while level > target {
            let slot = entry(table, F.index(of: va, level: level))
            switch F.decode(read(slot), level: level) {
            case .table(let next):
                table = next
            case .absent:
                guard let fresh = tables.takeTable(frames: &frames) else { throw .noTableFrame }
                zero(fresh)
                write(slot, F.encodeTable(fresh))
                table = fresh
            case .page, .block:
                throw .alreadyMapped
            }
            level -= 1
        }
        return entry(table, F.index(of: va, level: target))
    }

    // MARK: raw entry access

    /// The table at `level` on the path to `va` (the root is level `levels - 1`), nil if the path stops above it.
    func table(for va: VirtualAddress, at level: Int) -> Frame? {
        var table = root
        var l = F.levels - 1
        while l > level {
            guard case .table(let next) = F.decode(read(entry(table, F.index(of: va, level: l))), level: l) else { return nil }
            table = next
            l -= 1
        }
        return table
    }

    func leafSlot(_ va: VirtualAddress) -> UnsafeMutableRawPointer? {
        guard let table = table(for: va, at: 0) else { return nil }
        return entry(table, F.index(of: va, level: 0))
    }

    func entry(_ table: Frame, _ index: Int) -> UnsafeMutableRawPointer {
        arch.pointer(to: table.start) + index * F.entryBytes
    }

    func read(_ slot: UnsafeMutableRawPointer) -> UInt64 {
        F.entryBytes == 8 ? slot.load(as: UInt64.self) : UInt64(slot.load(as: UInt32.self))
    }

    func write(_ slot: UnsafeMutableRawPointer, _ value: UInt64) {
        if F.entryBytes == 8 {
            slot.storeBytes(of: value, as: UInt64.self)
        } else {
            slot.storeBytes(of: UInt32(truncatingIfNeeded: value), as: UInt32.self)
        }
    }

    func zero(_ frame: Frame) {
        let p = arch.pointer(to: frame.start).bindMemory(to: UInt32.self, capacity: Int(F.pageSize) / 4)
        for i in 0..<(Int(F.pageSize) / 4) { p[i] = 0 }
    }
}
