import XCTest

@testable import KernelCore

/// The generic mapper driven on the i386 format; every result is read back by
/// the independent walker, the way the MMU would read it.
final class AddressSpaceTests: XCTestCase {
    typealias M = EmulatedMachine<I386PageTable>

    func testMapTranslateUnmapAgreeWithTheHardwareWalk() {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        let pages: [UInt32] = [0x0000_1000, 0x003F_F000, 0x0040_0000, 0xD000_0000, 0xFFFF_F000]
        var given: [UInt32: Frame] = [:]
        for va in pages {
            let frame = frames.allocate()!
            let attrs: PageAttributes = va == 0xD000_0000 ? [.writable, .user] : [.global]
            XCTAssertNoThrow(try space.map(Page(VirtualAddress(UInt(va))), to: frame, attrs, tables: &tables, frames: &frames))
            given[va] = frame
        }
        // 0x1000 and 0x3FF000 share a table; the others each need one.
        XCTAssertEqual(tables.tablesGiven, 4)
        XCTAssertEqual(m.invalidations, pages.count)
        for va in pages {
            let walk = walkI386(m, root: space.root, va + 0x123)
            XCTAssertEqual(walk?.physical, given[va]!.start.raw + 0x123, "walk of \(va)")
            XCTAssertEqual(walk?.writable, va == 0xD000_0000)
            XCTAssertEqual(walk?.user, va == 0xD000_0000)
            XCTAssertEqual(space.translate(VirtualAddress(UInt(va) + 0x123))?.raw, given[va]!.start.raw + 0x123)
        }
        // Neighbours of mapped pages stay unmapped.
        XCTAssertNil(walkI386(m, root: space.root, 0x2000))
        XCTAssertNil(space.translate(VirtualAddress(0x2000)))
        XCTAssertNil(space.translate(VirtualAddress(0x0080_0000)))  // no table at all

        XCTAssertEqual(space.unmap(Page(VirtualAddress(0x0040_0000))), given[0x0040_0000])
        XCTAssertNil(walkI386(m, root: space.root, 0x0040_0000))
        XCTAssertNil(space.unmap(Page(VirtualAddress(0x0040_0000))), "second unmap finds nothing")
        XCTAssertNotNil(walkI386(m, root: space.root, 0x003F_F000), "unmap touched only its page")
    }

    func testMappingTwiceIsRefusedAndKeepsTheFirstMapping() {
        let m = M(megabytes: 4)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        let a = frames.allocate()!, b = frames.allocate()!
        let page = Page(VirtualAddress(0xD000_0000))
        XCTAssertNoThrow(try space.map(page, to: a, .kernelData, tables: &tables, frames: &frames))
        XCTAssertThrowsError(try space.map(page, to: b, .kernelData, tables: &tables, frames: &frames)) {
            XCTAssertEqual($0 as? MapError, .alreadyMapped)
        }
        XCTAssertEqual(walkI386(m, root: space.root, 0xD000_0000)?.physical, a.start.raw)
    }

    func testLargePageBlocksTableCreationAndTranslatesAsOneLeaf() {
        let m = M(megabytes: 4)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        // A 4 MiB PSE entry at directory slot 1 (virtual 4 MiB -> physical 8 MiB).
        m.memory.storeBytes(of: UInt32(0x0080_0000 | 0x83), toByteOffset: Int(space.root.start.raw) + 4, as: UInt32.self)
        XCTAssertEqual(space.translate(VirtualAddress(0x0045_6789))?.raw, 0x0085_6789)
        XCTAssertEqual(walkI386(m, root: space.root, 0x0045_6789)?.physical, 0x0085_6789)
        var tables = DirectFromFrames()
        XCTAssertEqual(
            thrown { () throws(MapError) in
                try space.map(
                    Page(VirtualAddress(0x0040_0000)), to: frames.allocate()!, .kernelData,
                    tables: &tables, frames: &frames)
            }, .alreadyMapped)
        XCTAssertEqual(tables.tablesGiven, 0)
    }

    func testMissingTableFrameFailsWithoutMapping() {
        let m = M(megabytes: 4)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var empty = TablePool(size: 0)
        XCTAssertEqual(
            thrown { () throws(MapError) in
                try space.map(
                    Page(VirtualAddress(0xD000_0000)), to: frames.allocate()!, .kernelData,
                    tables: &empty, frames: &frames)
            }, .noTableFrame)
        XCTAssertNil(walkI386(m, root: space.root, 0xD000_0000))
        XCTAssertEqual(
            m.memory.load(fromByteOffset: Int(space.root.start.raw) + (0x340 * 4), as: UInt32.self), 0,
            "no directory entry was written")
    }

    func testEntryEncodingMatchesTheManual() {
        let f = Frame(PhysicalAddress(0x1234_5000))
        XCTAssertEqual(I386PageTable.encodePage(f, [.writable, .global]), 0x1234_5000 | 0x103)
        XCTAssertEqual(I386PageTable.encodePage(f, [.user]), 0x1234_5000 | 0x5)
        XCTAssertEqual(I386PageTable.encodePage(f, [.device]), 0x1234_5000 | 0x19, "PCD and PWT: uncached")
        XCTAssertEqual(I386PageTable.encodePage(f, [.borrowed]), 0x1234_5000 | 0x201, "bit 9, left to software")
        XCTAssertEqual(I386PageTable.decode(0x1234_5201, level: 0), .page(f, [.executable, .borrowed]))
        XCTAssertEqual(I386PageTable.decode(0x1234_5003, level: 1), .table(f))
        XCTAssertEqual(I386PageTable.decode(0x1234_5002, level: 0), .absent)
        XCTAssertEqual(I386PageTable.decode(0x1240_0083, level: 1), .block(PhysicalAddress(0x1240_0000), [.writable, .executable]))
        // Issue 21, §7: bits 21:12 of a 4 MiB entry (PAT, reserved) are no part of its base.
        XCTAssertEqual(I386PageTable.decode(0x127F_F083, level: 1), .block(PhysicalAddress(0x1240_0000), [.writable, .executable]))
    }
}
