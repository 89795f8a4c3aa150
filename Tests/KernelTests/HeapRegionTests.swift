import MallocCounter
import XCTest

@testable import KernelCore

/// sbrk over the generic VMM with each table strategy, on the i386 format.
final class HeapRegionTests: XCTestCase {
    typealias M = EmulatedMachine<I386PageTable>
    /// A region with the frame allocator it borrows (the kernel keeps them apart).
    struct Region {
        var region: HeapRegion<M, TableStrategy>
        var frames: FrameAllocator
        var tables: TableStrategy { region.tables }
        var brk: VirtualAddress { region.brk }
        var window: VirtualRange { region.window }
        var space: AddressSpace<M> { region.space }
        /// What the last sbrk threw (nil after one that grew).
        var lastFailure: GrowthFailure? = nil
        var prepared: Bool { region.prepared }
        var heapBytes: UInt { region.heapBytes }
        var pagesMapped: Int { region.pagesMapped }
        var tablesReleased: Int { region.tablesReleased }
        mutating func sbrk(pages: Int) -> VirtualAddress? {
            do throws(GrowthFailure) {
                let old = try region.sbrk(pages: pages, frames: &frames)
                lastFailure = nil
                return old
            } catch {
                lastFailure = error
                return nil
            }
        }
        mutating func shrink(pages: Int) -> Bool { region.shrink(pages: pages, frames: &frames) }
    }
    static let tableSpan = 4 << 20

