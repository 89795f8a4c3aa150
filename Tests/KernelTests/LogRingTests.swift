import XCTest

@testable import KernelCore

/// The console's log ring (Sources/Support/LogRing.swift): one test per rule.
final class LogRingTests: XCTestCase {
    let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: 4096)
    lazy var ring = LogRing(storage: storage, capacity: 4096)

    func drain(_ max: Int = 10_000) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max)
        let n = out.withUnsafeMutableBufferPointer { ring.take(into: $0.baseAddress!, max: max) }
        return Array(out[0..<n])
    }

    func testBytesComeOutInTheOrderWrittenAcrossTheWrap() {
        var expected: [UInt8] = []
        for round in 0..<5 {  // 5 x 3000 bytes through 4096: every round wraps somewhere else
            for i in 0..<3000 {
                let b = UInt8(truncatingIfNeeded: i * 7 + round)
                XCTAssertTrue(ring.append(b))
                expected.append(b)
            }
            XCTAssertEqual(drain(1000) + drain(), expected, "taken in two parts, oldest first")
            expected = []
        }
        XCTAssertEqual(ring.waiting, 0)
    }

    /// A task's write goes in whole or not at all, and leaves the kernel's reserve.
    func testATasksWriteLeavesTheKernelsReserve() {
        XCTAssertTrue(ring.fitsTask(4096 - LogRing.kernelReserve))
        XCTAssertFalse(ring.fitsTask(4096 - LogRing.kernelReserve + 1))
        for _ in 0..<3000 { _ = ring.append(65) }
        XCTAssertTrue(ring.fitsTask(72))
        XCTAssertFalse(ring.fitsTask(73), "it would eat into the reserve")
        for _ in 0..<1096 { ring.appendKernel(66) }
        XCTAssertEqual(ring.free, 0, "the kernel may fill the reserve")
        XCTAssertEqual(ring.takeDropped(), 0)
    }

    /// The kernel never waits: what finds no room is counted, not half written.
    func testTheKernelsBytesThatFindNoRoomAreCounted() {
        for _ in 0..<4096 { ring.appendKernel(67) }
        ring.appendKernel(68)
        ring.appendKernel(69)
        XCTAssertEqual(ring.waiting, 4096)
        XCTAssertEqual(ring.takeDropped(), 2)
        XCTAssertEqual(ring.takeDropped(), 0, "reported once")
        XCTAssertFalse(drain().contains(68), "a dropped byte never appears later")
    }

    /// The driver's bytes are lent until its next call: a driver that dies with
    /// a chunk unwritten leaves it in the ring for whoever takes the screen.
    func testLentBytesStayUntilTheNextCall() {
        for b in UInt8(1)...10 { XCTAssertTrue(ring.append(b)) }
        var chunk = [UInt8](repeating: 0, count: 4)
        XCTAssertEqual(chunk.withUnsafeMutableBufferPointer { ring.lend(into: $0.baseAddress!, max: 4) }, 4)
        XCTAssertEqual(chunk, [1, 2, 3, 4])
        XCTAssertEqual(ring.waiting, 10, "lent, not gone: they keep their room")
        XCTAssertEqual(chunk.withUnsafeMutableBufferPointer { ring.lend(into: $0.baseAddress!, max: 4) }, 4)
        XCTAssertEqual(chunk, [5, 6, 7, 8], "the next call: the first four were written")
        XCTAssertEqual(ring.waiting, 6)
        // The driver dies here, with 5...8 lent: the flush finds them first.
        ring.reclaimLent()
        XCTAssertEqual(drain(), [5, 6, 7, 8, 9, 10])
    }

    func testARingWithoutStorageTakesNothing() {
        var none = LogRing(storage: nil, capacity: 4096)
        XCTAssertFalse(none.append(1))
        XCTAssertEqual(none.capacity, 0)
        XCTAssertFalse(none.fitsTask(1))
    }
}

/// The console writers' queue (Sources/Sched/WaitQueue.swift).
final class WaitQueueTests: XCTestCase {
    func testFirstComeFirstServedEachThreadOnce() {
        var q = WaitQueue()
        for t in [5, 9, 5, 2] { q.push(t) }
        XCTAssertEqual(q.count, 3, "5 is queued once")
        q.remove(9)  // it died while waiting
        XCTAssertFalse(q.contains(9))
        XCTAssertEqual(q.pop(), 5)
        XCTAssertEqual(q.pop(), 2)
        XCTAssertNil(q.pop())
        // Round and round the ring: the order holds across its end.
        for round in 0..<3 {
            for t in 0..<60 { q.push((t + round) % 64) }
            for t in 0..<60 { XCTAssertEqual(q.pop(), (t + round) % 64) }
        }
    }
}
