import XCTest

@testable import KernelCore

final class MemoryMapTests: XCTestCase {
    func testOverlapsResolveToTheStrongerKindAndNeighboursMerge() {
        var map = MemoryMap()
        try? map.add(start: 0x20_0000, length: 0x10_0000, kind: .usable)  // out of order
        try? map.add(start: 0x10_0000, length: 0x10_0000, kind: .usable)
        try? map.add(start: 0x18_0000, length: 0x1000, kind: .reserved)  // hole inside
        try? map.add(start: 0x2F_F800, length: 0x1000, kind: .acpiReclaimable)  // straddles a page
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map.count, 4)
        XCTAssertEqual(map[0], MemoryRegion(start: 0x10_0000, end: 0x18_0000, kind: .usable))
        XCTAssertEqual(map[1], MemoryRegion(start: 0x18_0000, end: 0x18_1000, kind: .reserved))
        XCTAssertEqual(map[2], MemoryRegion(start: 0x18_1000, end: 0x2F_F000, kind: .usable))
        XCTAssertEqual(map[3], MemoryRegion(start: 0x2F_F800, end: 0x30_0800, kind: .acpiReclaimable))
        XCTAssertEqual(map.usableBytes, 0x8_0000 + 0x17_E000)
    }

    func testUsableMemoryIsClippedToPagesAndToTheLimit() {
        var map = MemoryMap()
        try? map.add(start: 0x123, length: 0x5000, kind: .usable)
        try? map.add(start: 0xF000_0000, length: 0x2000_0000, kind: .usable)
        map.normalize(pageSize: 4096, limit: 0xF000_1000)
        XCTAssertEqual(map.count, 2)
        XCTAssertEqual(map[0], MemoryRegion(start: 0x1000, end: 0x5000, kind: .usable))
        XCTAssertEqual(map[1], MemoryRegion(start: 0xF000_0000, end: 0xF000_1000, kind: .usable))
    }

    func testMemoryAboveTheLimitIsCountedNotSilentlyLost() {
        var map = MemoryMap()
        try? map.add(start: 0x10_0000, length: 0xD000_0000 - 0x10_0000, kind: .usable)  // runs past 0xC0000000
        try? map.add(start: 0x1_0000_0000, length: 0x2000_0000, kind: .usable)  // wholly above it
        try? map.add(start: 0xFEC0_0000, length: 0x1000, kind: .reserved)  // not usable: not counted
        let dropped = map.normalize(pageSize: 4096, limit: 0xC000_0000)
        XCTAssertEqual(dropped, 0x1000_0000 + 0x2000_0000)
        XCTAssertEqual(map.usableBytes, 0xC000_0000 - 0x10_0000)
        var below = MemoryMap()
        try? below.add(start: 0x10_0000, length: 0x100_0000, kind: .usable)
        XCTAssertEqual(below.normalize(pageSize: 4096, limit: 0xC000_0000), 0)
    }

    func testKernelReservationCarvesUsableMemory() {
        var map = MemoryMap()
        try? map.add(start: 0, length: 0x100_0000, kind: .usable)
        map.reserve(start: 0x10_0000, end: 0x13_4567, kind: .kernelImage)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map[0], MemoryRegion(start: 0, end: 0x10_0000, kind: .usable))
        XCTAssertEqual(map[1], MemoryRegion(start: 0x10_0000, end: 0x13_4567, kind: .kernelImage))
        XCTAssertEqual(map[2], MemoryRegion(start: 0x13_5000, end: 0x100_0000, kind: .usable))
    }

    func testBadEntriesAreRefusedNotTrusted() {
        var map = MemoryMap()
        XCTAssertEqual(mapEntryError(try map.add(start: UInt64.max - 10, length: 100, kind: .usable)), .wrapsAround)
        for i in 0..<MemoryMap.usableLimit { XCTAssertNoThrow(try map.add(start: UInt64(i) << 20, length: 4096, kind: .usable)) }
        XCTAssertEqual(mapEntryError(try map.add(start: 1 << 40, length: 4096, kind: .usable)), .full)
        XCTAssertFalse(map.lostReservation, "a usable entry that does not fit is RAM not used, not a lost reservation")
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map.count, MemoryMap.usableLimit)
    }

    /// Issue 21, bug 5.8: with the map full of usable ranges, the kernel's own
    /// image, code and guard page were dropped and became usable frames.
    func testNoNumberOfUsableRangesCrowdsOutAReservation() {
        var map = MemoryMap()
        var refused = 0
        for i in 0..<158 where mapEntryError(try map.add(start: 0x4000_0000 + UInt64(i) << 20, length: 1 << 20, kind: .usable)) == .full {
            refused += 1
        }
        XCTAssertEqual(refused, 158 - MemoryMap.usableLimit, "the usable ranges past the limit are refused (and reported)")
        map.reserve(start: 0x4010_0000, end: 0x4018_0000, kind: .kernelImage)
        map.reserve(start: 0x4010_0000, end: 0x4014_0000, kind: .kernelCode)
        map.reserve(start: 0x4019_0000, end: 0x4019_1000, kind: .guardPage)
        for i in 0..<20 { map.reserve(start: 0x4100_0000 + UInt64(i) << 16, length: 0x1000, kind: .reserved) }
        XCTAssertFalse(map.lostReservation)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertFalse(map.overflowed)
        for i in 0..<map.count where map[i].kind == .usable {
            XCTAssertFalse(map[i].start < 0x4018_0000 && map[i].end > 0x4010_0000, "the kernel's image is not usable")
            XCTAssertFalse(map[i].start < 0x4019_1000 && map[i].end > 0x4019_0000, "the guard page is not usable")
            for j in 0..<20 {
                let r = 0x4100_0000 + UInt64(j) << 16
                XCTAssertFalse(map[i].start < r + 0x1000 && map[i].end > r, "a reservation became usable")
            }
        }
    }

    /// A reservation with no room left marks the map lost, for the kernel to refuse.
    func testAReservationWithNoRoomMarksTheMapLost() {
        var map = MemoryMap()
        for i in 0..<MemoryMap.entryLimit { map.reserve(start: UInt64(i) << 20, length: 0x1000, kind: .reserved) }
        XCTAssertFalse(map.lostReservation)
        map.reserve(start: 1 << 40, length: 0x1000, kind: .kernelImage)
        XCTAssertTrue(map.lostReservation, "the reservation that found no room marks the map lost")
    }

    /// Issue 21, bugs 5.1 and 5.6: a reservation ending at or wrapping past 2^64
    /// trapped (start + size, alignUp), and so did a usable range starting at
    /// the last page.
    func testRangesAtTheTopOfTheAddressSpaceNeverTrap() {
        var map = MemoryMap()
        try? map.add(start: 0x10_0000, length: 0x10_0000, kind: .usable)
        XCTAssertNoThrow(try map.add(start: 0xFFFF_FFFF_FFFF_F000, length: 0xFFF, kind: .usable))
        map.reserve(start: 0xFFFF_FFFF_0000_0000, length: 0x2_0000_0000, kind: .reserved)  // clipped, kept
        map.reserve(start: 0xFFFF_FFFF_FFFF_E000, length: 0x2000, kind: .reserved)  // ends at exactly 2^64
        XCTAssertEqual(map.count, 4, "both reservations kept")
        XCTAssertFalse(map.lostReservation)
        XCTAssertEqual(mapEntryError(try map.add(start: 0xFFFF_FFFF_0000_0000, length: 0x2_0000_0000, kind: .usable)), .wrapsAround)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map.usableBytes, 0x10_0000)
        XCTAssertEqual(map[map.count - 1], MemoryRegion(start: 0xFFFF_FFFF_0000_0000, end: .max, kind: .reserved))
        XCTAssertEqual(alignUp(0xFFFF_FFFF_FFFF_F000, 4096), 0xFFFF_FFFF_FFFF_F000)
    }

    /// Issue 13, bug 2: a usable range in the last page of the 64-bit space trapped alignUp.
    func testARangeInTheLastPageOfTheAddressSpaceIsDroppedWithoutATrap() {
        var map = MemoryMap()
        XCTAssertNoThrow(try map.add(start: 0xFFFF_FFFF_FFFF_F001, length: 0xFFE, kind: .usable))
        try? map.add(start: 0x10_0000, length: 0x10_0000, kind: .usable)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map.count, 1)
        XCTAssertEqual(map.usableBytes, 0x10_0000)
    }

    /// Found by the Multiboot fuzzer: a usable entry inside one page, above the
    /// limit, aligned to nothing; the dropped-bytes sum underflowed before the
    /// empty piece was skipped.
    func testAnEntryWithNoWholePageAboveTheLimitIsSkippedWithoutATrap() {
        var map = MemoryMap()
        try? map.add(start: 0x10_0000, length: 0x7EE_0000, kind: .usable)
        try? map.add(start: 0xFFFF_FF7F_FFFF_F001, length: 0xFFE, kind: .usable)
        XCTAssertEqual(map.normalize(pageSize: 4096, limit: 16 << 20), 0x7EE_0000 - (15 << 20))
        XCTAssertEqual(map.usableBytes, 15 << 20)
    }

    /// Issue 13, bug 7: entries that overlap or meet at an unaligned address are merged before aligning.
    func testUsableEntriesMeetingUnalignedKeepTheirPages() {
        var map = MemoryMap()
        try? map.add(start: 0x10_0000, length: 0x800, kind: .usable)
        try? map.add(start: 0x10_0800, length: 0x1800, kind: .usable)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map.usableBytes, 0x2000, "both pages")
        var overlap = MemoryMap()
        try? overlap.add(start: 0x20_0000, length: 0xC00, kind: .usable)
        try? overlap.add(start: 0x20_0400, length: 0xC00, kind: .usable)
        overlap.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(overlap.usableBytes, 0x1000)
    }

    /// Issue 13, bug 3: many holes made the second normalize trap, and a full map
    /// dropped the bitmap's own reservation, so the allocator handed out its bitmap.
    func testAFragmentedMapNeverTrapsAndNeverLosesTheBitmapsFrames() {
        let m = EmulatedMachine<I386PageTable>(megabytes: 8)
        var map = MemoryMap()
        try? map.add(start: 0x10_0000, length: 0x70_0000, kind: .usable)
        for i in 0..<55 {  // one-page holes, as a Multiboot map can give
            try? map.add(start: 0x20_0000 + UInt64(i) * 0x2000, length: 0x1000, kind: .reserved)
        }
        map.normalize(pageSize: 4096, limit: .max)
        var frames = try! FrameAllocator(map: &map, pageSize: 4096, reach: { m.pointer(to: $0) })
        var bitmap: [MemoryRegion] = []
        for i in 0..<map.count where map[i].kind == .bootInfo { bitmap.append(map[i]) }
        XCTAssertEqual(bitmap.count, 1)
        while let f = frames.allocate() {
            XCTAssertFalse(bitmap[0].start <= f.start.raw && f.start.raw < bitmap[0].end, "the bitmap's frame handed out")
        }
        // A map with no room to record the bitmap is refused, not used.
        var full = MemoryMap()
        for i in 0..<MemoryMap.entryLimit {
            XCTAssertNoThrow(try full.add(start: UInt64(i) * 0x2000, length: 0x1000, kind: i % 2 == 0 ? .usable : .reserved))
        }
        XCTAssertEqual(mapEntryError(try full.add(start: 1 << 40, length: 4096, kind: .usable)), .full)
        XCTAssertFalse(full.lostReservation)
        full.normalize(pageSize: 4096, limit: .max)
        full.normalize(pageSize: 4096, limit: .max)  // again: no trap whatever the count
        let before = full
        XCTAssertThrowsError(try FrameAllocator(map: &full, pageSize: 4096, reach: { m.pointer(to: $0) })) {
            XCTAssertEqual($0 as? FrameAllocatorError, .mapFull)
        }
        XCTAssertEqual(full.count, before.count, "a refused map is left as it was")
    }

    /// normalize never traps and never keeps more than it can hold: pieces past the
    /// capacity are reported through `overflowed`. (Issue 21: nested ranges, as this
    /// test had, merge into three pieces and never reached the capacity.)
    func testNormalizeReportsPiecesThatDoNotFit() {
        // One usable range with a one-page hole every other page: each hole splits it again.
        func holed(_ holes: Int) -> MemoryMap {
            var map = MemoryMap()
            try? map.add(start: 0, length: 1 << 30, kind: .usable)
            for i in 0..<holes { map.reserve(start: UInt64(2 * i + 1) << 12, length: 0x1000, kind: .reserved) }
            return map
        }
        var map = holed(MemoryMap.entryLimit - 1)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertTrue(map.overflowed, "319 pieces cannot fit: the map says so")
        XCTAssertEqual(map.count, MemoryMap.capacity)
        var small = holed(70)
        small.normalize(pageSize: 4096, limit: .max)
        XCTAssertFalse(small.overflowed, "141 pieces fit")
        XCTAssertEqual(small.count, 141)
    }
}
