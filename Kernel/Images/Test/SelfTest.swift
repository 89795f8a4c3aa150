// The boot self-test: grow the heap far past its first page table through
// Swift objects and raw allocations, check every byte, free, reuse, and keep
// working after the heap is exhausted. Failures are loud (kernelPanic).

struct SelfTestReport {
    var heapBytes: UInt64 = 0
    var exhausted = false
    var rawBlocks = 0
    var objects = 0
}

/// A Swift object with an Array payload whose every element is known.
final class Probe {
    let id: Int
    var words: [UInt32]
    init(id: Int, count: Int) {
        self.id = id
        words = [UInt32](repeating: Probe.expected(id), count: count)
    }
    static func expected(_ id: Int) -> UInt32 { UInt32(truncatingIfNeeded: id) &* 2_654_435_761 }
    var intact: Bool {
        for w in words where w != Probe.expected(id) { return false }
        return true
    }
}

/// The goal: at least this much heap when RAM allows.
let selfTestHeapGoal: UInt = 64 << 20

func runSelfTest(ramBytes: UInt64) -> SelfTestReport {
    var report = SelfTestReport()
    kputs("self-test: Swift objects\n")
    report.objects = objectRound(count: 1500, seed: 1)

    kputs("self-test: raw allocations until the heap holds "); kputSize(UInt64(selfTestHeapGoal)); kputs("\n")
    var blocks = [UnsafeMutableRawPointer?](repeating: nil, count: 4096)
    var sizes = [Int](repeating: 0, count: 4096)
    let pattern: [Int] = [48, 200, 4000, 16_384, 65_552, 250_000, 1_000_000, 24]
    let alignments: [Int] = [16, 64, 4096, 16, 256]
    let baseline = withKernel({ $0.heap.usedBytes })
    var n = 0
    while n < blocks.count && withKernel({ $0.heap.heapBytes }) < selfTestHeapGoal {
        let size = pattern[n % pattern.count]
        guard let p = kernelAllocate(size, alignment: alignments[n % alignments.count]) else {
            report.exhausted = true
            kputs("self-test: heap exhausted at "); kputSize(UInt64(withKernel({ $0.heap.heapBytes })))
            kputs(": "); kputs(growthFailureName(lastHeapGrowthFailure)); kputs("; growth stopped cleanly\n")
            break
        }
        if UInt(bitPattern: p) % UInt(alignments[n % alignments.count]) != 0 { kernelPanic("misaligned allocation") }
        fill(p, size, tag: n)
        blocks[n] = p; sizes[n] = size
        n += 1
    }
    report.rawBlocks = n
    for i in 0..<n where !check(blocks[i]!, sizes[i], tag: i) { kernelPanic("raw block contents changed") }
    printHeapState("grown")
    report.heapBytes = UInt64(withKernel({ $0.heap.heapBytes }))

    // Free every other block, then reuse the holes with half-size blocks: no
    // growth past the peak (a freed block at the very top may have been
    // trimmed and come back, but never more than was there).
    for i in stride(from: 0, to: n, by: 2) { kernelFree(blocks[i]); blocks[i] = nil }
    let heapBefore = UInt(report.heapBytes)
    for i in stride(from: 0, to: n, by: 2) {
        guard let p = kernelAllocate(sizes[i] / 2) else { kernelPanic("a freed hole could not be reused") }
        sizes[i] /= 2
        fill(p, sizes[i], tag: i + 100_000)
        blocks[i] = p
    }
    if withKernel({ $0.heap.heapBytes }) > heapBefore { kernelPanic("reuse grew the heap instead of filling freed holes") }
    for i in 0..<n {
        if !check(blocks[i]!, sizes[i], tag: i % 2 == 0 ? i + 100_000 : i) { kernelPanic("block contents changed after reuse") }
        kernelFree(blocks[i])
    }
    if withKernel({ $0.heap.usedBytes }) != baseline { kernelPanic("freeing every block did not return the heap to its baseline") }
    kputs("self-test: "); kputDecimal(UInt64(n)); kputs(" raw blocks verified, freed, reused and freed\n")

    // The heap still serves Swift after all that (and after exhaustion).
    report.objects += objectRound(count: 800, seed: 7)
    return report
}

/// Make `count` objects of mixed sizes, keep some in a Dictionary, check all, drop them.
private func objectRound(count: Int, seed: Int) -> Int {
    var probes: [Probe] = []
    var index: [Int: Probe] = [:]
    for i in 0..<count {
        let p = Probe(id: i * seed, count: 1 + (i * 37) % 1200)
        probes.append(p)
        if i % 3 == 0 { index[i] = p }
    }
    for p in probes where !p.intact { kernelPanic("a Swift object's contents changed") }
    for (key, p) in index where p.id != key * seed { kernelPanic("a Dictionary entry is wrong") }
    probes.removeAll()
    if index.count != (count + 2) / 3 { kernelPanic("the Dictionary lost entries") }
    return count
}

private func fill(_ p: UnsafeMutableRawPointer, _ size: Int, tag: Int) {
    let words = p.bindMemory(to: UInt32.self, capacity: size / 4)
    let seed = UInt32(truncatingIfNeeded: tag) &* 0x9E37_79B9
    for i in 0..<(size / 4) { words[i] = seed ^ UInt32(truncatingIfNeeded: i) }
}

private func check(_ p: UnsafeMutableRawPointer, _ size: Int, tag: Int) -> Bool {
    let words = p.bindMemory(to: UInt32.self, capacity: size / 4)
    let seed = UInt32(truncatingIfNeeded: tag) &* 0x9E37_79B9
    for i in 0..<(size / 4) where words[i] != seed ^ UInt32(truncatingIfNeeded: i) { return false }
    return true
}

func printHeapState(_ label: StaticString) {
    withKernel { k in
        kputs("heap "); kputs(label); kputs(": break "); kputHex(UInt64(k.region.brk.raw))
        kputs(", "); kputSize(UInt64(k.region.heapBytes)); kputs(" mapped, page tables created ")
        kputDecimal(UInt64(k.region.tables.tablesGiven)); kputs(", frames held for tables ")
        kputDecimal(UInt64(k.region.tables.heldFrames)); kputs(", free frames "); kputDecimal(UInt64(k.frames.freeFrames)); kputs("\n")
    }
}
