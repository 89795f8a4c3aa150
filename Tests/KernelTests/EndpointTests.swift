import XCTest

@testable import KernelCore

/// The rendezvous state machine: both orders of arrival, calls and replies,
/// and partners that die.
final class EndpointTests: XCTestCase {
    func testSendBeforeReceiveBlocksTheSenderUntilTheReceiverComes() {
        var ipc = Endpoints()
        let e = ipc.create()!
        XCTAssertEqual(ipc.send(1, on: e, call: false), .blocked)
        XCTAssertEqual(ipc.send(2, on: e, call: false), .blocked)
        XCTAssertEqual(ipc.waiting(1), .sending(endpoint: e, call: false))
        XCTAssertEqual(ipc.receive(5, on: e), .got(from: 1, senderWakes: true), "first come, first served")
        XCTAssertEqual(ipc.waiting(1), .none)
        XCTAssertEqual(ipc.receive(5, on: e), .got(from: 2, senderWakes: true))
        XCTAssertEqual(ipc.receive(5, on: e), .blocked, "queue empty: the receiver waits")
    }

    func testReceiveBeforeSendDeliversAtOnce() {
        var ipc = Endpoints()
        let e = ipc.create()!
        XCTAssertEqual(ipc.receive(5, on: e), .blocked)
        XCTAssertEqual(ipc.receive(6, on: e), .blocked)
        XCTAssertEqual(ipc.send(1, on: e, call: false), .delivered(to: 5))
        XCTAssertEqual(ipc.waiting(5), .none)
        XCTAssertEqual(ipc.waiting(6), .receiving(endpoint: e))
        XCTAssertEqual(ipc.send(2, on: e, call: false), .delivered(to: 6))
    }

    func testCallWaitsForTheReplyOfTheServerThatReceivedIt() {
        var ipc = Endpoints()
        let e = ipc.create()!
        XCTAssertEqual(ipc.send(1, on: e, call: true), .blocked)
        XCTAssertEqual(ipc.receive(5, on: e), .got(from: 1, senderWakes: false))
        XCTAssertEqual(ipc.waiting(1), .awaitingReply(server: 5))
        XCTAssertEqual(ipc.owesReply(5), 1)
        XCTAssertEqual(ipc.reply(5), .replied(to: 1))
        XCTAssertEqual(ipc.waiting(1), .none)
        XCTAssertEqual(ipc.reply(5), .noCaller, "one reply per call")
        // Receiver first, then the call.
        XCTAssertEqual(ipc.receive(5, on: e), .blocked)
        XCTAssertEqual(ipc.send(2, on: e, call: true), .delivered(to: 5))
        XCTAssertEqual(ipc.waiting(2), .awaitingReply(server: 5))
        XCTAssertEqual(ipc.reply(5), .replied(to: 2))
    }

    func testReplyToADeadCallerAndCallersOfADeadServer() {
        var ipc = Endpoints()
        let e = ipc.create()!
        XCTAssertEqual(ipc.send(1, on: e, call: true), .blocked)
        XCTAssertEqual(ipc.receive(5, on: e), .got(from: 1, senderWakes: false))
        XCTAssertEqual(ipc.threadDied(1), 0)
        XCTAssertEqual(ipc.reply(5), .noCaller, "the caller died while the server worked")
        // Two callers wait on a server that dies: both are stranded and reported.
        XCTAssertEqual(ipc.receive(5, on: e), .blocked)
        XCTAssertEqual(ipc.send(2, on: e, call: true), .delivered(to: 5))
        XCTAssertEqual(ipc.send(3, on: e, call: true), .blocked)
        XCTAssertEqual(ipc.threadDied(5), 1 << 2, "only the call the server had received is stranded")
        XCTAssertEqual(ipc.waiting(3), .sending(endpoint: e, call: true), "queued callers wait for the next server")
        // A dead queued sender leaves the queue.
        XCTAssertEqual(ipc.threadDied(3), 0)
        XCTAssertEqual(ipc.receive(6, on: e), .blocked)
    }

    /// Issue 13, bug 13: a server that received twice before replying dropped the
    /// first caller's reply obligation (that caller waited until the server died).
    func testASecondReceiveIsRefusedWhileAReplyIsOwed() {
        var ipc = Endpoints()
        let e = ipc.create()!
        XCTAssertEqual(ipc.send(1, on: e, call: true), .blocked)
        XCTAssertEqual(ipc.send(2, on: e, call: true), .blocked)
        XCTAssertEqual(ipc.receive(5, on: e), .got(from: 1, senderWakes: false))
        XCTAssertEqual(ipc.receive(5, on: e), .replyOwed, "refused: 1 is still owed its reply")
        XCTAssertEqual(ipc.waiting(2), .sending(endpoint: e, call: true), "and nothing changed")
        XCTAssertEqual(ipc.owesReply(5), 1)
        XCTAssertEqual(ipc.reply(5), .replied(to: 1))
        XCTAssertEqual(ipc.receive(5, on: e), .got(from: 2, senderWakes: false), "after the reply, the next call")
    }

    func testNonBlockingSendAndReceiveNeverQueue() {
        var ipc = Endpoints()
        let e = ipc.create()!
        XCTAssertEqual(ipc.receive(5, on: e, blocking: false), .wouldBlock)
        XCTAssertEqual(ipc.waiting(5), .none, "nothing queued")
        XCTAssertEqual(ipc.send(1, on: e, call: false, blocking: false), .wouldBlock)
        XCTAssertEqual(ipc.waiting(1), .none)
        XCTAssertEqual(ipc.receive(5, on: e), .blocked)
        XCTAssertEqual(ipc.send(1, on: e, call: false, blocking: false), .delivered(to: 5), "a waiting receiver takes it")
        XCTAssertEqual(ipc.send(2, on: e, call: false), .blocked)
        XCTAssertEqual(ipc.receive(6, on: e, blocking: false), .got(from: 2, senderWakes: true), "a waiting sender is taken")
    }

    func testBadEndpointsAreRefused() {
        var ipc = Endpoints()
        XCTAssertEqual(ipc.send(1, on: 0, call: false), .badEndpoint, "not created")
        XCTAssertEqual(ipc.receive(1, on: -1), .badEndpoint)
        XCTAssertEqual(ipc.send(1, on: Endpoints.capacity, call: true), .badEndpoint)
        for _ in 0..<Endpoints.capacity { XCTAssertNotNil(ipc.create()) }
        XCTAssertNil(ipc.create())
        XCTAssertEqual(ipc.waiting(1), .none, "a refused call leaves no state")
    }
}
