import XCTest

@testable import KernelCore

/// Issue 13, bug 16: a segment over the stack or its guard page was accepted;
/// on the guard page sbrk's `heapLimit - old` then underflowed in the kernel.
final class UserLayoutTests: XCTestCase {
    let layout = UserLayout(
        window: VirtualRange(start: VirtualAddress(0xC000_0000), end: VirtualAddress(0xD000_0000)),
        stackPages: 8, pageSize: 4096)

    func testSegmentsMayNotLieOnTheStackOrItsGuardPage() {
        XCTAssertEqual(layout.guardPage, 0xD000_0000 - 9 * 4096)
        let target = ELFImage.Target(machine: 3, is64: false, window: layout.loadWindow, pageSize: 4096)
        func parse(_ vaddr: UInt64) -> ELFError? {
            var b = ELFBuilder()
            b.segments[1] = (1, 6, 0x2000, vaddr, 0x100, 0x1000, 0x1000)
            let bytes = b.bytes()
            return bytes.withUnsafeBytes { raw in
                Result { () throws(ELFError) in try ELFImage.parse(raw.baseAddress!, count: bytes.count, for: target) }
            }.failure
        }
        XCTAssertEqual(parse(0xCFFF_F000), .segmentOutsideWindow(1), "the top stack page")
        XCTAssertEqual(parse(UInt64(layout.guardPage)), .segmentOutsideWindow(1), "the guard page")
        XCTAssertEqual(parse(UInt64(layout.mapWindow.start.raw)), .segmentOutsideWindow(1), "the map window")
        XCTAssertEqual(parse(UInt64(layout.heapLimit)), .segmentOutsideWindow(1), "the page below the map window")
        XCTAssertNil(parse(UInt64(layout.heapLimit) - 0x1000), "the page below that is the heap's last")
    }

    /// Regions are mapped between the heap and the stack, apart from both by an unmapped page.
    func testTheMapWindowLiesBetweenTheHeapAndTheStack() {
        XCTAssertEqual(layout.mapWindow.end.raw, layout.guardPage)
        XCTAssertEqual(layout.mapWindow.bytes, 0x400_0000, "a quarter of the 256 MiB window")
        XCTAssertEqual(layout.heapLimit, layout.mapWindow.start.raw - 4096)
        XCTAssertTrue(layout.fitsMapWindow(layout.mapWindow.start.raw, 0x1000))
        XCTAssertTrue(layout.fitsMapWindow(layout.guardPage - 0x2000, 0x2000), "up to the guard page")
        XCTAssertFalse(layout.fitsMapWindow(layout.guardPage - 0x1000, 0x2000), "over the guard page")
        XCTAssertFalse(layout.fitsMapWindow(layout.heapLimit, 0x1000), "the heap's side")
        XCTAssertFalse(layout.fitsMapWindow(layout.mapWindow.start.raw + 1, 0x1000), "misaligned")
        XCTAssertFalse(layout.fitsMapWindow(layout.mapWindow.start.raw, UInt.max), "a size that would wrap")
        XCTAssertFalse(layout.fitsMapWindow(layout.mapWindow.start.raw, 0), "nothing")
    }

    /// sbrk(-n): whole pages only, never below where the heap began.
    func testShrinkStopsAtTheHeapsStart() {
        let base: UInt = 0xC001_0000
        XCTAssertEqual(layout.shrink(brk: base + 0x3000, by: 0x2000, base: base), base + 0x1000)
        XCTAssertEqual(layout.shrink(brk: base + 0x3000, by: 0x3000, base: base), base)
        XCTAssertNil(layout.shrink(brk: base + 0x3000, by: 0x4000, base: base), "below the start")
        XCTAssertNil(layout.shrink(brk: base + 0x3000, by: 0x800, base: base), "not whole pages")
        XCTAssertNil(layout.shrink(brk: base + 0x3000, by: UInt.max & ~0xFFF, base: base), "a huge size cannot wrap")
        XCTAssertNil(layout.shrink(brk: base - 0x1000, by: 0x1000, base: base), "a break below the start is refused")
    }

    func testSbrkArithmeticCannotUnderflowOrPassTheLimit() {
        let limit = layout.heapLimit
        XCTAssertEqual(layout.grow(brk: 0xC001_0000, by: 1), 0xC001_1000)
        XCTAssertEqual(layout.grow(brk: 0xC001_0000, by: 0), 0xC001_0000)
        XCTAssertEqual(layout.grow(brk: limit - 0x1000, by: 0x1000), limit)
        XCTAssertNil(layout.grow(brk: limit - 0x1000, by: 0x1001))
        XCTAssertNil(layout.grow(brk: limit + 0x1000, by: 0), "a break past the limit (a segment on the guard page)")
        XCTAssertNil(layout.grow(brk: 0xC001_0000, by: UInt.max))
        XCTAssertEqual(layout.grow(brk: limit - 10, by: 5), limit, "rounded up to the page, not past the limit")
    }
}