    func region(_ m: M, _ strategy: String, window: VirtualRange = M.heapWindow, rootShared: Bool = false) -> Region {
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        let tables = strategy.withCString {
            TableStrategy.parse(
                ByteString(cString: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), limit: 64),
                levels: I386PageTable.levels)!
        }
        let region = HeapRegion(space: space, tables: tables, window: window, frames: &frames, rootShared: rootShared)
        return Region(region: region, frames: frames)
    }

    /// Grow `pages`, `batch` pages a call; returns the thread's malloc count during growth.
    func grow(_ r: inout Region, pages: Int, batch: Int = 1) -> (grown: Int, mallocs: UInt) {
        let before = malloc_counter_thread_total()
        var grown = 0
        while grown < pages, r.sbrk(pages: min(batch, pages - grown)) != nil { grown += min(batch, pages - grown) }
        return (grown, malloc_counter_thread_total() - before)
    }

    /// Every heap page is mapped writable, kernel-only, to a frame no other page has.
    func assertHeapMapped(_ m: M, _ r: Region, file: StaticString = #filePath, line: UInt = #line) {
        var seen = Set<UInt64>()
        var va = r.window.start.raw
        while va < r.brk.raw {
            guard let w = walkI386(m, root: r.space.root, UInt32(va)) else {
                return XCTFail("heap page \(va) not mapped", file: file, line: line)
            }
            XCTAssertTrue(w.writable && !w.user, "heap page \(va)", file: file, line: line)
            XCTAssertTrue(seen.insert(w.physical).inserted, "frame reused", file: file, line: line)
            va += 4096
        }
        if let w = walkI386(m, root: r.space.root, UInt32(r.brk.raw)) {
            // Only the heap tail keeps a page there, and only read-only.
            XCTAssertTrue(r.tables.isGuard(Page(r.brk)), "page at the break is mapped", file: file, line: line)
            XCTAssertFalse(w.writable, "the tail guard is writable", file: file, line: line)
        }
    }

    func testEachStrategyGrowsAcrossTableBoundariesWithoutAllocating() {
        for batch in [1, 16, 1000] { growAcrossTables(batch: batch) }
    }

    /// sbrk maps a run of pages with one walk per leaf table, and publishes the
    /// new entries once per call with no invalidation (they were invalid).
    func testABatchIsPublishedOnceAndInvalidatesNothing() {
        for name in ["spare", "direct", "prereserve", "pool:8"] {
            let m = M(megabytes: 32)
            // A window that starts inside a leaf table: the first walk lands mid-table.
            var r = region(m, name, window: VirtualRange(start: VirtualAddress(0xD03F_0000), end: VirtualAddress(0xE000_0000)))
            let before = (m.invalidations, m.publications)
            XCTAssertNotNil(r.sbrk(pages: 1), name)
            XCTAssertNotNil(r.sbrk(pages: 16), name)
            XCTAssertNotNil(r.sbrk(pages: 2000), name)  // across a table boundary
            XCTAssertEqual(m.invalidations, before.0, "\(name): fresh pages need no invalidation")
            XCTAssertEqual(m.publications, before.1 + 3, "\(name): one publication a call")
            assertHeapMapped(m, r)
        }
    }

    /// sbrk(-n): pages unmapped and invalidated, their frames back, and each
    /// emptied leaf table handled as its strategy says; then the heap grows again.
    func testShrinkingGivesFramesAndTablesBackByStrategy() {
        // (strategy, tables in use after shrinking to half a span, frames held then)
        let expected: [(String, tables: Int, held: Int)] = [
            ("spare", 1, 1), ("direct", 1, 0), ("pool:8", 1, 8), ("prereserve", 64, 0), ("tail", 1, 1),
        ]
        for (name, tables, held) in expected {
            let m = M(megabytes: 32)
            var r = region(m, name)
            XCTAssertEqual(grow(&r, pages: 3 * 1024 + 512, batch: 16).grown, 3 * 1024 + 512, name)
            let before = m.invalidations
            XCTAssertTrue(r.shrink(pages: 3 * 1024), name)
            XCTAssertEqual(r.heapBytes, 512 * 4096, name)
            XCTAssertGreaterThanOrEqual(m.invalidations - before, 3 * 1024, "\(name): every page unmapped is invalidated")
            for va in [r.brk.raw, r.brk.raw + 4096, r.window.start.raw + UInt(3 * 1024 + 511) * 4096] {
                let w = walkI386(m, root: r.space.root, UInt32(va))
                XCTAssertTrue(w == nil || r.tables.isGuard(Page(VirtualAddress(va))), "\(name): \(va) still mapped")
            }
            assertHeapMapped(m, r)
            XCTAssertEqual(r.tables.tablesGiven, tables, name)
            XCTAssertEqual(r.tables.heldFrames, held, name)
            XCTAssertEqual(r.frames.freeFrames, r.frames.totalFrames - 1 - 512 - tables - held, "\(name): a frame was lost")
            XCTAssertFalse(r.shrink(pages: 513), "\(name): below the window's start")
            // And it grows again, through tables made or held anew.
            XCTAssertEqual(grow(&r, pages: 3 * 1024, batch: 16).grown, 3 * 1024, name)
            assertHeapMapped(m, r)
            XCTAssertEqual(
                r.frames.freeFrames, r.frames.totalFrames - 1 - (3 * 1024 + 512) - r.tables.tablesGiven - r.tables.heldFrames, name)
        }
    }

    /// With task roots copying the kernel's root entries, an i386 heap table
    /// (named from the root) stays installed when the heap shrinks.
    func testASharedRootKeepsItsTables() {
        let m = M(megabytes: 32)
        var r = region(m, "direct", rootShared: true)
        _ = grow(&r, pages: 3 * 1024, batch: 16)
        XCTAssertTrue(r.shrink(pages: 3 * 1024))
        XCTAssertEqual(r.tablesReleased, 0)
        XCTAssertEqual(r.tables.tablesGiven, 3)
        XCTAssertEqual(r.frames.freeFrames, r.frames.totalFrames - 1 - 3)
    }

    func growAcrossTables(batch: Int) {
        // 3.5 table spans: 4 leaf tables on demand.
        let pages = 3 * 1024 + 512
        let expected: [(String, tables: Int, held: Int)] = [
            ("spare", 4, 1), ("direct", 4, 0), ("pool:8", 4, 5), ("prereserve", 64, 0), ("tail", 4, 1),
        ]
        for (name, tables, held) in expected {
            // Warm up: the host Swift runtime fills its type-metadata caches
            // (with malloc) the first time a generic path runs. The kernel,
            // fully specialized Embedded Swift, has no such runtime.
            let warm = M(megabytes: 16)
            var w = region(warm, name)
            _ = grow(&w, pages: 1100)
            let m = M(megabytes: 32)
            var r = region(m, name)
            XCTAssertTrue(r.prepared, name)
            let (grown, mallocs) = grow(&r, pages: pages, batch: batch)
            XCTAssertEqual(grown, pages, name)
            XCTAssertEqual(mallocs, 0, "\(name): growth allocated from the host heap")
            XCTAssertEqual(r.tables.tablesGiven, tables, name)
            XCTAssertEqual(r.tables.heldFrames, held, name)
            XCTAssertEqual(r.heapBytes, UInt(pages * 4096), name)
            assertHeapMapped(m, r)
            // Every page and table frame came from the frame allocator.
            XCTAssertEqual(r.frames.freeFrames, r.frames.totalFrames - 1 - pages - tables - held, name)
        }
    }

    func testExhaustionStopsCleanlyWithNothingHalfMapped() {
        for name in ["spare", "direct", "prereserve", "pool:64", "tail"] {
            let m = M(megabytes: 8)
            var r = region(m, name)
            let (grown, _) = grow(&r, pages: 1 << 20)
            XCTAssertGreaterThan(grown, 1000, name)
            XCTAssertEqual(r.lastFailure, .noFrame, name)
            XCTAssertEqual(r.frames.freeFrames, 0, name)
            // A multi-page request that cannot complete leaves nothing behind.
            let brk = r.brk
            XCTAssertNil(r.sbrk(pages: 4))
            XCTAssertEqual(r.brk, brk)
            assertHeapMapped(m, r)
        }
    }

    func testMultiPageRequestRollsBackWhenMemoryRunsOutHalfway() {
        let m = M(megabytes: 8)
        var r = region(m, "direct")
        var hoard: [Frame] = []
        while r.frames.freeFrames > 10, let f = r.frames.allocate() { hoard.append(f) }
        let free = r.frames.freeFrames
        XCTAssertNil(r.sbrk(pages: 20))
        XCTAssertEqual(r.lastFailure, .noFrame)
        XCTAssertEqual(r.brk, r.window.start)
        XCTAssertEqual(r.frames.freeFrames, free - r.tables.tablesGiven, "only the (empty, valid) table stays")
        XCTAssertNil(walkI386(m, root: r.space.root, UInt32(r.window.start.raw)))
        XCTAssertEqual(r.sbrk(pages: 5), r.window.start)
        XCTAssertEqual(r.brk, r.window.start.adding(5 * 4096))
        for f in hoard { XCTAssertNoThrow(try r.frames.free(f)) }
    }

    func testSpareRefillFailureFailsTheNextGrowthCleanlyThenRecovers() {
        let m = M(megabytes: 8)
        // The window starts one page before a table boundary: page 0 needs
        // table A, page 1 needs table B.
        var r = region(m, "spare", window: VirtualRange(start: VirtualAddress(0xD03F_F000), end: VirtualAddress(0xE000_0000)))
        XCTAssertEqual(r.tables.heldFrames, 1)
        var hoard: [Frame] = []
        while r.frames.freeFrames > 1, let f = r.frames.allocate() { hoard.append(f) }
        // Page 0 uses the spare and the last frame; the refill finds nothing.
        XCTAssertNotNil(r.sbrk(pages: 1))
        XCTAssertEqual(r.tables.heldFrames, 0)
        XCTAssertEqual(r.frames.freeFrames, 0)
        // Next growth fails cleanly: no frame, no spare, nothing mapped.
        XCTAssertNil(r.sbrk(pages: 1))
        XCTAssertEqual(r.lastFailure, .noFrame)
        XCTAssertNil(walkI386(m, root: r.space.root, 0xD040_0000))
        // One frame back: the reserve refills first, so growth still fails and
        // the heap page is not taken from the table reserve.
        XCTAssertNoThrow(try r.frames.free(hoard.removeLast()))
        XCTAssertNil(r.sbrk(pages: 1))
        XCTAssertEqual(r.tables.heldFrames, 1)
        XCTAssertEqual(r.lastFailure, .noFrame)
        // Two frames back: page 1 gets table B from the spare, then a refill.
        XCTAssertNoThrow(try r.frames.free(hoard.removeLast()))
        XCTAssertNoThrow(try r.frames.free(hoard.removeLast()))
        XCTAssertEqual(r.sbrk(pages: 1)?.raw, 0xD040_0000)
        XCTAssertEqual(r.tables.tablesGiven, 2)
        XCTAssertEqual(r.tables.heldFrames, 1)
        assertHeapMapped(m, r)
    }

    func testPoolCapsTheHeapAtItsTablesAndFailsCleanly() {
        let m = M(megabytes: 32)
        var r = region(m, "pool:2")
        XCTAssertEqual(r.tables.tablesGiven, 1, "the first window table is installed at boot")
        XCTAssertEqual(r.tables.heldFrames, 2)
        let (grown, _) = grow(&r, pages: 1 << 20)
        XCTAssertEqual(grown * 4096, 3 * HeapRegionTests.tableSpan)
        XCTAssertEqual(r.lastFailure, .noTableFrame)
        XCTAssertGreaterThan(r.frames.freeFrames, 1000, "the cap, not memory, stopped it")
        assertHeapMapped(m, r)
    }

    func testHeapTailGuardsTheBreakAndBecomesTheNextTable() {
        let m = M(megabytes: 16)
        var r = region(m, "tail")
        XCTAssertEqual(r.tables.heldFrames, 1)
        XCTAssertNil(walkI386(m, root: r.space.root, 0xD000_0000), "no table yet: the tail is held, unmapped")
        XCTAssertNotNil(r.sbrk(pages: 1))
        XCTAssertEqual(r.tables.tablesGiven, 1)
        // The new tail sits read-only just past the break.
        let guardWalk = walkI386(m, root: r.space.root, 0xD000_1000)
        XCTAssertEqual(guardWalk?.writable, false)
        XCTAssertTrue(r.tables.isGuard(Page(VirtualAddress(0xD000_1000))))
        // Grow to the last page of the first table: the guard moves with the break.
        XCTAssertNotNil(r.sbrk(pages: 1022))
        XCTAssertTrue(r.tables.isGuard(Page(VirtualAddress(0xD03F_F000))))
        let tailFrame = walkI386(m, root: r.space.root, 0xD03F_F000)!.physical
        // The next page is the last of the table's span; past it there is no table, so the tail is held unmapped.
        XCTAssertNotNil(r.sbrk(pages: 1))
        XCTAssertNil(walkI386(m, root: r.space.root, 0xD040_0000))
        // Crossing into the next 4 MiB: the held tail frame becomes the new table.
        XCTAssertNotNil(r.sbrk(pages: 1))
        let pde = m.memory.load(fromByteOffset: Int(r.space.root.start.raw) + 0x341 * 4, as: UInt32.self)
        XCTAssertEqual(UInt64(pde & 0xFFFF_F000), tailFrame, "the tail became the page table")
        XCTAssertEqual(r.tables.tablesGiven, 2)
        XCTAssertEqual(walkI386(m, root: r.space.root, 0xD040_1000)?.writable, false, "a new tail guards the break")
        XCTAssertEqual(walkI386(m, root: r.space.root, 0xD040_0000)?.writable, true)
        assertHeapMapped(m, r)
    }

    func testWindowEndStopsGrowth() {
        let m = M(megabytes: 8)
        var r = region(m, "direct", window: VirtualRange(start: VirtualAddress(0xD000_0000), end: VirtualAddress(0xD000_4000)))
        XCTAssertNotNil(r.sbrk(pages: 3))
        XCTAssertNil(r.sbrk(pages: 2))
        XCTAssertEqual(r.lastFailure, .windowFull)
        XCTAssertNotNil(r.sbrk(pages: 1))
        XCTAssertNil(r.sbrk(pages: 1))
        XCTAssertNil(r.sbrk(pages: -1))
    }
}
