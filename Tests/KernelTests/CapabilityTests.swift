import XCTest

@testable import KernelCore

/// The capability rules (Sources/IPC/Capabilities.swift), one test per rule.
final class CapabilityTests: XCTestCase {
    var caps = CapabilitySpace()

    func testLookupNamesEachRefusal() {
        XCTAssertNil(syscallError(try caps.install(.endpoint(2, [.send], badge: 9), in: 1, at: 4)))
        XCTAssertEqual(syscallError(try caps.lookup(1, 16)), .badSlot)
        XCTAssertEqual(syscallError(try caps.lookup(1, -1)), .badSlot)
        XCTAssertEqual(syscallError(try caps.lookup(1, 3)), .emptySlot)
        XCTAssertEqual(syscallError(try caps.lookup(2, 4)), .emptySlot, "another task's table is not this one's")
        XCTAssertEqual(syscallError(try caps.endpoint(1, 4, needs: .receive)), .missingRight)
        XCTAssertEqual(syscallError(try caps.endpoint(1, 4, needs: [.send, .grant])), .missingRight)
        XCTAssertEqual(try caps.endpoint(1, 4, needs: .send).endpoint, 2)
        XCTAssertEqual(try caps.endpoint(1, 4, needs: .send).badge, 9)
        XCTAssertNil(syscallError(try caps.install(Capability(object: .control, rights: .all, badge: 0), in: 1, at: 0)))
        XCTAssertEqual(syscallError(try caps.endpoint(1, 0, needs: .send)), .wrongType)
        XCTAssertNil(syscallError(try caps.checkControl(1, 0, needs: .all)))
        XCTAssertEqual(syscallError(try caps.checkControl(1, 4, needs: .tasks)), .wrongType)
        XCTAssertEqual(syscallError(try caps.install(.endpoint(3), in: 1, at: 4)), .slotFull, "install never overwrites")
    }

    func testDeriveOnlyNarrowsRights() {
        XCTAssertNil(syscallError(try caps.install(.endpoint(1, [.send, .grant]), in: 1, at: 0)))
        XCTAssertEqual(syscallError(try caps.derive(1, from: 0, to: 1, rights: [.send, .receive], badge: 0)), .missingRight)
        XCTAssertEqual(syscallError(try caps.lookup(1, 1)), .emptySlot, "a refused derive leaves nothing")
        XCTAssertNil(syscallError(try caps.derive(1, from: 0, to: 1, rights: .send, badge: 0)))
        XCTAssertEqual(try caps.lookup(1, 1), .endpoint(1, .send))
        XCTAssertEqual(syscallError(try caps.derive(1, from: 0, to: 1, rights: .send, badge: 0)), .slotFull)
        XCTAssertEqual(syscallError(try caps.derive(1, from: 0, to: 16, rights: .send, badge: 0)), .badSlot)
        // Issue 21, bug 4.3: a negative destination is a bad slot, as docs/syscalls.md says,
        // not the "no landing slot named" of a message.
        XCTAssertEqual(syscallError(try caps.derive(1, from: 0, to: -1, rights: .send, badge: 0)), .badSlot)
        XCTAssertEqual(syscallError(try caps.derive(1, from: 0, to: Int.min, rights: .send, badge: 0)), .badSlot)
        XCTAssertEqual(syscallError(try caps.install(.endpoint(1), in: 1, at: -1)), .badSlot)
        XCTAssertEqual(syscallError(try caps.derive(1, from: 5, to: 2, rights: .send, badge: 0)), .emptySlot)
    }

    func testABadgeIsSetOnceAndKept() {
        XCTAssertNil(syscallError(try caps.install(.endpoint(1), in: 1, at: 0)))
        XCTAssertNil(syscallError(try caps.derive(1, from: 0, to: 1, rights: .all, badge: 7)))
        XCTAssertEqual(syscallError(try caps.derive(1, from: 1, to: 2, rights: .send, badge: 8)), .alreadyBadged, "no re-badging")
        XCTAssertNil(syscallError(try caps.derive(1, from: 1, to: 2, rights: .send, badge: 0)))
        XCTAssertEqual(try caps.lookup(1, 2).badge, 7, "badge 0 keeps the source's")
    }

