import XCTest

@testable import KernelCore

/// Timers for tasks (Sources/IPC/Timers.swift): deadline order, replacement,
/// cancellation, and what happens when a thread or its notification goes.
final class TimerTests: XCTestCase {
    /// Every due timer at `now`, in the order they fire.
    func expireAll(_ timers: inout Timers, now: UInt64) -> [DueTimer] {
        var fired: [DueTimer] = []
        while let d = timers.expire(now: now) { fired.append(d) }
        return fired
    }

    func testManyDeadlinesFireInDeadlineOrderEqualOnesInTheOrderSet() {
        var timers = Timers()
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        var wanted: [(deadline: UInt64, thread: ThreadID)] = []
        for t in 1..<ThreadTable.capacity {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let deadline = 1 + (rng >> 33) % 40  // many ties
            timers.set(t, deadline: deadline, notification: t % 16, badge: UInt(t))
            wanted.append((deadline, t))
        }
        // Stable by deadline: equal deadlines keep the order they were set in.
        let order = wanted.enumerated().sorted { ($0.element.deadline, $0.offset) < ($1.element.deadline, $1.offset) }.map {
            $0.element.thread
        }
        XCTAssertEqual(timers.earliest, wanted.map { $0.deadline }.min())
        var fired: [ThreadID] = []
        for now in stride(from: UInt64(0), through: 45, by: 5) {
            let due = expireAll(&timers, now: now)
            for d in due {
                XCTAssertLessThanOrEqual(timers.deadline(of: d.thread) ?? 0, 0, "taken off the list")
                XCTAssertLessThanOrEqual(wanted.first { $0.thread == d.thread }!.deadline, now, "fired before its deadline")
                XCTAssertEqual(d.badge, UInt(d.thread))
                XCTAssertEqual(d.notification, d.thread % 16)
            }
            fired += due.map { $0.thread }
        }
        XCTAssertEqual(fired, order)
        XCTAssertNil(timers.earliest)
    }

    func testNothingFiresBeforeItsDeadline() {
        var timers = Timers()
        timers.set(3, deadline: 100, notification: 0, badge: 1)
        XCTAssertNil(timers.expire(now: 99))
        XCTAssertEqual(timers.expire(now: 100), DueTimer(thread: 3, notification: 0, badge: 1))
        XCTAssertNil(timers.expire(now: 1000), "once only")
    }

    func testSettingAgainReplacesAndZeroCancels() {
        var timers = Timers()
        timers.set(1, deadline: 10, notification: 0, badge: 1)
        timers.set(2, deadline: 20, notification: 0, badge: 2)
        timers.set(1, deadline: 30, notification: 5, badge: 9)
        XCTAssertEqual(expireAll(&timers, now: 25), [DueTimer(thread: 2, notification: 0, badge: 2)], "thread 1's first deadline is gone")
        XCTAssertEqual(timers.deadline(of: 1), 30)
        timers.set(1, deadline: 0, notification: 5, badge: 9)
        XCTAssertNil(timers.deadline(of: 1))
        XCTAssertEqual(expireAll(&timers, now: 100), [])
    }

    func testADeadThreadsTimerAndAFreedNotificationsTimersAreCancelled() {
        var ipc = IPCCore()
        XCTAssertNil(syscallError(try ipc.createNotification(1, into: 0)))
        XCTAssertNil(syscallError(try ipc.createNotification(2, into: 0)))
        ipc.timers.set(1, deadline: 5, notification: 0, badge: 1)
        ipc.timers.set(3, deadline: 6, notification: 1, badge: 4)
        ipc.timers.set(4, deadline: 7, notification: 1, badge: 8)
        _ = ipc.threadDied(1)
        XCTAssertNil(ipc.timers.deadline(of: 1), "a dead thread's timer goes with it")
        XCTAssertEqual(try ipc.delete(2, 0), 0)  // the last capability to notification 1
        XCTAssertFalse(ipc.notifications.exists(1))
        XCTAssertNil(ipc.timers.deadline(of: 3), "a timer on a freed notification is cancelled")
        XCTAssertNil(ipc.timers.deadline(of: 4))
        XCTAssertNil(ipc.timers.earliest)
    }
}
