import XCTest
@testable import KernelCore

/// The TLSF heap against a reference model, on host memory handed out like sbrk.
final class HeapTests: XCTestCase {
    struct Live { let pointer: UnsafeMutableRawPointer; let size: Int; let tag: UInt8 }

    /// Deterministic generator, so a failure replays.
    struct SplitMix { var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    func randomSize(_ r: inout SplitMix) -> Int {
        switch r.below(100) {
        case 0..<70: return r.below(128) + 1
        case 70..<95: return r.below(4096) + 1
        case 95..<99: return r.below(65536) + 1
        default: return r.below(1 << 20) + 1
        }
    }

    func testRandomOperationsAgreeWithAReferenceModel() {
        var arena = HostArena(megabytes: 256)
        defer { arena.release() }
        var heap = Heap()
        var rng = SplitMix(state: 2026)
        var live: [Int: Live] = [:]
        var ids: [Int] = []  // live IDs in a replayable order
        var nextID = 0
        // Owner of each 16-byte granule of the arena: catches any overlap.
        var owner = [Int32](repeating: -1, count: Int(arena.capacity / 16))
        let base = UInt(bitPattern: arena.base)
        var pattern = [UInt8](repeating: 0, count: 1 << 20)

        func claim(_ l: Live, _ id: Int) {
            let first = Int((UInt(bitPattern: l.pointer) - base) / 16)
            let last = Int((UInt(bitPattern: l.pointer) + UInt(max(l.size, 1)) - 1 - base) / 16)
            for g in first...last {
                XCTAssertEqual(owner[g], -1, "block \(id) overlaps block \(owner[g])")
                owner[g] = Int32(id)
            }
        }
        func release(_ l: Live) {
            let first = Int((UInt(bitPattern: l.pointer) - base) / 16)
            let last = Int((UInt(bitPattern: l.pointer) + UInt(max(l.size, 1)) - 1 - base) / 16)
            for g in first...last { owner[g] = -1 }
        }
        func verify(_ l: Live, _ id: Int) {
            pattern.withUnsafeMutableBytes { p in
                memset(p.baseAddress!, Int32(l.tag), l.size)
                XCTAssertEqual(memcmp(p.baseAddress!, l.pointer, l.size), 0, "block \(id) contents changed")
            }
        }

        let operations = 120_000
        var allocations = 0, frees = 0, reallocs = 0, aligned = 0
        for _ in 0..<operations {
            let roll = rng.below(100)
            if roll < 45 || live.isEmpty {
                let size = randomSize(&rng)
                var alignment = 16
                if rng.below(8) == 0 { alignment = 1 << (4 + rng.below(9)); aligned += 1 }  // 16 B ... 4 KiB
                guard let p = heap.allocate(size, alignment: alignment, growth: &arena) else {
                    return XCTFail("allocation of \(size) failed with \(live.count) blocks live")
                }
                XCTAssertEqual(UInt(bitPattern: p) % UInt(alignment), 0, "alignment \(alignment)")
                XCTAssertGreaterThanOrEqual(heap.usableSize(p), size)
                let l = Live(pointer: p, size: size, tag: UInt8(truncatingIfNeeded: nextID) | 1)
                memset(p, Int32(l.tag), size)
                claim(l, nextID)
                live[nextID] = l
                ids.append(nextID)
                nextID += 1
                allocations += 1
            } else if roll < 90 {
                let slot = rng.below(ids.count)
                let id = ids[slot]
                ids.swapAt(slot, ids.count - 1); ids.removeLast()
                let l = live.removeValue(forKey: id)!
                verify(l, id)
                release(l)
                XCTAssertNil(heap.free(l.pointer))
                frees += 1
            } else {
                let id = ids[rng.below(ids.count)]
                let l = live[id]!
                let size = randomSize(&rng)
                verify(l, id)
                release(l)
                guard let p = heap.reallocate(l.pointer, to: size, growth: &arena) else {
                    return XCTFail("realloc to \(size) failed")
                }
                // The kept prefix survives; the rest is refilled.
                let kept = min(size, l.size)
                pattern.withUnsafeMutableBytes { b in
                    memset(b.baseAddress!, Int32(l.tag), kept)
                    XCTAssertEqual(memcmp(b.baseAddress!, p, kept), 0, "realloc lost contents")
                }
                let n = Live(pointer: p, size: size, tag: l.tag)
                memset(p, Int32(n.tag), size)
                claim(n, id)
                live[id] = n
                reallocs += 1
            }
        }
        XCTAssertGreaterThan(allocations, 40_000)
        XCTAssertGreaterThan(frees, 30_000)
        XCTAssertGreaterThan(reallocs, 8_000)
        XCTAssertGreaterThan(aligned, 4_000)
        for (id, l) in live { verify(l, id); XCTAssertNil(heap.free(l.pointer)) }
        XCTAssertEqual(heap.usedBytes, 0)
        // Everything coalesced: one free block holds 90 % of the heap (TLSF
        // rounds a request up to its class, at most 1/16, so ask a bit less).
        let whole = Int(heap.heapBytes) / 10 * 9
        let before = arena.used
        let all = heap.allocate(whole, growth: &arena)
        XCTAssertNotNil(all)
        XCTAssertEqual(arena.used, before, "a fully coalesced heap needed no growth")
    }

