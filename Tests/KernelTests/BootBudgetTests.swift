import XCTest

@testable import KernelCore

final class BootBudgetTests: XCTestCase {
    func testTablesCountEveryBlockARangeTouchesAtEachLevel() {
        // i386: one level below the root, 4 MiB per leaf table.
        XCTAssertEqual(BootBudget.tables(I386PageTable.self, start: 0x1000, end: 0x40_0000), 1)
        XCTAssertEqual(BootBudget.tables(I386PageTable.self, start: 0x3F_F000, end: 0x40_1000), 2)
        XCTAssertEqual(BootBudget.tables(I386PageTable.self, start: 0, end: 0x1000_0000), 64)
        XCTAssertEqual(BootBudget.tables(I386PageTable.self, start: 0x5000, end: 0x5000), 0)
        // aarch64 4-level: 2 MiB leaf, 1 GiB level 1, 512 GiB level 2 tables.
        XCTAssertEqual(BootBudget.tables(AArch64PageTable.self, start: 0x4000_0000, end: 0x4020_0000), 3)
        XCTAssertEqual(BootBudget.tables(AArch64PageTable.self, start: 0x4000_0000, end: 0x8000_0000), 512 + 1 + 1)
    }

    func testBudgetAddsTablesSetAsideAndHeapPerStrategy() {
        var boot = BootInfo()
        try? boot.map.add(start: 0x10_0000, length: 0x70_0000, kind: .usable)  // 1 MiB .. 8 MiB: two leaf tables
        boot.map.normalize(pageSize: 4096, limit: 0xC000_0000)
        boot.addDevice(start: 0xB000_0000, bytes: 0x1000)  // one more leaf table
        let window = VirtualRange(start: VirtualAddress(0xD000_0000), end: VirtualAddress(0xE000_0000))
        func budget(_ pt: String) -> BootBudget {
            let strategy = pt.utf8CString.withUnsafeBufferPointer { p in
                TableStrategy.parse(
                    ByteString(cString: UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: UInt8.self), limit: 32),
                    levels: I386PageTable.levels)!
            }
            return BootBudget.make(
                I386PageTable.self, boot: boot, directLimit: 0xC000_0000, strategy: strategy,
                heapWindow: window, heapBytes: 5 << 20, setAside: 512)
        }
        let spare = budget("spare")
        XCTAssertEqual(spare, BootBudget(rootTables: 1, directMapTables: 3, heapTables: 2 + 1, setAside: 512, heapPages: 1280))
        XCTAssertEqual(spare.frames, 1 + 3 + 3 + 512 + 1280)
        XCTAssertEqual(budget("prereserve").heapTables, 64)
        XCTAssertEqual(budget("direct").heapTables, 2)
        XCTAssertEqual(budget("pool:9").heapTables, 9)
        XCTAssertEqual(budget("pool:1").heapTables, 2, "a pool smaller than what the heap needs: the heap's tables count")
        XCTAssertEqual(budget("tail").heapTables, 3)
    }

    /// Issue 21, bug 5.1: a reservation ending at 2^64 - 1 trapped alignUp in the budget.
    func testARegionAtTheTopOfTheAddressSpaceDoesNotTrap() {
        var boot = BootInfo()
        try? boot.map.add(start: 0x4000_0000, length: 0x800_0000, kind: .usable)
        boot.map.reserve(start: 0xFFFF_FFFF_FFFF_0000, length: 0x1_0000, kind: .reserved)
        boot.map.reserve(start: 0xFFFF_FFFF_FFFF_F000, length: 0x5000, kind: .reserved)  // wraps: clipped
        boot.map.normalize(pageSize: 4096, limit: .max)
        let window = VirtualRange(start: VirtualAddress(0x10_0000_0000), end: VirtualAddress(0x10_4000_0000))
        let name: StaticString = "direct"
        let direct = TableStrategy.parse(ByteString(base: name.utf8Start, count: name.utf8CodeUnitCount), levels: 4)!
        let b = BootBudget.make(
            AArch64PageTable.self, boot: boot, directLimit: 0x100_0000_0000, strategy: direct,
            heapWindow: window, heapBytes: 1 << 20, setAside: 0)
        XCTAssertEqual(
            b.directMapTables, BootBudget.tables(AArch64PageTable.self, start: 0x4000_0000, end: 0x4800_0000),
            "the region above the direct map's limit needs no tables")
    }
}
