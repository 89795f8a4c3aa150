import XCTest

@testable import KernelCore

/// Large leaves (2 MiB and 1 GiB) through the generic mapper, read back by
/// each format's independent hardware walk: what the direct map is built from.
final class BlockMappingTests: XCTestCase {
    /// One walk result, whatever the format: where `va` lands, the leaf's size, writable.
    typealias Walk = (physical: UInt64, leafBytes: UInt64, writable: Bool)

    func checkBlocks<F: PageTableFormat>(_ format: F.Type, walk: (EmulatedMachine<F>, Frame, UInt64) -> Walk?) {
        let m = EmulatedMachine<F>(megabytes: 4)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        let two: UInt64 = 2 << 20, one: UInt64 = 1 << 30
        XCTAssertEqual(F.entrySpan(level: 1), two)
        XCTAssertEqual(F.entrySpan(level: 2), one)
        // A 2 MiB block, a 1 GiB block, each mapped to itself.
        XCTAssertNoThrow(
            try space.mapBlock(
                VirtualAddress(0x4020_0000), level: 1, to: PhysicalAddress(0x4020_0000), .kernelData, tables: &tables, frames: &frames))
        XCTAssertNoThrow(
            try space.mapBlock(
                VirtualAddress(0x8000_0000), level: 2, to: PhysicalAddress(0x8000_0000), [.global], tables: &tables, frames: &frames))
        XCTAssertEqual(m.invalidations, 2, "one invalidation per block")
        for (va, size, writable) in [(UInt64(0x4020_0000), two, true), (0x8000_0000, one, false)] {
            for offset in [0, 0x1234, size - 1] {
                let w = walk(m, space.root, va + offset)
                XCTAssertEqual(w?.physical, va + offset, "\(F.self) walk of \(va) + \(offset)")
                XCTAssertEqual(w?.leafBytes, size)
                XCTAssertEqual(w?.writable, writable)
                XCTAssertEqual(space.translate(VirtualAddress(UInt(va + offset)))?.raw, va + offset)
            }
        }
        XCTAssertNil(walk(m, space.root, 0x4040_0000), "the 2 MiB block ends where it should")
        XCTAssertNil(walk(m, space.root, 0x4000_0000), "and starts where it should")
        // Nothing maps over a block, and a block never hides what is there.
        let f = frames.allocate()!
        XCTAssertEqual(
            thrown { () throws(MapError) in
                try space.map(Page(VirtualAddress(0x4030_0000)), to: f, .kernelData, tables: &tables, frames: &frames)
            },
            .alreadyMapped, "a page inside a block")
        XCTAssertEqual(
            thrown { () throws(MapError) in
                try space.mapBlock(
                    VirtualAddress(0x4020_0000), level: 1, to: PhysicalAddress(0), .kernelData, tables: &tables, frames: &frames)
            }, .alreadyMapped, "a block over a block")
        XCTAssertNoThrow(try space.map(Page(VirtualAddress(0x4060_1000)), to: f, .kernelData, tables: &tables, frames: &frames))
        XCTAssertEqual(
            thrown { () throws(MapError) in
                try space.mapBlock(
                    VirtualAddress(0x4060_0000), level: 1, to: PhysicalAddress(0x4060_0000), .kernelData, tables: &tables, frames: &frames)
            }, .alreadyMapped, "a block over a table of pages")
        XCTAssertEqual(walk(m, space.root, 0x4060_1000)?.physical, f.start.raw, "the page under the refused block is kept")
        XCTAssertNil(space.unmap(Page(VirtualAddress(0x4020_0000))), "unmap takes pages, not blocks")
        XCTAssertEqual(walk(m, space.root, 0x4020_0000)?.leafBytes, two)
    }

    func testAArch64Blocks() {
        checkBlocks(AArch64PageTable.self) { m, root, va in
            walkAArch64(m, root: root, va).map { ($0.physical, $0.leafBytes, !$0.readOnly) }
        }
    }

    func testSv39MegapagesAndGigapages() {
        checkBlocks(Sv39PageTable.self) { m, root, va in walkSv39(m, root: root, va).map { ($0.physical, $0.leafBytes, $0.w) } }
    }

    /// i386 maps 4 KiB pages only: 4 MiB pages need CR4.PSE, which the kernel leaves off.
    func testI386HasNoBlocks() {
        XCTAssertNil(I386PageTable.encodeBlock(PhysicalAddress(0x40_0000), .kernelData, level: 1))
    }
}