    func testControlIsCopiedOnlyWithGrantAndNeverTransferred() {
        XCTAssertNil(syscallError(try caps.install(Capability(object: .control, rights: .all, badge: 0), in: 1, at: 0)))
        XCTAssertEqual(syscallError(try caps.checkTransfer(1, 0)), .wrongType, "never in a message")
        XCTAssertEqual(syscallError(try caps.derive(1, from: 0, to: 1, rights: .tasks, badge: 5)), .badRequest, "no badge")
        XCTAssertNil(syscallError(try caps.derive(1, from: 0, into: 2, at: 0, rights: .tasks, badge: 0)), "a task's copy at spawn")
        XCTAssertEqual(try caps.lookup(2, 0), Capability(object: .control, rights: .tasks, badge: 0))
        XCTAssertNil(syscallError(try caps.checkControl(2, 0, needs: .tasks)))
        XCTAssertEqual(syscallError(try caps.checkControl(2, 0, needs: .objects)), .missingRight, "the copy makes no objects")
        XCTAssertEqual(
            syscallError(try caps.derive(2, from: 0, into: 3, at: 0, rights: .tasks, badge: 0)), .missingRight,
            "held without grant: no copy")
        XCTAssertEqual(syscallError(try caps.checkTransfer(2, 0)), .wrongType)
    }

    func testTransferNeedsGrantAndAnEmptyNamedSlot() {
        XCTAssertNil(syscallError(try caps.install(.endpoint(1, [.send, .grant], badge: 3), in: 1, at: 0)))
        XCTAssertNil(syscallError(try caps.install(.endpoint(1, .send), in: 1, at: 1)))
        XCTAssertNil(syscallError(try caps.install(.endpoint(2), in: 2, at: 5)))
        XCTAssertEqual(syscallError(try caps.transfer(from: 1, 1, to: 2, 6)), .missingRight)
        XCTAssertEqual(syscallError(try caps.transfer(from: 1, 0, to: 2, -1)), .noSlotNamed)
        XCTAssertEqual(syscallError(try caps.transfer(from: 1, 0, to: 2, 5)), .slotFull)
        XCTAssertEqual(syscallError(try caps.lookup(2, 6)), .emptySlot)
        XCTAssertNil(syscallError(try caps.transfer(from: 1, 0, to: 2, 6)))
        XCTAssertEqual(try caps.lookup(2, 6), .endpoint(1, [.send, .grant], badge: 3), "a copy, rights and badge as they were")
        XCTAssertEqual(try caps.lookup(1, 0), .endpoint(1, [.send, .grant], badge: 3), "the sender keeps its own")
    }

    func testCountsCloseAndFreeEndpoints() throws {
        XCTAssertNil(syscallError(try caps.install(.endpoint(3, [.receive, .send]), in: 1, at: 0)))
        XCTAssertNil(syscallError(try caps.derive(1, from: 0, to: 1, rights: .send, badge: 0)))
        XCTAssertNil(syscallError(try caps.derive(1, from: 0, into: 2, at: 0, rights: .receive, badge: 0)))
        XCTAssertEqual(caps.counts(.endpoint(3)).references, 3)
        XCTAssertEqual(caps.counts(.endpoint(3)).receivers, 2)
        XCTAssertEqual(try caps.delete(1, 0), .nothing, "another receiver is left")
        XCTAssertEqual(try caps.delete(2, 0), CapabilitySpace.Released(closed: .endpoint(3), freed: nil), "the last receiver")
        XCTAssertEqual(try caps.delete(1, 1), CapabilitySpace.Released(closed: nil, freed: .endpoint(3)), "the last capability")
        XCTAssertEqual(syscallError(try caps.delete(1, 1)), .emptySlot)
        XCTAssertEqual(caps.counts(.endpoint(3)).references, 0)
    }

    func testClearAllReportsEachRelease() {
        XCTAssertNil(syscallError(try caps.install(.endpoint(1, .receive), in: 4, at: 0)))
        XCTAssertNil(syscallError(try caps.install(.endpoint(2, .send), in: 4, at: 3)))
        XCTAssertNil(syscallError(try caps.install(.endpoint(2, .receive), in: 5, at: 0)))
        var released: [CapabilitySpace.Released] = []
        caps.clearAll(4) { released.append($0) }
        XCTAssertEqual(
            released, [CapabilitySpace.Released(closed: .endpoint(1), freed: .endpoint(1))], "endpoint 2 still has a receiver and a name")
        for s in 0..<CapabilitySpace.slots { XCTAssertEqual(syscallError(try caps.lookup(4, s)), .emptySlot) }
    }
}

extension IPCCore {
    /// A receive that must turn nobody away (the tests that expect some pass `turnedAway`).
    mutating func receive(
        _ t: ThreadID, on e: Int, blocking: Bool, landing: Int, file: StaticString = #filePath,
        line: UInt = #line
    ) -> Receive {
        var away = TurnedAway()
        let outcome = receive(t, on: e, blocking: blocking, landing: landing, turnedAway: &away)
        XCTAssertEqual(away.senders, 0, "nobody should be turned away", file: file, line: line)
        return outcome
    }
}

