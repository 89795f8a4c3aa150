import XCTest

@testable import KernelCore

/// The thread records (Sources/Sched/ThreadRecord.swift) and who learns of
/// whose end (Sources/Sched/Lineage.swift), rule by rule. Issue 21: a slot
/// reused after its task died must receive nothing meant for that task.
final class LineageTests: XCTestCase {
    var table = ThreadTable.allocate()
    lazy var lineage = Lineage(threads: table)
    lazy var scheduler = Scheduler(quantum: 2, threads: table)
    let exited = UInt8(TaskEnd.exited.rawValue), killed = UInt8(TaskEnd.killed.rawValue)

    /// A new thread, started by `parent` unless that is -1.
    func start(by parent: ThreadID = -1) -> ThreadID {
        let t = scheduler.add(priority: 3)!
        if parent >= 0 { lineage.started(t, by: parent) }
        return t
    }

    /// `t` dies as the kernel makes it die: out of the scheduler, then its end told.
    func end(_ t: ThreadID, _ how: UInt8, _ value: UInt) -> Lineage.Delivery? {
        scheduler.kill(t)
        return lineage.ended(t, how: how, value: value)
    }

    func testAnEndGoesToAWaitingParentAtOnceAndFreesTheSlot() {
        let parent = start(), child = start(by: parent)
        lineage.willWait(parent)
        XCTAssertEqual(end(child, exited, 7), Lineage.Delivery(parent: parent, child: child, how: exited, value: 7))
        XCTAssertFalse(table[parent].waitingForChild, "the wait is over")
        XCTAssertTrue(table.isFree(child))
        XCTAssertNil(lineage.collect(for: parent), "delivered once, not kept as well")
    }

    func testAnUncollectedEndHoldsItsSlotUntilCollectedOldestFirst() {
        let parent = start()
        let a = start(by: parent), b = start(by: parent), c = start(by: parent)
        XCTAssertNil(end(b, exited, 1))
        XCTAssertNil(end(a, killed, 0))
        XCTAssertNil(end(c, exited, 3))
        XCTAssertFalse(table.isFree(a), "an end not yet collected is not lost to a reused slot")
        XCTAssertNotEqual(scheduler.add(priority: 1), a)
        XCTAssertEqual(lineage.collect(for: parent)?.child, b)
        XCTAssertEqual(lineage.collect(for: parent)?.child, a)
        let last = lineage.collect(for: parent)
        XCTAssertEqual(last?.child, c)
        XCTAssertEqual(last?.value, 3)
        XCTAssertNil(lineage.collect(for: parent))
        XCTAssertTrue(table.isFree(a) && table.isFree(b) && table.isFree(c))
    }

    /// The bug: a dying parent left its children's links, its own wait and the
    /// ends queued for it behind, and the next thread in its slot got them.
    func testNothingOfADeadParentReachesTheNextThreadInItsSlot() {
        let parent = start()
        let zombie = start(by: parent), live = start(by: parent)
        XCTAssertNil(end(zombie, exited, 5), "kept for a parent that does not wait")
        lineage.willWait(parent)
        XCTAssertNil(end(parent, killed, 0))
        XCTAssertTrue(table.isFree(zombie), "an end nobody can collect any more is dropped")
        XCTAssertEqual(table[live].parent, -1, "the live child is cut loose")
        // A new thread takes the dead parent's slot.
        XCTAssertTrue(table.isFree(parent))
        let heir = start()
        XCTAssertEqual(heir, parent, "the first free slot is the parent's")
        XCTAssertFalse(table[heir].waitingForChild, "the old wait is not the new thread's")
        XCTAssertNil(lineage.collect(for: heir), "the old child's end is not the new thread's")
        XCTAssertNil(end(live, exited, 9), "the orphan's end goes to nobody, not to the heir")
        XCTAssertNil(lineage.collect(for: heir))
        XCTAssertTrue(table.isFree(live))
    }

    func testOnlyALiveChildOfTheCallerCounts() {
        let parent = start(), stranger = start(), child = start(by: parent)
        XCTAssertTrue(lineage.isLiveChild(child, of: parent))
        XCTAssertFalse(lineage.isLiveChild(child, of: stranger))
        XCTAssertFalse(lineage.isLiveChild(-1, of: parent))
        XCTAssertFalse(lineage.isLiveChild(ThreadTable.capacity, of: parent))
        XCTAssertNil(end(child, exited, 0))
        XCTAssertFalse(lineage.isLiveChild(child, of: parent), "an ended child can no longer be killed")
    }

    func testResetLeavesNothingOfTheOldThreadButTheBackendArea() {
        let area = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
        defer { area.deallocate() }
        let t = ThreadTable(storage: .allocate(capacity: ThreadTable.capacity)) { $0 == 5 ? area : nil }
        t[5].state = .dead
        t[5].wait = .awaitingReply(server: 3)
        t[5].owes = 2; t[5].carry = 1; t[5].landing = 4; t[5].runLink = 9; t[5].queueLink = 8
        t[5].caps[3] = .endpoint(2)
        t[5].message.length = 40; t[5].message.badge = 77; t[5].message.receiveAt = 0x1000
        t[5].memory = TaskMemory(root: 0x5000, brk: 0x9000, heapBase: 0x8000, framesHeld: 12, frameLimit: 40)
        t[5].parent = 1; t[5].waitingForChild = true
        t[5].end = TaskEndRecord(how: 1, value: 14, order: 3)
        t[5].stackSlot = 6; t[5].cpuTicks = 99; t[5].argument = 5
        let spy: StaticString = "spy"
        t.setName(5, UnsafeRawBufferPointer(start: spy.utf8Start, count: spy.utf8CodeUnitCount))
        t.reset(5)
        XCTAssertEqual(t[5].state, .unused)
        XCTAssertEqual(t[5].wait, .none)
        XCTAssertEqual([t[5].owes, t[5].carry, t[5].landing, t[5].runLink, t[5].queueLink, t[5].parent], [-1, -1, -1, -1, -1, -1])
        for s in 0..<CapabilitySpace.slots { XCTAssertEqual(t[5].caps[s], .empty) }
        XCTAssertEqual(t[5].message.length, 0)
        XCTAssertEqual(t[5].message.badge, 0)
        XCTAssertEqual(t[5].message.receiveAt, 0)
        XCTAssertEqual(t[5].memory.root, 0)
        XCTAssertEqual(t[5].memory.framesHeld, 0)
        XCTAssertFalse(t[5].waitingForChild)
        XCTAssertNil(t[5].end)
        XCTAssertEqual(t[5].stackSlot, -1)
        XCTAssertEqual(t[5].cpuTicks, 0)
        XCTAssertEqual(t.name(5).count, 0)
        XCTAssertEqual(t[5].area, area, "the backend's area belongs to the slot")
    }

    /// The record's inline storage is sized by literals (InlineArray needs them):
    /// each must match the constant the rest of the kernel checks against.
    func testTheRecordsInlineSizesMatchTheirLimits() {
        let r = ThreadRecord(area: nil)
        XCTAssertEqual(r.caps.count, CapabilitySpace.slots)
        XCTAssertEqual(r.message.bytes.count, MessageLimits.bufferBytes)
        XCTAssertEqual(r.name.count, ThreadTable.nameBytes)
        XCTAssertEqual(ThreadTable.nameBytes, SpawnRequest.nameBytes)
    }

    func testTheCapacityFitsTheWakeMasksAndLinks() {
        XCTAssertLessThanOrEqual(ThreadTable.capacity, UInt64.bitWidth)
        XCTAssertLessThanOrEqual(ThreadTable.capacity - 1, Int(Int8.max))
    }
}
