import MallocCounter

@testable import KernelCore

/// A kernel heap region on an emulated machine of format `F` under the strategy
/// called `name`, grown one page at a time in `M.heapWindow` until `pages` or
/// the first failure: what each arch's walker test then reads back.
struct GrownHeap<F: PageTableFormat> {
    var region: HeapRegion<EmulatedMachine<F>, TableStrategy>
    var frames: FrameAllocator
    /// Pages grown, and host allocations made while growing (after the first page).
    let grown: Int
    let mallocs: UInt

    init(_ m: EmulatedMachine<F>, strategy name: String, pages: Int) {
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        let strategy = name.withCString {
            TableStrategy.parse(
                ByteString(cString: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), limit: 64),
                levels: F.levels)!
        }
        var r = HeapRegion(space: space, tables: strategy, window: EmulatedMachine<F>.heapWindow, frames: &frames)
        _ = try? r.sbrk(pages: 1, frames: &frames)  // warm the host runtime's metadata caches
        let before = malloc_counter_thread_total()
        var grown = 1
        while grown < pages, (try? r.sbrk(pages: 1, frames: &frames)) != nil { grown += 1 }
        mallocs = malloc_counter_thread_total() - before
        self.grown = grown
        region = r
        self.frames = frames
    }

    var root: Frame { region.space.root }
}
