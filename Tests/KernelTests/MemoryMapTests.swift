import XCTest
@testable import KernelCore

final class MemoryMapTests: XCTestCase {
    func testOverlapsResolveToTheStrongerKindAndNeighboursMerge() {
        var map = MemoryMap()
        map.add(start: 0x20_0000, length: 0x10_0000, kind: .usable)      // out of order
        map.add(start: 0x10_0000, length: 0x10_0000, kind: .usable)
        map.add(start: 0x18_0000, length: 0x1000, kind: .reserved)       // hole inside
        map.add(start: 0x2F_F800, length: 0x1000, kind: .acpiReclaimable) // straddles a page
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
        map.add(start: 0x123, length: 0x5000, kind: .usable)
        map.add(start: 0xF000_0000, length: 0x2000_0000, kind: .usable)
        map.normalize(pageSize: 4096, limit: 0xF000_1000)
        XCTAssertEqual(map.count, 2)
        XCTAssertEqual(map[0], MemoryRegion(start: 0x1000, end: 0x5000, kind: .usable))
        XCTAssertEqual(map[1], MemoryRegion(start: 0xF000_0000, end: 0xF000_1000, kind: .usable))
    }

    func testMemoryAboveTheLimitIsCountedNotSilentlyLost() {
        var map = MemoryMap()
        map.add(start: 0x10_0000, length: 0xD000_0000 - 0x10_0000, kind: .usable)   // runs past 0xC0000000
        map.add(start: 0x1_0000_0000, length: 0x2000_0000, kind: .usable)           // wholly above it
        map.add(start: 0xFEC0_0000, length: 0x1000, kind: .reserved)                // not usable: not counted
        let dropped = map.normalize(pageSize: 4096, limit: 0xC000_0000)
        XCTAssertEqual(dropped, 0x1000_0000 + 0x2000_0000)
        XCTAssertEqual(map.usableBytes, 0xC000_0000 - 0x10_0000)
        var below = MemoryMap()
        below.add(start: 0x10_0000, length: 0x100_0000, kind: .usable)
        XCTAssertEqual(below.normalize(pageSize: 4096, limit: 0xC000_0000), 0)
    }

    func testKernelReservationCarvesUsableMemory() {
        var map = MemoryMap()
        map.add(start: 0, length: 0x100_0000, kind: .usable)
        map.reserve(start: 0x10_0000, end: 0x13_4567, kind: .kernelImage)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map[0], MemoryRegion(start: 0, end: 0x10_0000, kind: .usable))
        XCTAssertEqual(map[1], MemoryRegion(start: 0x10_0000, end: 0x13_4567, kind: .kernelImage))
        XCTAssertEqual(map[2], MemoryRegion(start: 0x13_5000, end: 0x100_0000, kind: .usable))
    }

    func testBadEntriesAreRefusedNotTrusted() {
        var map = MemoryMap()
        XCTAssertEqual(map.add(start: UInt64.max - 10, length: 100, kind: .usable), .wrapsAround)
        for i in 0..<MemoryMap.rawLimit { XCTAssertNil(map.add(start: UInt64(i) << 20, length: 4096, kind: .usable)) }
        XCTAssertEqual(map.add(start: 1 << 40, length: 4096, kind: .usable), .full)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map.count, MemoryMap.rawLimit)
    }
}