/// IPC with capabilities (Sources/IPC/IPCCore.swift): all or nothing when a capability travels.
final class IPCCoreTests: XCTestCase {
    var ipc = IPCCore()
    let server = 1, client = 2, other = 3

    override func setUp() {
        XCTAssertNil(syscallError(try ipc.createEndpoint(server, into: 0)))
        XCTAssertNil(syscallError(try ipc.caps.derive(server, from: 0, into: client, at: 0, rights: [.send, .grant], badge: 11)))
    }

    func testACapabilityTravelsWithTheMessage() {
        XCTAssertNil(syscallError(try ipc.caps.derive(server, from: 0, into: client, at: 1, rights: [.send, .grant], badge: 0)))
        XCTAssertEqual(ipc.receive(server, on: 0, blocking: true, landing: 5), .blocked)
        XCTAssertEqual(
            ipc.send(client, on: 0, call: false, blocking: true, carry: 1, landing: -1), .delivered(to: server, capability: true))
        XCTAssertEqual(try ipc.caps.lookup(server, 5), .endpoint(0, [.send, .grant]))
    }

    func testNoLandingSlotFailsTheSendAndLeavesTheReceiverWaiting() {
        XCTAssertEqual(ipc.receive(server, on: 0, blocking: true, landing: -1), .blocked)
        XCTAssertEqual(ipc.send(client, on: 0, call: false, blocking: true, carry: 0, landing: -1), .refused(.noSlotNamed))
        XCTAssertEqual(ipc.endpoints.waitingReceiver(0), server, "the receiver still waits")
        XCTAssertEqual(
            ipc.send(client, on: 0, call: false, blocking: true, carry: -1, landing: -1), .delivered(to: server, capability: false))
    }

    func testAQueuedCapabilityTheReceiverCannotTakeTurnsItsSenderAway() {
        XCTAssertEqual(ipc.send(client, on: 0, call: true, blocking: true, carry: 0, landing: -1), .blocked)
        var away = IPCCore.TurnedAway()
        XCTAssertEqual(
            ipc.receive(server, on: 0, blocking: false, landing: 0, turnedAway: &away), .refused(.wouldBlock),
            "slot 0 holds its endpoint: the caller is turned away and nobody else waits")
        XCTAssertEqual(away, IPCCore.TurnedAway(senders: 1 << UInt64(client), error: .slotFull))
        XCTAssertNil(ipc.endpoints.waitingSender(0), "the caller left the queue")
        XCTAssertEqual(ipc.endpoints.waiting(client), .none, "and waits for nothing: the kernel wakes it with the error")
        XCTAssertNil(ipc.endpoints.owesReply(server), "no reply is owed to a call that was not received")
        // The caller may try again once the server names a slot.
        XCTAssertEqual(ipc.send(client, on: 0, call: true, blocking: true, carry: 0, landing: -1), .blocked)
        XCTAssertEqual(ipc.receive(server, on: 0, blocking: true, landing: 4), .got(from: client, senderWakes: false, capability: true))
        XCTAssertEqual(try ipc.caps.lookup(server, 4).badge, 11)
    }

    /// Issue 21, bug 4.1: a client that queues a call carrying a capability
    /// while its server (which accepts none) is busy jammed the server for good:
    /// every receive failed with noSlotNamed. Now that client is turned away and
    /// the server serves the others, in their order, with one receive each.
    func testOneClientsCapabilityNeverStopsTheServerServingTheOthers() {
        XCTAssertNil(syscallError(try ipc.caps.derive(server, from: 0, into: other, at: 0, rights: .send, badge: 12)))
        XCTAssertEqual(ipc.send(client, on: 0, call: true, blocking: true, carry: 0, landing: -1), .blocked)
        XCTAssertEqual(ipc.send(other, on: 0, call: true, blocking: true, carry: -1, landing: -1), .blocked)
        var away = IPCCore.TurnedAway()
        XCTAssertEqual(
            ipc.receive(server, on: 0, blocking: true, landing: -1, turnedAway: &away),
            .got(from: other, senderWakes: false, capability: false))
        XCTAssertEqual(away, IPCCore.TurnedAway(senders: 1 << UInt64(client), error: .noSlotNamed))
        XCTAssertEqual(syscallError(try ipc.caps.lookup(server, 1)), .emptySlot, "nothing landed")
        XCTAssertEqual(try ipc.caps.lookup(client, 0).badge, 11, "the client keeps its capability")
        XCTAssertEqual(ipc.reply(server, carry: -1), .replied(to: other, capability: false))
        // Blocked with nobody queued: a later sender with a capability is refused at once instead.
        XCTAssertEqual(ipc.receive(server, on: 0, blocking: true, landing: -1), .blocked)
        XCTAssertEqual(ipc.send(client, on: 0, call: true, blocking: true, carry: 0, landing: -1), .refused(.noSlotNamed))
        XCTAssertEqual(ipc.endpoints.waitingReceiver(0), server, "the server still waits")
    }

