import XCTest

@testable import KernelCore

/// Multiboot info built byte by byte in a fake physical memory, good and damaged.
final class MultibootTests: XCTestCase {
    var memory = [UInt8](repeating: 0, count: 0x8000)

    func put32(_ at: Int, _ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { memory.replaceSubrange(at..<at + 4, with: $0) } }
    func put64(_ at: Int, _ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { memory.replaceSubrange(at..<at + 8, with: $0) } }

    /// Info at 0x1000 with flags; command line at 0x2000; map entries at 0x3000.
    func build(flags: UInt32, cmdline: String = "", entries: [(UInt32, UInt64, UInt64, UInt32)] = [], mapLength: UInt32? = nil) {
        put32(0x1000, flags)
        put32(0x1004, 639)  // mem_lower KiB
        put32(0x1008, 31 * 1024)  // mem_upper KiB
        put32(0x1010, 0x2000)
        for (i, b) in cmdline.utf8.enumerated() { memory[0x2000 + i] = b }
        memory[0x2000 + cmdline.utf8.count] = 0
        var at = 0x3000
        for (size, base, length, type) in entries {
            put32(at, size); put64(at + 4, base); put64(at + 12, length); put32(at + 20, type)
            at += Int(size) + 4
        }
        put32(0x102C, mapLength ?? UInt32(at - 0x3000))
        put32(0x1030, 0x3000)
    }

    func parse(_ map: inout MemoryMap) -> MultibootInfo {
        memory.withUnsafeBytes { raw in
            MultibootInfo(info: 0x1000, into: &map) { address, length in
                address + UInt64(length) <= UInt64(raw.count) ? raw.baseAddress! + Int(address) : nil
            }
        }
    }

