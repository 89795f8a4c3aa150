import XCTest

@testable import KernelCore

/// Interrupt objects (Sources/IPC/InterruptObjects.swift) and their delivery through
/// a notification (IPCCore.interruptArrived): one test per rule.
final class InterruptTests: XCTestCase {
    var ipc = IPCCore()
    let driver = 1, other = 2
    let uartLine: UInt32 = 33

    override func setUp() {
        // The driver's notification in slot 0, its interrupt (badge 8) in slot 1.
        XCTAssertNil(syscallError(try ipc.createNotification(driver, into: 0)))
        XCTAssertNil(syscallError(try ipc.createInterrupt(driver, into: 1, line: uartLine, notification: 0, badge: 8)))
    }

    func testAnArrivalMasksSignalsAndWaitsForTheAck() {
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: true), .blocked)
        let (arrival, signalled) = ipc.interruptArrived(line: uartLine)
        XCTAssertEqual(arrival, .signal(object: 0, notification: 0, badge: 8))
        XCTAssertEqual(signalled, .woke(driver, bits: 8, throughReceive: false))
        XCTAssertEqual(ipc.interrupts.record(0)?.pending, true, "masked until the driver acknowledges")
        XCTAssertEqual(ipc.interrupts.ack(0), uartLine, "the ack unmasks its line")
        XCTAssertNil(ipc.interrupts.ack(0), "a second ack changes nothing")
        XCTAssertEqual(
            ipc.interruptArrived(line: uartLine).0, .signal(object: 0, notification: 0, badge: 8), "delivered again after the ack")
    }

    func testAStormIsOneSignalUntilTheAck() {
        XCTAssertEqual(ipc.interruptArrived(line: uartLine).1, .stored)
        for _ in 0..<1000 { XCTAssertEqual(ipc.interruptArrived(line: uartLine).0, .alreadyPending) }
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: false), .got(bits: 8), "one signal, its one bit")
        XCTAssertEqual(ipc.notifications.wait(driver, on: 0, blocking: false), .wouldBlock, "and nothing after it")
    }

    func testALineBelongsToOneObject() {
        XCTAssertNil(syscallError(try ipc.createNotification(other, into: 0)))
        XCTAssertEqual(syscallError(try ipc.createInterrupt(other, into: 1, line: uartLine, notification: 1, badge: 1)), .busy)
        XCTAssertEqual(syscallError(try ipc.caps.lookup(other, 1)), .emptySlot, "nothing installed")
        XCTAssertNil(
            syscallError(try ipc.createInterrupt(other, into: 1, line: uartLine + 1, notification: 1, badge: 1)), "another line is free")
    }

    func testAnUnownedLineIsMaskedAndCounted() {
        XCTAssertEqual(ipc.interruptArrived(line: 99).0, .unowned)
        XCTAssertEqual(ipc.interrupts.unowned, 1)
    }

    func testTheLastCapabilityGivesTheLineUp() {
        XCTAssertEqual(try ipc.delete(driver, 1), 0)
        XCTAssertFalse(ipc.interrupts.exists(0))
        XCTAssertEqual(ipc.interruptArrived(line: uartLine).0, .unowned, "nobody delivers it now")
        XCTAssertNil(
            syscallError(try ipc.createInterrupt(driver, into: 1, line: uartLine, notification: 0, badge: 8)), "and it can be taken again")
    }

    func testAFreedNotificationUnbindsItsInterrupts() {
        XCTAssertEqual(try ipc.delete(driver, 0), 0)  // the notification's only capability
        XCTAssertEqual(ipc.interruptArrived(line: uartLine).0, .unowned, "bound to nothing: masked, not signalled")
    }
}
