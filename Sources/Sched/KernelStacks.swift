// Kernel thread stacks in their own virtual window. Each slot is one guard
// page followed by the stack's pages; only the stack pages are mapped, so a
// thread that runs off the bottom of its stack faults on the guard page
// instead of overwriting whatever lies below. Nothing here uses the heap.

struct StackSlot: Equatable {
    let index: Int
    /// The unmapped page just below the stack.
    let guardPage: Page
    /// One past the stack's highest byte: the initial stack pointer.
    let top: VirtualAddress
    var bottom: VirtualAddress { VirtualAddress(guardPage.start.raw + UInt(pageBytes)) }
    let pageBytes: UInt64
}

enum StackError: Error, Equatable {
    case noSlot
    case noFrame
    case noTableFrame
}

struct KernelStacks<A: Architecture> {
    typealias F = A.Format
    let window: VirtualRange
    let stackPages: Int
    /// Slots in use, one bit each (the window holds at most 64).
    private(set) var used: UInt64 = 0
    let slots: Int

    /// Stacks of `stackPages` pages in `window` (each slot takes one more page for its guard).
    init(window: VirtualRange, stackPages: Int) {
        self.window = window
        self.stackPages = max(stackPages, 1)
        let slotBytes = UInt64(self.stackPages + 1) * F.pageSize
        slots = min(Int(UInt64(window.bytes) / slotBytes), 64)
    }

    var slotBytes: UInt { UInt(UInt64(stackPages + 1) * F.pageSize) }

    func slot(_ i: Int) -> StackSlot {
        let base = window.start.raw + UInt(i) * slotBytes
        return StackSlot(
            index: i, guardPage: Page(VirtualAddress(base)), top: VirtualAddress(base + slotBytes),
            pageBytes: F.pageSize)
    }

    /// Make every table the slots' pages will need, now. Task roots copy the
    /// kernel root's entries when they are made, so a table made later would be
    /// missing from them; a thread's stack must never be, because a trap that
    /// finds its stack unmapped cannot be delivered (i386: a double fault).
    func prepareTables<P: TableProvisioning>(space: AddressSpace<A>, tables: inout P, frames: inout FrameAllocator) throws(MapError) {
        for i in 0..<slots {
            let s = slot(i)
            for page in [Page(s.bottom), Page(VirtualAddress(s.top.raw - UInt(F.pageSize)))] {
                try space.ensureTables(for: page, tables: &tables, frames: &frames)
            }
        }
    }

    /// A fresh stack: its pages mapped writable (not executable) to zeroed frames,
    /// its guard page left unmapped. On failure nothing stays taken but tables.
    mutating func allocate<P: TableProvisioning>(
        space: AddressSpace<A>, tables: inout P,
        frames: inout FrameAllocator
    ) throws(StackError) -> StackSlot {
        guard let i = (0..<slots).first(where: { used & (1 << UInt64($0)) == 0 }) else { throw .noSlot }
        let s = slot(i)
        for n in 0..<stackPages {
            let page = Page(VirtualAddress(s.bottom.raw + UInt(n) * UInt(F.pageSize)))
            guard let frame = frames.allocate() else { unmapPages(s, space, &frames, count: n); throw .noFrame }
            space.zero(frame)
            do throws(MapError) {
                try space.map(page, to: frame, .kernelData, tables: &tables, frames: &frames)
            } catch {
                try? frames.free(frame)
                unmapPages(s, space, &frames, count: n)
                throw .noTableFrame
            }
        }
        used |= 1 << UInt64(i)
        return s
    }

    /// Unmap a stack and give its frames back. Never call it for the stack in use.
    mutating func release(_ s: StackSlot, space: AddressSpace<A>, frames: inout FrameAllocator) {
        guard used & (1 << UInt64(s.index)) != 0 else { return }
        unmapPages(s, space, &frames, count: stackPages)
        used &= ~(1 << UInt64(s.index))
    }

    /// The slot whose guard page holds `address`, if any (for fault reports).
    func guardSlot(containing address: UInt64) -> Int? {
        guard address >= UInt64(window.start.raw), address < UInt64(window.end.raw) else { return nil }
        let i = Int((address - UInt64(window.start.raw)) / UInt64(slotBytes))
        guard i < slots else { return nil }
        let g = UInt64(slot(i).guardPage.start.raw)
        return address >= g && address < g + F.pageSize ? i : nil
    }

    private func unmapPages(_ s: StackSlot, _ space: AddressSpace<A>, _ frames: inout FrameAllocator, count: Int) {
        for n in 0..<count {
            if let frame = space.unmap(Page(VirtualAddress(s.bottom.raw + UInt(n) * UInt(F.pageSize)))) {
                try? frames.free(frame)
            }
        }
    }
}