    func testMisuseIsReportedAndLeavesTheHeapIntact() {
        var arena = HostArena(megabytes: 1)
        defer { arena.release() }
        var heap = Heap()
        let a = heap.allocate(100, growth: &arena)!
        let b = heap.allocate(100, growth: &arena)!
        memset(b, 0x5B, 100)
        XCTAssertNil(heap.free(a))
        XCTAssertEqual(heap.free(a), .doubleFree(UInt(bitPattern: a)))
        let stack = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer { stack.deallocate() }
        XCTAssertEqual(heap.free(stack), .foreignPointer(UInt(bitPattern: stack)))
        XCTAssertEqual(heap.free(b + 8), .foreignPointer(UInt(bitPattern: b + 8)), "misaligned interior pointer")
        // A smashed header is caught, not followed.
        let header = (b - 8).assumingMemoryBound(to: UInt.self)
        let saved = header.pointee
        header.pointee = 0xDEAD_BEE0  // a stride running past the heap
        XCTAssertEqual(heap.free(b), .corruptBlock(UInt(bitPattern: b)))
        header.pointee = saved
        XCTAssertEqual(UnsafeRawBufferPointer(start: b, count: 100).allSatisfy { $0 == 0x5B }, true)
        XCTAssertNil(heap.free(b))
        XCTAssertEqual(heap.usedBytes, 0)
    }

    func testExhaustionIsAValueAndTheHeapStaysUsable() {
        var arena = HostArena(megabytes: 1)
        defer { arena.release() }
        var heap = Heap()
        var blocks: [UnsafeMutableRawPointer] = []
        while let p = heap.allocate(1000, growth: &arena) { blocks.append(p) }
        XCTAssertGreaterThan(blocks.count, 1000)
        XCTAssertGreaterThan(Double(heap.usedBytes) / Double(arena.capacity), 0.98, "heap use at first failure")
        XCTAssertNil(heap.allocate(Int.max, growth: &arena))
        XCTAssertNil(heap.allocate(16, alignment: 3, growth: &arena))
        XCTAssertNil(heap.free(blocks.removeLast()))
        XCTAssertNotNil(heap.allocate(1000, growth: &arena), "freed room is reused")
    }

    func testGrowthMergesWithTheTopBlockInsteadOfLeavingSentinels() {
        var arena = HostArena(megabytes: 8)
        defer { arena.release() }
        var heap = Heap()
        for _ in 0..<100 { XCTAssertNotNil(heap.allocate(30_000, growth: &arena)) }
        XCTAssertEqual(heap.regions, 1, "contiguous growth stays one region")
        // Memory asked for tracks memory used: no per-growth overhead piling up.
        XCTAssertLessThan(Double(arena.used), Double(heap.usedBytes) * 1.1)
    }
}
