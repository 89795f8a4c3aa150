import XCTest

@testable import KernelCore

/// What inspect reports of a thread (Sources/Sched/Inspected.swift), for the shell's ps.
final class InspectTests: XCTestCase {
    func testEachStateAndWaitIsReported() {
        var r = ThreadRecord(area: nil)
        XCTAssertNil(InspectedTask.of(r), "an unused slot is no task")
        r.state = .dead
        XCTAssertNil(InspectedTask.of(r), "nor is an ended, collected one")
        r.end = TaskEndRecord(how: 0, value: 0, order: 0)
        XCTAssertEqual(InspectedTask.of(r)?.state, .ended, "ended, its end not yet collected")
        r.state = .ready
        XCTAssertEqual(InspectedTask.of(r)?.state, .ready)
        r.state = .sleeping(until: 9)
        XCTAssertEqual(InspectedTask.of(r)?.state, .sleeping)
        r.state = .blocked
        let waits: [(IPCWait, InspectedTask.Wait)] = [
            (.sending(endpoint: 1, call: true), .send), (.receiving(endpoint: 1), .receive), (.awaitingReply(server: 3), .reply),
            (.waitingForSignal(notification: 2), .signal), (.none, .other),
        ]
        for (w, seen) in waits {
            r.wait = w
            XCTAssertEqual(InspectedTask.of(r)?.state, .blocked)
            XCTAssertEqual(InspectedTask.of(r)?.wait, seen, "\(w)")
        }
        r.waitingForChild = true
        XCTAssertEqual(InspectedTask.of(r)?.wait, .child)
    }
}
