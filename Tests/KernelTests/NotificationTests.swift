import XCTest

@testable import KernelCore

/// Notifications (Sources/IPC/Notifications.swift) and where they meet the
/// rendezvous (IPCCore): one test per rule in the file's header.
final class NotificationTests: XCTestCase {
    var ipc = IPCCore()
    /// A driver waits or is bound; two sources signal with their own badges.
    let driver = 1, sourceA = 2, sourceB = 3, client = 4

    override func setUp() {
        // Notification 0 in the driver's slot 0; endpoint 0 in its slot 1.
        XCTAssertNil(syscallError(try ipc.createNotification(driver, into: 0)))
        XCTAssertNil(syscallError(try ipc.createEndpoint(driver, into: 1)))
        XCTAssertNil(syscallError(try ipc.caps.derive(driver, from: 0, into: sourceA, at: 0, rights: .signal, badge: 0b01)))
        XCTAssertNil(syscallError(try ipc.caps.derive(driver, from: 0, into: sourceB, at: 0, rights: .signal, badge: 0b10)))
        XCTAssertNil(syscallError(try ipc.caps.derive(driver, from: 1, into: client, at: 0, rights: .send, badge: 7)))
    }

    func testSignalsBeforeTheWaitMergeIntoOneWordTakenOnce() {
        XCTAssertEqual(ipc.signal(0, badge: 0b01), .stored)
        XCTAssertEqual(ipc.signal(0, badge: 0b01), .stored, "the same bit twice is one bit")
        XCTAssertEqual(ipc.signal(0, badge: 0b10), .stored)
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: true), .got(bits: 0b11))
        XCTAssertEqual(ipc.notifications.word(0), 0, "the wait cleared the word")
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: true), .blocked, "nothing left: the next wait blocks")
    }

    func testASignalWakesTheWaiterWithTheWord() {
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: true), .blocked)
        XCTAssertEqual(ipc.threads[driver].wait, .waitingForSignal(notification: 0))
        XCTAssertEqual(ipc.signal(0, badge: 0b10), .woke(driver, bits: 0b10, throughReceive: false))
        XCTAssertEqual(ipc.threads[driver].wait, .none)
        XCTAssertEqual(ipc.notifications.word(0), 0, "the bits went to the waiter, not into the word")
        XCTAssertEqual(ipc.signal(0, badge: 0b01), .stored, "woken once: the next signal waits in the word")
    }

    func testPollNeverBlocks() {
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: false), .wouldBlock)
        XCTAssertEqual(ipc.threads[driver].wait, .none)
        _ = ipc.signal(0, badge: 0b01)
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: false), .got(bits: 0b01))
    }

    func testOneWaiterAtATime() {
        XCTAssertNil(syscallError(try ipc.caps.derive(driver, from: 0, into: client, at: 1, rights: .wait, badge: 0)))
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: true), .blocked)
        XCTAssertEqual(ipc.notifications.wait(client, on: 0, blocking: true), .busy)
        XCTAssertEqual(ipc.threads[client].wait, .none, "the refused waiter changed nothing")
    }

    func testABoundReceiveTakesPendingBitsBeforeAnySender() {
        XCTAssertNil(syscallError(try ipc.notifications.bind(driver, to: 0)))
        XCTAssertEqual(ipc.send(client, on: 0, call: false, blocking: true, carry: -1, landing: -1), .blocked)
        _ = ipc.signal(0, badge: 0b10)
        XCTAssertEqual(ipc.receive(driver, on: 0, blocking: true, landing: -1), .notified(bits: 0b10))
        XCTAssertEqual(ipc.endpoints.waitingSender(0), client, "the sender still waits its turn")
        XCTAssertEqual(ipc.receive(driver, on: 0, blocking: true, landing: -1), .got(from: client, senderWakes: true, capability: false))
    }

    func testASignalEndsTheBoundThreadsReceive() {
        XCTAssertNil(syscallError(try ipc.notifications.bind(driver, to: 0)))
        XCTAssertEqual(ipc.receive(driver, on: 0, blocking: true, landing: 3), .blocked)
        XCTAssertEqual(ipc.signal(0, badge: 0b01), .woke(driver, bits: 0b01, throughReceive: true))
        XCTAssertEqual(ipc.threads[driver].wait, .none)
        XCTAssertNil(ipc.endpoints.waitingReceiver(0), "out of the endpoint's queue")
        XCTAssertEqual(ipc.threads[driver].landing, -1, "its landing slot is no longer offered")
        XCTAssertEqual(ipc.send(client, on: 0, call: false, blocking: false, carry: -1, landing: -1), .refused(.wouldBlock))
    }

    func testAWaitOnANotificationBoundToAnotherThreadIsRefused() {
        XCTAssertNil(syscallError(try ipc.caps.derive(driver, from: 0, into: client, at: 1, rights: .wait, badge: 0)))
        XCTAssertNil(syscallError(try ipc.notifications.bind(driver, to: 0)))
        XCTAssertEqual(ipc.notifications.wait(client, on: 0, blocking: true), .busy)
        XCTAssertEqual(syscallError(try ipc.notifications.bind(client, to: 0)), .busy, "one thread per notification")
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: false), .wouldBlock, "the bound thread itself may wait")
        XCTAssertNil(syscallError(try ipc.notifications.bind(driver, to: -1)))
        XCTAssertNil(syscallError(try ipc.notifications.bind(client, to: 0)), "free again once unbound")
    }

    func testTheLastWaitCapabilityClosesItAndTheLastCapabilityFreesIt() {
        XCTAssertEqual(ipc.caps.counts(.notification(0)).receivers, 1, "the driver's is the only one with wait")
        XCTAssertEqual(try ipc.delete(driver, 0), 0)
        XCTAssertTrue(ipc.notifications.isClosed(0))
        XCTAssertEqual(ipc.signal(0, badge: 0b01), .closed, "nobody can wait: the signaller is told")
        _ = try? ipc.delete(sourceA, 0)
        XCTAssertTrue(ipc.notifications.exists(0), "source B still names it")
        _ = try? ipc.delete(sourceB, 0)
        XCTAssertFalse(ipc.notifications.exists(0), "no capability names it: its number is free")
        XCTAssertNil(syscallError(try ipc.createNotification(driver, into: 0)))
        XCTAssertEqual(ipc.signal(0, badge: 0b01), .stored, "a new notification, open, with nothing of the old one")
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: false), .got(bits: 0b01))
    }

    func testADeadThreadStopsWaitingAndIsUnbound() {
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: true), .blocked)
        // The driver's task dies, but its notification lives on in a copy held with wait.
        XCTAssertNil(syscallError(try ipc.caps.derive(driver, from: 0, into: client, at: 1, rights: .wait, badge: 0)))
        _ = ipc.threadDied(driver)
        XCTAssertEqual(ipc.threads[driver].wait, .none)
        XCTAssertEqual(ipc.signal(0, badge: 0b01), .stored, "no dead waiter is woken")
        XCTAssertEqual(ipc.notifications.wait(client, on: 0, blocking: false), .got(bits: 0b01), "and nobody is left waiting")
        // Bound, then dead: the binding goes with it.
        XCTAssertNil(syscallError(try ipc.notifications.bind(client, to: 0)))
        _ = ipc.threadDied(client)
        XCTAssertNil(ipc.notifications.boundThread(0))
    }

    func testMakingOneIsAllOrNothing() {
        XCTAssertEqual(syscallError(try ipc.createNotification(driver, into: 0)), .slotFull, "the slot is checked first")
        XCTAssertFalse(ipc.notifications.exists(1), "so no notification was made for it")
        // One exists; the driver's free slots (2 to 15) and one of the client's take the rest.
        for slot in 2..<CapabilitySpace.slots { XCTAssertNil(syscallError(try ipc.createNotification(driver, into: slot))) }
        for slot in 1..<(1 + Notifications.capacity - (CapabilitySpace.slots - 1)) {
            XCTAssertNil(syscallError(try ipc.createNotification(client, into: slot)))
        }
        XCTAssertEqual(syscallError(try ipc.createNotification(client, into: 5)), .noResources, "the table is full")
        XCTAssertEqual(syscallError(try ipc.caps.lookup(client, 5)), .emptySlot, "and the slot stays empty")
    }

    func testRightsAreChecked() {
        XCTAssertEqual(syscallError(try ipc.caps.notification(sourceA, 0, needs: .wait)), .missingRight, "a source may only signal")
        XCTAssertEqual(try ipc.caps.notification(sourceA, 0, needs: .signal).badge, 0b01)
        XCTAssertEqual(syscallError(try ipc.caps.notification(driver, 1, needs: .signal)), .wrongType, "an endpoint is not a notification")
        XCTAssertEqual(syscallError(try ipc.caps.endpoint(driver, 0, needs: .send)), .wrongType, "nor the other way round")
        XCTAssertEqual(
            syscallError(try ipc.caps.derive(sourceA, from: 0, to: 1, rights: .signal, badge: 4)), .alreadyBadged,
            "a source cannot mint another source's bits")
    }
}
