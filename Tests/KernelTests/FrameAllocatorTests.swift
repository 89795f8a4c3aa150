import XCTest

@testable import KernelCore

final class FrameAllocatorTests: XCTestCase {
    func testHandsOutEveryUsableFrameOnceThenReportsExhaustion() {
        let m = EmulatedMachine<I386PageTable>(megabytes: 8)
        var map = m.memoryMap()
        var frames = try! FrameAllocator(map: &map, pageSize: 4096, reach: { m.pointer(to: $0) })
        let total = frames.freeFrames
        XCTAssertEqual(total, frames.totalFrames)
        var seen = Set<UInt64>()
        while let f = frames.allocate() {
            XCTAssertEqual(f.start.raw % 4096, 0)
            XCTAssertTrue(seen.insert(f.start.raw).inserted, "frame \(f.start.raw) handed out twice")
            // Never inside the kernel image, the low hole, or the bitmap itself.
            var kind: RegionKind? = nil
            for i in 0..<map.count where map[i].start <= f.start.raw && f.start.raw < map[i].end { kind = map[i].kind }
            XCTAssertEqual(kind, .usable)
        }
        XCTAssertEqual(seen.count, total)
        XCTAssertEqual(frames.freeFrames, 0)
        XCTAssertNil(frames.allocate())
        // About 8 MiB minus the first MiB, the kernel MiB and two pages of
        // bitmaps and free stack (4 bytes a frame).
        XCTAssertEqual(total, (8 << 20) / 4096 - 256 - 256 + 0x9F - 2)
    }

    /// The free frames are a stack: with memory full, the frame given back is the
    /// one handed out next, found without a search (make bench-frames measures it).
    func testAFullMemoryHandsBackTheFrameJustFreed() {
        let m = EmulatedMachine<I386PageTable>(megabytes: 8)
        var frames = m.frameAllocator()
        let first = frames.allocate()!
        var all = [first]
        while let f = frames.allocate() { all.append(f) }
        XCTAssertEqual(first.start.raw, all.map { $0.start.raw }.min(), "the lowest frame first, as the bitmap search did")
        for f in [all[7], all[all.count / 2], all[all.count - 3]] {
            XCTAssertNoThrow(try frames.free(f))
            XCTAssertEqual(frames.allocate(), f)
            XCTAssertNil(frames.allocate())
        }
        XCTAssertNoThrow(try frames.free(all[5]))
        XCTAssertEqual(frameError(try frames.free(all[5])), .notAllocated, "the bitmap still refuses a double free")
        XCTAssertEqual(frames.freeFrames, 1)
    }

    func testFreeRefusesDoubleFreesAndFramesItNeverOwned() {
        let m = EmulatedMachine<I386PageTable>(megabytes: 4)
        var frames = m.frameAllocator()
        let f = frames.allocate()!
        XCTAssertNoThrow(try frames.free(f))
        XCTAssertEqual(frameError(try frames.free(f)), .notAllocated)
        XCTAssertEqual(frameError(try frames.free(Frame(PhysicalAddress(0x10_0000)))), .outOfRange)  // kernel image
        XCTAssertEqual(frameError(try frames.free(Frame(PhysicalAddress(1 << 33)))), .outOfRange)
        XCTAssertEqual(frameError(try frames.free(Frame(PhysicalAddress(f.start.raw + 8)))), .misaligned)
        let before = frames.freeFrames
        let g = frames.allocate()!
        XCTAssertEqual(frames.freeFrames, before - 1)
        XCTAssertNoThrow(try frames.free(g))
        XCTAssertEqual(frames.freeFrames, before)
    }

    /// Issue 21, §7: the range bound's off-by-one. 2,048 frames fill 64 bitmap
    /// words exactly; the frame just past them is out of range. (With `>` for
    /// `>=` the check read the word past the bitmap, the free stack's first
    /// entry, and answered notAllocated.)
    func testTheFrameJustPastTheBitmapIsOutOfRange() {
        let m = EmulatedMachine<I386PageTable>(megabytes: 16)
        var map = MemoryMap()
        try? map.add(start: 0x40_0000, length: 2048 * 4096, kind: .usable)
        var frames = try! FrameAllocator(map: &map, pageSize: 4096, reach: { m.pointer(to: $0) })
        XCTAssertEqual(frameError(try frames.free(Frame(PhysicalAddress(0x40_0000 + 2048 * 4096)))), .outOfRange, "one past the last frame")
        let last = Frame(PhysicalAddress(0x40_0000 + 2047 * 4096))
        XCTAssertEqual(frameError(try frames.free(last)), .notAllocated, "the last frame is in range, and free")
        var taken: [Frame] = []
        while let f = frames.allocate() { taken.append(f) }
        XCTAssertTrue(taken.contains(last))
        XCTAssertNoThrow(try frames.free(last))
    }

    /// A run of frames one after another (a DMA region): the lowest run that
    /// fits, never a frame that is taken, never handed out again until freed.
    func testContiguousRunsSkipTakenFramesAndComeBackOneByOne() {
        let m = EmulatedMachine<I386PageTable>(megabytes: 8)
        var frames = m.frameAllocator()
        let total = frames.freeFrames
        // Take the lowest 20 frames, then give back 3 and 8 of them, apart: a hole of 3, then one of 8.
        var low: [Frame] = []
        for _ in 0..<20 { low.append(frames.allocate()!) }
        XCTAssertEqual(low[1].start.raw, low[0].start.raw + 4096, "the stack hands out the lowest first")
        for f in low[2..<5] { try! frames.free(f) }
        for f in low[10..<18] { try! frames.free(f) }
        let run = frames.allocateContiguous(5)
        XCTAssertEqual(run, low[10], "the first hole too small (3), the second fits")
        for i in 0..<5 { XCTAssertFalse(frames.isFree(Frame(PhysicalAddress(low[10].start.raw + UInt64(i) * 4096)))) }
        XCTAssertEqual(frames.freeFrames, total - 20 + 3 + 8 - 5)
        // The rest of the stack still hands out each free frame once, none of the run's.
        var seen = Set<UInt64>()
        while let f = frames.allocate() {
            XCTAssertTrue(seen.insert(f.start.raw).inserted)
            XCTAssertFalse(f.start.raw >= low[10].start.raw && f.start.raw < low[15].start.raw, "a frame of the run handed out again")
        }
        XCTAssertEqual(seen.count, total - 20 + 3 + 8 - 5)
        XCTAssertNil(frames.allocateContiguous(1), "nothing free: nil")
        for i in 0..<5 { XCTAssertNoThrow(try frames.free(Frame(PhysicalAddress(low[10].start.raw + UInt64(i) * 4096)))) }
        XCTAssertEqual(frames.allocateContiguous(5), low[10], "freed one by one, the run is whole again")
        XCTAssertNil(frames.allocateContiguous(6), "too long: nil, and nothing taken")
        XCTAssertEqual(frames.freeFrames, 0)
    }
}