    /// Issue 21, bug 4.2: replyWait's receive half is checked before the reply
    /// goes, so a replyWait that is refused has not replied.
    func testReplyWaitIsRefusedBeforeItReplies() {
        XCTAssertEqual(ipc.receive(server, on: 0, blocking: true, landing: -1), .blocked)
        XCTAssertEqual(
            ipc.send(client, on: 0, call: true, blocking: true, carry: -1, landing: -1), .delivered(to: server, capability: false))
        XCTAssertThrowsError(try ipc.checkReceive(server, on: 9), "no such endpoint") {
            XCTAssertEqual($0 as? SyscallError, .endpointClosed)
        }
        XCTAssertEqual(ipc.endpoints.owesReply(server), client, "asking changed nothing")
        XCTAssertNoThrow(try ipc.checkReceive(server, on: 0))
    }

    func testAReplyCarriesACapabilityOnlyToANamedSlot() {
        XCTAssertNil(syscallError(try ipc.caps.derive(server, from: 0, to: 3, rights: [.send, .grant], badge: 901)))
        // A call that names no landing slot: the replier's carry is refused, and the call is still owed.
        XCTAssertEqual(ipc.receive(server, on: 0, blocking: true, landing: -1), .blocked)
        XCTAssertEqual(
            ipc.send(client, on: 0, call: true, blocking: true, carry: -1, landing: -1), .delivered(to: server, capability: false))
        XCTAssertEqual(ipc.reply(server, carry: 3), .refused(.noSlotNamed))
        XCTAssertEqual(ipc.endpoints.owesReply(server), client)
        XCTAssertEqual(ipc.reply(server, carry: -1), .replied(to: client, capability: false))
        // Named this time.
        XCTAssertEqual(ipc.receive(server, on: 0, blocking: true, landing: -1), .blocked)
        XCTAssertEqual(
            ipc.send(client, on: 0, call: true, blocking: true, carry: -1, landing: 7), .delivered(to: server, capability: false))
        XCTAssertEqual(ipc.reply(server, carry: 3), .replied(to: client, capability: true))
        XCTAssertEqual(try ipc.caps.lookup(client, 7), .endpoint(0, [.send, .grant], badge: 901))
    }

    func testAServerDeathClosesItsEndpoint() throws {
        XCTAssertNil(syscallError(try ipc.caps.derive(server, from: 0, into: other, at: 0, rights: .send, badge: 12)))
        // The server deletes its own copies but one receive capability; a caller queues.
        XCTAssertEqual(ipc.send(client, on: 0, call: true, blocking: true, carry: -1, landing: -1), .blocked)
        XCTAssertEqual(ipc.send(other, on: 0, call: true, blocking: true, carry: -1, landing: -1), .blocked)
        let (stranded, closedOut) = ipc.threadDied(server)
        XCTAssertEqual(stranded, 0)
        XCTAssertEqual(closedOut, 1 << UInt64(client) | 1 << UInt64(other), "both queued callers wake")
        XCTAssertTrue(ipc.endpoints.isClosed(0))
        XCTAssertEqual(ipc.send(client, on: 0, call: true, blocking: true, carry: -1, landing: -1), .refused(.endpointClosed))
        // Once the last capability naming it goes, its number is free for a new endpoint.
        _ = try ipc.delete(client, 0)
        XCTAssertTrue(ipc.endpoints.exists(0))
        _ = try ipc.delete(other, 0)
        XCTAssertFalse(ipc.endpoints.exists(0))
    }

    func testACallerOfADyingServerWakesWithPartnerDied() {
        XCTAssertEqual(ipc.receive(server, on: 0, blocking: true, landing: -1), .blocked)
        XCTAssertEqual(
            ipc.send(client, on: 0, call: true, blocking: true, carry: -1, landing: -1), .delivered(to: server, capability: false))
        XCTAssertEqual(ipc.threadDied(server).stranded, 1 << UInt64(client))
    }

    func testDeletingTheLastReceiverWakesQueuedSenders() throws {
        XCTAssertEqual(ipc.send(client, on: 0, call: false, blocking: true, carry: -1, landing: -1), .blocked)
        XCTAssertEqual(try ipc.delete(server, 0), 1 << UInt64(client))
        XCTAssertEqual(ipc.endpoints.waiting(client), .none)
    }
}
