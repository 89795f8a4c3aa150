import MallocCounter
import XCTest

@testable import KernelCore

final class SchedulerTests: XCTestCase {
    /// Run `ticks` timer ticks, rescheduling when asked; the thread that ran each tick.
    func run(_ s: inout Scheduler, ticks: Int) -> [ThreadID] {
        var ran: [ThreadID] = []
        ran.reserveCapacity(ticks)
        for _ in 0..<ticks {
            ran.append(s.current)
            if s.tick() { _ = s.reschedule() }
        }
        return ran
    }

    func testRoundRobinWithinAPriorityByQuantum() {
        var s = Scheduler(quantum: 2)
        let a = s.add(priority: 3)!, b = s.add(priority: 3)!, c = s.add(priority: 3)!
        XCTAssertEqual(s.reschedule(), a)
        XCTAssertEqual(run(&s, ticks: 12), [a, a, b, b, c, c, a, a, b, b, c, c])
        XCTAssertEqual(s.switches, 7, "the first pick from idle and a rotation every 2 ticks")
    }

    /// Issue 13, bug 12: a task that never blocks kept the boot flow (the idle
    /// thread) from running. While the idle thread polls, every tick is its turn.
    func testAPollingIdleThreadRunsEveryTickWhateverRuns() {
        var s = Scheduler(quantum: 2)
        let spinner = s.add(priority: 7)!
        XCTAssertEqual(s.reschedule(), spinner)
        XCTAssertEqual(run(&s, ticks: 6), Array(repeating: spinner, count: 6), "not polling: idle never runs")
        s.setIdlePolling(true)
        XCTAssertTrue(s.tick(), "a tick preempts even the top priority")
        XCTAssertEqual(s.reschedule(), Scheduler.idle)
        XCTAssertEqual(s.state(of: spinner), .ready)
        XCTAssertEqual(s.yield(), spinner, "the idle thread looked and gives the CPU back")
        XCTAssertTrue(s.tick())
        XCTAssertEqual(s.reschedule(), Scheduler.idle, "and gets it again on the next tick")
        s.setIdlePolling(false)
        XCTAssertEqual(s.yield(), spinner)
        XCTAssertEqual(run(&s, ticks: 4), Array(repeating: spinner, count: 4))
    }

    func testHigherPriorityPreemptsAndLowerWaits() {
        var s = Scheduler(quantum: 3)
        let low = s.add(priority: 1)!
        XCTAssertEqual(s.reschedule(), low)
        _ = run(&s, ticks: 2)
        let high = s.add(priority: 6)!
        XCTAssertTrue(s.tick(), "a more urgent thread is ready")
        XCTAssertEqual(s.reschedule(), high)
        XCTAssertEqual(run(&s, ticks: 6), Array(repeating: high, count: 6), "the low thread never runs while high is ready")
        XCTAssertEqual(s.state(of: low), .ready)
        XCTAssertEqual(s.block(), low, "high blocks: low runs")
        XCTAssertTrue(s.wake(high))
        XCTAssertTrue(s.tick())
        XCTAssertEqual(s.reschedule(), high)
    }

    func testSleepWakesInDeadlineOrder() {
        var s = Scheduler(quantum: 10)
        let a = s.add(priority: 2)!, b = s.add(priority: 2)!
        XCTAssertEqual(s.reschedule(), a)
        XCTAssertEqual(s.sleep(ticks: 5), b)
        XCTAssertEqual(s.sleep(ticks: 2), Scheduler.idle, "both asleep: idle runs")
        var woke: [(ThreadID, UInt64)] = []
        for _ in 0..<6 {
            if s.tick() { let t = s.reschedule(); woke.append((t, s.ticks)); _ = s.sleep(ticks: 100) }
        }
        XCTAssertEqual(woke.map(\.0), [b, a])
        XCTAssertEqual(woke.map(\.1), [2, 5])
    }

    func testBlockWakeYieldExitAndKill() {
        var s = Scheduler()
        let a = s.add(priority: 4)!, b = s.add(priority: 4)!
        XCTAssertEqual(s.reschedule(), a)
        XCTAssertEqual(s.yield(), b)
        XCTAssertEqual(s.block(), a)
        XCTAssertEqual(s.state(of: b), .blocked)
        XCTAssertFalse(s.wake(a), "a running thread is not woken")
        XCTAssertTrue(s.wake(b))
        XCTAssertEqual(s.exit(), b)
        XCTAssertEqual(s.state(of: a), .dead)
        s.kill(b)
        XCTAssertEqual(s.reschedule(), Scheduler.idle)
        XCTAssertEqual(s.add(priority: 1), a, "a dead thread's slot is reused")
    }

    func testTheSwitchPathDoesNotAllocate() {
        var s = Scheduler(quantum: 1)
        for p in 0..<20 { _ = s.add(priority: p % 8) }
        _ = s.reschedule()
        _ = run(&s, ticks: 10)  // warm the host runtime
        let before = malloc_counter_thread_total()
        for i in 0..<10_000 {
            if s.tick() { _ = s.reschedule() }
            if i % 7 == 0 { _ = s.sleep(ticks: 3) }
            if i % 11 == 0 { _ = s.yield() }
        }
        XCTAssertEqual(malloc_counter_thread_total() - before, 0)
        XCTAssertGreaterThan(s.switches, 1000)
    }

    /// Issue 21, §7: priorities outside 0...7 are clamped, never used as a queue index.
    func testPrioritiesAreClamped() {
        var s = Scheduler(quantum: 2)
        let high = s.add(priority: 99)!, low = s.add(priority: -5)!
        XCTAssertEqual(s.priority(of: high), Scheduler.priorities - 1)
        XCTAssertEqual(s.priority(of: low), 0)
        XCTAssertEqual(s.reschedule(), high)
    }

    /// Issue 21, §7: a killed thread leaves its ready queue (and the sleep list) and never runs.
    func testAKilledThreadNeverRunsAgain() {
        var s = Scheduler(quantum: 1)
        let a = s.add(priority: 3)!, b = s.add(priority: 3)!, c = s.add(priority: 3)!
        XCTAssertEqual(s.reschedule(), a)
        s.kill(b)
        XCTAssertEqual(s.state(of: b), .dead)
        XCTAssertEqual(run(&s, ticks: 8).filter { $0 == b }, [], "b was in the ready queue when killed")
        XCTAssertFalse(s.wake(b), "a dead thread cannot be woken")
        // A sleeper killed before its deadline is not woken by it.
        while s.current != a { _ = s.yield() }
        XCTAssertEqual(s.sleep(ticks: 2), c)
        s.kill(a)
        XCTAssertEqual(run(&s, ticks: 6), Array(repeating: c, count: 6))
        XCTAssertEqual(s.state(of: a), .dead)
    }
}
