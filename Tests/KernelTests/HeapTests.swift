import XCTest

@testable import KernelCore

/// The TLSF heap against a reference model, on host memory handed out like sbrk.
final class HeapTests: XCTestCase {
    struct Live { let pointer: UnsafeMutableRawPointer; let size: Int; let tag: UInt8 }

    /// Deterministic generator, so a failure replays.
    struct SplitMix {
        var state: UInt64
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
        randomOperations(count: 120_000, debug: false, checkEvery: 5_000)
    }

    func testRandomOperationsInDebugModeStayConsistent() {
        randomOperations(count: 20_000, debug: true, checkEvery: 200)
    }

    func randomOperations(count operations: Int, debug: Bool, checkEvery: Int) {
        var arena = HostArena(megabytes: 256)
        defer { arena.release() }
        var heap = Heap(debug: debug)
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

        var allocations = 0, frees = 0, reallocs = 0, aligned = 0
        for op in 0..<operations {
            if op % checkEvery == 0 {
                let (_, problem) = heap.check()
                XCTAssertNil(problem, "heap inconsistent before op \(op)")
                if problem != nil { return }
            }
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
                XCTAssertNil(heap.refusal(freeing: l.pointer))
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
        XCTAssertGreaterThan(allocations, operations / 3)
        XCTAssertGreaterThan(frees, operations / 4)
        XCTAssertGreaterThan(reallocs, operations / 15)
        XCTAssertGreaterThan(aligned, operations / 30)
        XCTAssertEqual(arena.found, [], "debug checks fired on correct use")
        for (id, l) in live { verify(l, id); XCTAssertNil(heap.refusal(freeing: l.pointer)) }
        XCTAssertEqual(heap.usedBytes, 0)
        XCTAssertNil(heap.check().1)
        heap.flushCache()
        XCTAssertEqual(heap.cachedBytes, 0)
        let (census, problem) = heap.check()
        XCTAssertNil(problem)
        XCTAssertEqual(census.freeBlocks, 1, "everything freed coalesces into one block")
        XCTAssertEqual(census.usedBlocks, 0)
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
        XCTAssertNil(heap.refusal(freeing: a))
        let second = heap.refusal(freeing: a)
        if case .doubleFree(UInt(bitPattern: a), _)? = second {} else { XCTFail("double free not reported") }
        let stack = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer { stack.deallocate() }
        XCTAssertEqual(heap.refusal(freeing: stack), .foreignPointer(UInt(bitPattern: stack)))
        XCTAssertEqual(heap.refusal(freeing: b + 8), .foreignPointer(UInt(bitPattern: b + 8)), "misaligned interior pointer")
        // A smashed header is caught, not followed.
        let header = (b - 8).assumingMemoryBound(to: UInt.self)
        let saved = header.pointee
        header.pointee = 0xDEAD_BEE0  // a stride running past the heap
        XCTAssertEqual(heap.refusal(freeing: b), .corruptBlock(UInt(bitPattern: b), header: 0xDEAD_BEE0))
        header.pointee = saved
        XCTAssertEqual(UnsafeRawBufferPointer(start: b, count: 100).allSatisfy { $0 == 0x5B }, true)
        XCTAssertNil(heap.refusal(freeing: b))
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
        XCTAssertNil(heap.refusal(freeing: blocks.removeLast()))
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

    // MARK: debug mode: each detection fires

    func testDebugModeCatchesEachMisuse() {
        var arena = HostArena(megabytes: 4)
        defer { arena.release() }
        var heap = Heap(debug: true)
        let a = heap.allocate(100, growth: &arena)!
        let b = heap.allocate(100, alignment: 256, growth: &arena)!
        XCTAssertEqual(UInt(bitPattern: b) % 256, 0)
        XCTAssertEqual(heap.usableSize(a), 100)

        // One byte past the end hits the canary; the free is refused.
        a.storeBytes(of: 0xFF, toByteOffset: 100, as: UInt8.self)
        XCTAssertEqual(heap.refusal(freeing: a), .canaryOverwritten(UInt(bitPattern: a), offset: 100))
        a.storeBytes(of: Heap.canary, toByteOffset: 100, as: UInt8.self)
        XCTAssertNil(heap.refusal(freeing: a))

        // Freeing it again: the block is poison now, and says so.
        let secondFree = heap.refusal(freeing: a)
        if case .doubleFree(UInt(bitPattern: a), _)? = secondFree {} else { XCTFail("double free not caught") }
        // A pointer into the middle of a live block (the user's data where the magic should be),
        // and one from outside the heap.
        memset(b, 0, 100)
        XCTAssertEqual(heap.refusal(freeing: b + 16), .badMagic(UInt(bitPattern: b + 16), found: 0))
        let outside = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer { outside.deallocate() }
        XCTAssertEqual(heap.refusal(freeing: outside), .foreignPointer(UInt(bitPattern: outside)))

        // Use after free: write into the freed block, then reuse it.
        a.storeBytes(of: 0x41, toByteOffset: 40, as: UInt8.self)
        XCTAssertEqual(arena.found, [])
        let again = heap.allocate(100, growth: &arena)
        XCTAssertNotNil(again, "the allocation that finds the write still succeeds")
        XCTAssertEqual(arena.found.count, 1, "the finding reaches the growth source once")
        guard case .useAfterFree(_, _)? = arena.found.first else { return XCTFail("use after free not caught") }
        XCTAssertNil(heap.check().1, "the misuse left the heap consistent")
    }

    func testConsistencyCheckFindsDamage() {
        var arena = HostArena(megabytes: 1)
        defer { arena.release() }
        var heap = Heap()
        var blocks: [UnsafeMutableRawPointer] = []
        for i in 0..<50 { blocks.append(heap.allocate(32 + i * 8, growth: &arena)!) }
        for i in stride(from: 0, to: 50, by: 3) { XCTAssertNil(heap.refusal(freeing: blocks[i])) }
        var (census, problem) = heap.check()
        XCTAssertNil(problem)
        XCTAssertEqual(census.usedBlocks, 50 - 17)
        XCTAssertEqual(census.cachedBlocks, 17, "small frees wait in the cache")
        heap.flushCache()
        (census, problem) = heap.check()
        XCTAssertNil(problem)
        XCTAssertEqual(census.cachedBlocks, 0)
        XCTAssertTrue((17...18).contains(census.freeBlocks), "the 17 holes, and the top block if any")
        // A bitmap bit flipped, then a header smashed: each is found.
        heap.firstBitmap ^= 1 << 20
        XCTAssertEqual(heap.check().1, .bitmapDisagrees(first: 20, second: -1))
        heap.firstBitmap ^= 1 << 20
        let header = (blocks[1] - 8).assumingMemoryBound(to: UInt.self)
        let saved = header.pointee
        header.pointee = 0x30  // a smaller stride: the chain no longer meets the next block
        XCTAssertNotNil(heap.check().1)
        header.pointee = saved
        XCTAssertNil(heap.check().1)
        var damaged = heap
        damaged.usedBytes += 16
        if case .usedBytesDisagree? = damaged.check().1 {} else { XCTFail("byte totals not reconciled") }
    }

    /// Found by the fuzzer: shrinking the heap's last block in place left its
    /// free tail in the lists instead of making it the top block.
    func testShrinkingTheLastBlockInPlaceKeepsTheTopInvariant() {
        var arena = HostArena(megabytes: 1)
        defer { arena.release() }
        var heap = Heap()
        XCTAssertNotNil(heap.allocate(100, growth: &arena))
        // Take the whole top block, so that `last` ends the heap.
        let topBytes = Int(Block(heap.top).stride)
        let last = heap.allocate(topBytes - Int(Block.word), growth: &arena)!
        XCTAssertEqual(heap.top, 0)
        XCTAssertNil(heap.check().1)
        XCTAssertEqual(heap.reallocate(last, to: 100, growth: &arena), last, "shrunk in place")
        XCTAssertNil(heap.check().1, "the freed tail must be the top block")
        XCTAssertNotEqual(heap.top, 0)
    }

    /// Freeing what sits at the top of the heap gives whole pages back to the
    /// growth source once the top free block reaches the threshold, keeping
    /// trimKeep; the heap stays consistent and grows again.
    func testFreeTrimsTheTopBackToTheGrowthSource() throws {
        var arena = HostArena(megabytes: 8)
        defer { arena.release() }
        var heap = Heap()
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<24 { blocks.append(try XCTUnwrap(heap.allocate(100_000, growth: &arena))) }
        let grown = arena.used
        XCTAssertGreaterThan(grown, 2_400_000)
        // Small frees below the threshold give nothing back.
        XCTAssertNil(heap.refusal(freeing: blocks.removeLast(), growth: &arena))
        XCTAssertEqual(arena.used, grown)
        while let p = blocks.popLast() { XCTAssertNil(heap.refusal(freeing: p, growth: &arena)) }
        XCTAssertLessThan(arena.used, 512 << 10, "the freed top went back")
        XCTAssertEqual(UInt(arena.used) % 4096, 0)
        XCTAssertEqual(heap.heapBytes, arena.used, "the heap's size follows the arena")
        XCTAssertNil(heap.check().1)
        XCTAssertEqual(heap.usedBytes, 0)
        // A trim never goes below the control block, and growth works after it.
        let again = try XCTUnwrap(heap.allocate(3_000_000, growth: &arena))
        XCTAssertNil(heap.check().1)
        XCTAssertNil(heap.refusal(freeing: again, growth: &arena))
        XCTAssertNil(heap.check().1)
        XCTAssertGreaterThanOrEqual(heap.heapBytes, Heap.trimKeep)
    }

    /// Issue 21, §7: a growth source that refuses to take memory back leaves
    /// the heap's record as it was: its size, its end and its top block.
    func testARefusedShrinkChangesNothing() throws {
        struct Refusing: HeapGrowth {
            var arena: HostArena
            mutating func grow(atLeast bytes: UInt) -> (start: UnsafeMutableRawPointer, bytes: UInt)? { arena.grow(atLeast: bytes) }
            mutating func shrink(start: UInt, bytes: UInt) -> Bool { false }
        }
        var growth = Refusing(arena: HostArena(megabytes: 8))
        defer { growth.arena.release() }
        var heap = Heap()
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<24 { blocks.append(try XCTUnwrap(heap.allocate(100_000, growth: &growth))) }
        let grown = growth.arena.used
        let size = heap.heapBytes
        while let p = blocks.popLast() { XCTAssertNil(heap.refusal(freeing: p, growth: &growth)) }
        XCTAssertEqual(heap.heapBytes, size, "nothing was given back, so the heap is as large as before")
        XCTAssertEqual(growth.arena.used, grown)
        XCTAssertNil(heap.check().1)
        // The memory is still the heap's: a large block fits without growing.
        let big = try XCTUnwrap(heap.allocate(2_000_000, growth: &growth))
        XCTAssertEqual(growth.arena.used, grown, "served from what the heap kept")
        XCTAssertNil(heap.refusal(freeing: big, growth: &growth))
        XCTAssertNil(heap.check().1)
    }
}

extension Heap {
    /// What `free` refused `pointer` for, or nil if it freed it: for the tests to compare.
    fileprivate mutating func refusal(freeing pointer: UnsafeMutableRawPointer) -> HeapError? {
        heapError(try free(pointer))
    }
    fileprivate mutating func refusal<G: HeapGrowth>(freeing pointer: UnsafeMutableRawPointer, growth: inout G) -> HeapError? {
        heapError(try free(pointer, growth: &growth))
    }
}
