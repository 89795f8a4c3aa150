import XCTest

@testable import KernelCore

/// The symbol table ci/kernel_symbols.py writes, and the frame walker.
final class BacktraceTests: XCTestCase {
    /// A table in the layout kernel_symbols.py writes: (offset, name) entries
    /// ascending, the code's end last, then NUL-terminated names.
    func makeTable(_ functions: [(UInt32, String)], end: UInt32) -> [UInt8] {
        var names: [UInt8] = [], entries: [(UInt32, UInt32)] = []
        let header = 8 + 8 * (functions.count + 1)
        for (start, name) in functions {
            entries.append((start, UInt32(header + names.count)))
            names += Array(name.utf8) + [0]
        }
        entries.append((end, 0))
        var bytes: [UInt8] = Array("KSYM".utf8)
        func word(_ v: UInt32) { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
        word(UInt32(functions.count))
        for (a, b) in entries { word(a); word(b) }
        return bytes + names
    }

    func testLookupFindsTheFunctionAndOffsetAndNothingOutsideTheCode() {
        let bytes = makeTable([(0x10, "_start"), (0x40, "kernelMain(_:_:)"), (0x100, "OUTLINED_FUNCTION_3")], end: 0x180)
        bytes.withUnsafeBytes { raw in
            let t = SymbolTable(table: raw.baseAddress!, bytes: raw.count, imageBase: 0x10_0000)!
            XCTAssertEqual(t.count, 3)
            let hit = t.lookup(0x10_0045)!
            XCTAssertTrue(hit.name.equals("kernelMain(_:_:)"))
            XCTAssertEqual(hit.offset, 5)
            XCTAssertTrue(t.lookup(0x10_0010)!.name.equals("_start"))
            XCTAssertTrue(t.lookup(0x10_017F)!.name.equals("OUTLINED_FUNCTION_3"))
            XCTAssertNil(t.lookup(0x10_000F))  // before the first function
            XCTAssertNil(t.lookup(0x10_0180))  // past the code's end
            XCTAssertNil(t.lookup(0x5))  // below the image
        }
    }

    func testOutlinedCodeIsNamedAfterTheFunctionItCameFrom() {
        let bytes = makeTable([(0x40, "kernelMain(_:_:)"), (0x100, "OUTLINED_FUNCTION_3")], end: 0x180)
        bytes.withUnsafeBytes { raw in
            let t = SymbolTable(table: raw.baseAddress!, bytes: raw.count, imageBase: 0)!
            let d = t.describe(0x104, link: 0x60)!
            XCTAssertTrue(d.name.equals("OUTLINED_FUNCTION_3"))
            XCTAssertTrue(d.outlinedFrom!.name.equals("kernelMain(_:_:)"))
            XCTAssertEqual(d.outlinedFrom!.offset, 0x20)
            XCTAssertNil(t.describe(0x50, link: 0x60)!.outlinedFrom)  // ordinary code: no caller named
            XCTAssertNil(t.describe(0x104, link: nil)!.outlinedFrom)
        }
    }

    func testAnEmptyOrDamagedTableIsRefused() {
        let empty = [UInt8](repeating: 0, count: 64)
        empty.withUnsafeBytes { XCTAssertNil(SymbolTable(table: $0.baseAddress!, bytes: $0.count, imageBase: 0)) }
        var huge = makeTable([(0x40, "f")], end: 0x80)
        huge[4] = 0xFF; huge[5] = 0xFF  // a count the bytes cannot hold
        huge.withUnsafeBytes { XCTAssertNil(SymbolTable(table: $0.baseAddress!, bytes: $0.count, imageBase: 0)) }
    }

    /// A fake stack: word index -> value; frame records at ascending addresses.
    func walk(_ memory: [UInt: UInt], from fp: UInt, low: UInt, high: UInt, limit: Int = 10) -> ([UInt], WalkEnd, [UInt]) {
        var seen: [UInt] = [], reads: [UInt] = []
        let end = FrameWalker.walk(
            framePointer: fp, stackLow: low, stackHigh: high, limit: limit,
            read: {
                reads.append($0); return memory[$0] ?? 0
            }
        ) { seen.append($0) }
        return (seen, end, reads)
    }

    func testWalkFollowsTheChainToTheOutermostFrame() {
        let w = UInt(MemoryLayout<UInt>.size)
        let memory: [UInt: UInt] = [
            0x1000: 0x1040, 0x1000 + w: 0xAAA, 0x1040: 0x1100, 0x1040 + w: 0xBBB,
            0x1100: 0, 0x1100 + w: 0xCCC,
        ]
        let (seen, end, _) = walk(memory, from: 0x1000, low: 0x1000, high: 0x2000)
        XCTAssertEqual(seen, [0xAAA, 0xBBB, 0xCCC])
        XCTAssertEqual(end, .outermost)
    }

    func testWalkReadsRecordsBelowTheFramePointer() {
        // RISC-V: the frame pointer names the top of the frame, [caller's fp, ra] are the two words below.
        let w = UInt(MemoryLayout<UInt>.size)
        let memory: [UInt: UInt] = [
            0x1040 - 2 * w: 0x1100, 0x1040 - w: 0xAAA, 0x1100 - 2 * w: 0x2000, 0x1100 - w: 0xBBB,
            0x2000 - 2 * w: 0, 0x2000 - w: 0xCCC,
        ]
        var seen: [UInt] = [], reads: [UInt] = []
        let end = FrameWalker.walk(
            framePointer: 0x1040, recordOffset: -2 * Int(w), stackLow: 0x1000, stackHigh: 0x2000, limit: 10,
            read: {
                reads.append($0); return memory[$0] ?? 0
            }
        ) { seen.append($0) }
        XCTAssertEqual(seen, [0xAAA, 0xBBB, 0xCCC])
        XCTAssertEqual(end, .outermost)
        // The outermost frame's pointer is the stack's top itself: its record is inside, and read.
        XCTAssertTrue(reads.contains(0x2000 - w))
        XCTAssertTrue(reads.allSatisfy { $0 >= 0x1000 && $0 < 0x2000 })
        // A frame pointer whose record would start below the stack is not read.
        reads = []
        let low = FrameWalker.walk(
            framePointer: 0x1008, recordOffset: -2 * Int(w), stackLow: 0x1000, stackHigh: 0x2000, limit: 10,
            read: {
                reads.append($0); return 0
            }
        ) { _ in }
        XCTAssertEqual(low, .outsideStack(0x1008))
        XCTAssertTrue(reads.isEmpty)
    }

    func testWalkNeverReadsOutsideTheStack() {
        let w = UInt(MemoryLayout<UInt>.size)
        // The second record points below the stack (an overflow into the guard page).
        let memory: [UInt: UInt] = [0x1000: 0x0F00, 0x1000 + w: 0xAAA]
        let (seen, end, reads) = walk(memory, from: 0x1000, low: 0x1000, high: 0x2000)
        XCTAssertEqual(seen, [0xAAA])
        XCTAssertEqual(end, .outsideStack(0x0F00))
        XCTAssertTrue(reads.allSatisfy { $0 >= 0x1000 && $0 < 0x2000 })
        // A record whose second word would lie past the top is not read either.
        let (_, top, topReads) = walk([:], from: 0x2000 - w, low: 0x1000, high: 0x2000)
        XCTAssertEqual(top, .outsideStack(0x2000 - w))
        XCTAssertTrue(topReads.isEmpty)
        XCTAssertEqual(walk([:], from: 0x1001, low: 0x1000, high: 0x2000).1, .outsideStack(0x1001))  // misaligned
    }

    func testWalkStopsOnALoopOrAtTheDepthLimit() {
        let w = UInt(MemoryLayout<UInt>.size)
        let loop: [UInt: UInt] = [0x1000: 0x1000, 0x1000 + w: 0xAAA]  // a record pointing at itself
        XCTAssertEqual(walk(loop, from: 0x1000, low: 0x1000, high: 0x2000).1, .notAscending(0x1000))
        var chain: [UInt: UInt] = [:]
        for i in 0..<20 { chain[0x1000 + UInt(i) * 0x20] = 0x1000 + UInt(i + 1) * 0x20; chain[0x1000 + UInt(i) * 0x20 + w] = 1 }
        let (seen, end, _) = walk(chain, from: 0x1000, low: 0x1000, high: 0x2000, limit: 5)
        XCTAssertEqual(seen.count, 5)
        XCTAssertEqual(end, .depthLimit)
    }
}