    func testReadsTheMapAndTheCommandLine() {
        build(
            flags: 1 | 4 | 64, cmdline: "kernel pt=pool:4 ram=x",
            entries: [(20, 0, 0x9FC00, 1), (20, 0x9FC00, 0x400, 2), (20, 0x10_0000, 0x1EF_0000, 1), (20, 0xFFFC_0000, 0x4_0000, 2)])
        var map = MemoryMap()
        let info = parse(&map)
        XCTAssertEqual(info.problemCount, 0)
        XCTAssertFalse(info.usedBasicSizes)
        XCTAssertEqual(map.count, 4)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map.usableBytes, 0x9F000 + 0x1EF_0000)
        XCTAssertEqual(map.usableTop, 0x1FF_0000)
        XCTAssertTrue(info.commandLine.value(of: "pt")!.equals("pool:4"))
        XCTAssertNil(info.commandLine.value(of: "p"))
        XCTAssertEqual(info.structures[2], MemoryRegion(start: 0x3000, end: 0x3000 + 96, kind: .bootInfo))
    }

    func testDamagedMapIsReportedAndTheBasicSizesAreUsed() {
        build(flags: 1 | 64, entries: [(20, 0x10_0000, 0x100_0000, 1), (7, 0, 0, 1)], mapLength: 48)
        var map = MemoryMap()
        let info = parse(&map)
        XCTAssertEqual(info.problems[0], .badEntrySize(index: 1, size: 7))
        XCTAssertTrue(info.usedBasicSizes)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map.usableTop, 0x10_0000 + 31 * 1024 * 1024, "fell back to mem_upper, not a guess")
    }

    func testOversizedOrUnreachableMapsAreRefused() {
        build(flags: 64, entries: [(20, 0, 0x1000, 1)], mapLength: 0x10_0000)
        var map = MemoryMap()
        var info = parse(&map)
        XCTAssertEqual(info.problems[0], .mapTooLong(0x10_0000))
        XCTAssertEqual(info.problems[1], .noMemoryInformation)
        XCTAssertEqual(map.count, 0)

        build(flags: 64, entries: [(20, UInt64.max - 10, 0x1000, 1)])
        map = MemoryMap()
        info = parse(&map)
        XCTAssertEqual(info.problems[0], .entryWraps(index: 0))
        XCTAssertEqual(map.count, 0)

        map = MemoryMap()
        info = memory.withUnsafeBytes { _ in MultibootInfo(info: 0x1000, into: &map) { _, _ in nil } }
        XCTAssertEqual(info.problems[0], .unreadableInfo)
    }

    func testStrategyNamesParseAndBadOnesAreRefused() {
        func parse(_ s: String) -> TableStrategy? {
            s.withCString {
                TableStrategy.parse(ByteString(cString: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), limit: 99), levels: 4)
            }
        }
        XCTAssertEqual(parse("spare")?.kind, .spare)
        XCTAssertEqual(parse("spare")?.spare.capacity, 3, "one spare per non-root level")
        XCTAssertEqual(parse("pool:12")?.kind, .pool)
        XCTAssertEqual(parse("pool:12")?.pool.size, 12)
        XCTAssertEqual(parse("prereserve")?.kind, .prereserved)
        XCTAssertEqual(parse("direct")?.kind, .direct)
        XCTAssertEqual(parse("tail")?.kind, .tail)
        XCTAssertEqual(parse("tail")?.tail.capacity, 3)
        for bad in ["", "spares", "pool:", "pool:65", "pool:x", "pool:-1", "Spare"] { XCTAssertNil(parse(bad), bad) }
    }

    /// Issue 13, bug 4: the command line was checked for one byte, then read up to 1,024.
    func testAnUnterminatedCommandLineAtTheEndOfReadableMemoryIsNotReadPast() {
        build(flags: 1 | 4)
        put32(0x1010, UInt32(memory.count - 16))  // 16 bytes before the end
        for i in 0..<16 { memory[memory.count - 16 + i] = 0x41 }  // no NUL before the end
        var map = MemoryMap()
        var asked = 0
        let info = memory.withUnsafeBytes { raw in
            MultibootInfo(info: 0x1000, into: &map) { address, length in
                if address + UInt64(length) > UInt64(raw.count) { return nil }
                asked = max(asked, Int(address) + length)
                return raw.baseAddress! + Int(address)
            }
        }
        XCTAssertLessThanOrEqual(asked, memory.count)
        XCTAssertEqual(info.commandLine.count, 0)
        XCTAssertEqual(info.problemCount, 1)
        XCTAssertEqual(info.problems[0], .commandLineUnterminated)
        // Terminated just before the end: read whole.
        memory[memory.count - 1] = 0
        var map2 = MemoryMap()
        XCTAssertEqual(parse(&map2).commandLine.count, 15)
    }

    /// Issue 21, bug 5.9: entries past the 56th were ignored even when
    /// reserved, so a reserved range there became usable.
    func testAReservedEntryLateInALongMapStillWins() {
        var entries: [(UInt32, UInt64, UInt64, UInt32)] = [(20, 0x10_0000, 0x4000_0000, 1)]
        for i in 0..<60 { entries.append((20, 0x4100_0000 + UInt64(i) << 16, 0x1000, 1)) }  // many small usable ones
        entries.append((20, 0x20_0000, 0x1000, 2))  // the 62nd: reserved
        build(flags: 1 | 64, entries: entries)
        var map = MemoryMap()
        let info = parse(&map)
        XCTAssertFalse(info.usedBasicSizes)
        map.normalize(pageSize: 4096, limit: .max)
        for i in 0..<map.count where map[i].kind == .usable {
            XCTAssertFalse(map[i].start < 0x20_1000 && map[i].end > 0x20_0000, "the late reserved entry became usable")
        }
        XCTAssertEqual(map.usableBytes, 0x4000_0000 - 0x1000 + 60 * 0x1000)
    }

    /// Issue 21, bug 5.10: a map of zero-length entries counted as a map, so the
    /// basic sizes were not used and the kernel found no RAM.
    func testAMapWithNoUsableRangeFallsBackToTheBasicSizes() {
        build(flags: 1 | 64, entries: [(20, 0x10_0000, 0, 1), (20, 0x20_0000, 0, 1), (20, 0xFEC0_0000, 0x1000, 2)])
        var map = MemoryMap()
        let info = parse(&map)
        XCTAssertTrue(info.usedBasicSizes)
        map.normalize(pageSize: 4096, limit: .max)
        XCTAssertEqual(map.usableTop, 0x10_0000 + 31 * 1024 * 1024)
        XCTAssertTrue(
            (0..<map.count).contains { map[$0] == MemoryRegion(start: 0xFEC0_0000, end: 0xFEC0_1000, kind: .reserved) },
            "the map's reservation still stands")
    }

    /// Issue 21, bug 5.7: an entry size of 2^31 or more trapped Int(size) on i386.
    /// (The host's Int is 64-bit; the parser fuzzer's 32-bit build reaches the same code.)
    func testAHugeEntrySizeIsABadSizeNotATrap() {
        build(flags: 1 | 64, entries: [(20, 0x10_0000, 0x100_0000, 1)], mapLength: 48)
        put32(0x3018, 0x8000_0000)  // the second entry's size field
        var map = MemoryMap()
        let info = parse(&map)
        XCTAssertEqual(info.problems[0], .badEntrySize(index: 1, size: 0x8000_0000))
    }

    /// More usable entries than the map holds: the RAM past the limit is
    /// reported once, not once an entry (filling the four problem slots).
    func testTooManyEntriesIsReportedOnce() {
        let n = MemoryMap.usableLimit + 10
        build(flags: 1 | 64, entries: (0..<n).map { (20, 0x10_0000 + UInt64($0) << 20, 0x1000, 1) })
        var map = MemoryMap()
        let info = parse(&map)
        XCTAssertEqual(info.problemCount, 1)
        XCTAssertEqual(info.problems[0], .tooManyEntries)
        XCTAssertFalse(info.usedBasicSizes)
    }
}
