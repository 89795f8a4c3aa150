import XCTest

@testable import KernelCore

/// Every refusal of the system-call checks, and what a good call decodes to.
final class SyscallDecodeTests: XCTestCase {
    typealias M = EmulatedMachine<I386PageTable>
    let base: UInt = 0xC000_0000
    let me = 3

    func decode(_ words: [UInt], _ caps: CapabilitySpace, _ memory: UserMemory<M>) -> Result<SyscallRequest, SyscallError> {
        // Kept as a value, so that each test compares outcomes.
        Result { () throws(SyscallError) in
            try withUnsafePointer(to: caps) { caps throws(SyscallError) in
                try SyscallRequest.decode({ $0 < words.count ? words[$0] : 0 }, thread: me, caps: caps, memory: memory)
            }
        }
    }

    func info(_ length: Int, carry: Int = -1, landing: Int = -1) -> UInt {
        MessageInfo(length: length, carry: carry, landing: landing).word
    }

    func testMessageInfoRoundTrips() {
        for (l, c, d) in [(0, -1, -1), (64, 0, 15), (65535, 254, 254), (8, -1, 3)] {
            let i = MessageInfo(length: l, carry: c, landing: d)
            XCTAssertEqual(MessageInfo(word: i.word), i)
        }
        XCTAssertEqual(MessageInfo(word: 0), MessageInfo(length: 0, carry: -1, landing: -1), "zero: no capability either way")
    }

    func testEveryArgumentIsChecked() throws {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        try space.map(Page(VirtualAddress(base)), to: frames.allocate()!, [.user, .writable], tables: &tables, frames: &frames)
        try space.map(Page(VirtualAddress(base + 0x1000)), to: frames.allocate()!, [.user], tables: &tables, frames: &frames)
        try space.map(Page(VirtualAddress(0x0010_0000)), to: frames.allocate()!, .kernelData, tables: &tables, frames: &frames)
        let memory = UserMemory(space: space, window: M.userWindow)
        var caps = CapabilitySpace()
        // Slot 0: every right, badge 5; slot 1: send only; slot 2: receive only; slot 3: the control capability.
        XCTAssertNil(syscallError(try caps.install(.endpoint(4, .all, badge: 5), in: me, at: 0)))
        XCTAssertNil(syscallError(try caps.install(.endpoint(4, .send), in: me, at: 1)))
        XCTAssertNil(syscallError(try caps.install(.endpoint(4, .receive), in: me, at: 2)))
        XCTAssertNil(syscallError(try caps.install(Capability(object: .control, rights: .all, badge: 0), in: me, at: 3)))
        let writable = base, readOnly = base + 0x1000, kernel: UInt = 0x0010_0000
        let n = { (s: Syscall) in s.rawValue }

        XCTAssertEqual(decode([999], caps, memory).failure, .badSyscall)
        XCTAssertEqual(decode([0], caps, memory).failure, .badSyscall)
        // debugWrite: a length limit, and the bytes must be the task's.
        XCTAssertEqual(try decode([n(.debugWrite), readOnly, 5], caps, memory).get(), .debugWrite(address: readOnly, length: 5))
        XCTAssertEqual(decode([n(.debugWrite), writable, 257], caps, memory).failure, .tooLong)
        XCTAssertEqual(decode([n(.debugWrite), writable, UInt.max], caps, memory).failure, .tooLong, "a negative length")
        XCTAssertEqual(decode([n(.debugWrite), kernel, 16], caps, memory).failure, .badPointer, "kernel memory")
        XCTAssertEqual(decode([n(.debugWrite), base + 0x1FF8, 16], caps, memory).failure, .badPointer, "runs into an unmapped page")
        // send and call: the slot and its right, the length, a readable buffer; the badge comes from the capability.
        XCTAssertEqual(
            try decode([n(.call), 0, 1, 2, readOnly, info(64, landing: 9)], caps, memory).get(),
            .send(
                endpoint: 4, badge: 5, word0: 1, word1: 2, buffer: readOnly, length: 64, call: true, blocking: true,
                carry: -1, landing: 9))
        XCTAssertEqual(decode([n(.send), 7, 1, 2, 0, 0], caps, memory).failure, .emptySlot)
        XCTAssertEqual(decode([n(.send), 16, 1, 2, 0, 0], caps, memory).failure, .badSlot)
        XCTAssertEqual(decode([n(.send), UInt.max, 1, 2, 0, 0], caps, memory).failure, .badSlot, "negative")
        XCTAssertEqual(decode([n(.send), 2, 1, 2, 0, 0], caps, memory).failure, .missingRight, "receive only")
        XCTAssertEqual(decode([n(.send), 3, 1, 2, 0, 0], caps, memory).failure, .wrongType, "the control capability")
        XCTAssertEqual(decode([n(.send), 0, 1, 2, writable, info(65)], caps, memory).failure, .tooLong)
        XCTAssertEqual(decode([n(.send), 0, 1, 2, kernel, info(8)], caps, memory).failure, .badPointer)
        XCTAssertEqual(decode([n(.send), 0, 1, 2, 0, info(0, carry: 1)], caps, memory).failure, .missingRight, "carry needs grant")
        XCTAssertEqual(decode([n(.send), 0, 1, 2, 0, info(0, carry: 9)], caps, memory).failure, .emptySlot, "carry an empty slot")
        XCTAssertEqual(decode([n(.call), 0, 1, 2, 0, info(0, landing: 200)], caps, memory).failure, .badSlot, "landing outside")
        XCTAssertEqual(decode([n(.call), 0, 1, 2, 0, info(0, landing: 16)], caps, memory).failure, .badSlot, "one past the last slot")
        XCTAssertEqual(
            try decode([n(.call), 0, 1, 2, 0, info(0, landing: 15)], caps, memory).get(),
            .send(
                endpoint: 4, badge: 5, word0: 1, word1: 2, buffer: 0, length: 0, call: true, blocking: true,
                carry: -1, landing: 15), "the last slot")
        XCTAssertEqual(
            try decode([n(.send), 1, 1, 2, 0, info(0, carry: 0, landing: 4)], caps, memory).get(),
            .send(
                endpoint: 4, badge: 0, word0: 1, word1: 2, buffer: 0, length: 0, call: false, blocking: true,
                carry: 0, landing: -1), "a plain send takes no landing slot")
        // receive and replyWait: the receive right, a writable buffer, its capacity clamped to the message limit.
        XCTAssertEqual(
            try decode([n(.receive), 2, writable, info(0xFFFF, landing: 6)], caps, memory).get(),
            .receive(endpoint: 4, buffer: writable, capacity: 64, blocking: true, landing: 6))
        XCTAssertEqual(decode([n(.receive), 1, writable, info(8)], caps, memory).failure, .missingRight, "send only")
        XCTAssertEqual(decode([n(.receive), 2, readOnly, info(8)], caps, memory).failure, .badPointer, "read-only for the task")
        XCTAssertEqual(decode([n(.receive), 2, base + 0xFF0, info(64)], caps, memory).failure, .badPointer, "spills into read-only")
        XCTAssertEqual(decode([n(.replyWait), 5, 0, 0, writable, info(8)], caps, memory).failure, .emptySlot)
        XCTAssertEqual(decode([n(.replyWait), 0, 7, 8, kernel, info(8)], caps, memory).failure, .badPointer)
        XCTAssertEqual(
            decode([n(.replyWait), 0, 7, 8, readOnly, info(8)], caps, memory).failure, .badPointer,
            "the receive buffer must be writable")
        XCTAssertEqual(decode([n(.replyWait), 0, 7, 8, writable, info(8, carry: 2)], caps, memory).failure, .missingRight)
        XCTAssertEqual(
            try decode([n(.replyWait), 0, 7, 8, writable, info(8, carry: 0)], caps, memory).get(),
            .replyWait(endpoint: 4, word0: 7, word1: 8, buffer: writable, capacity: 8, carry: 0, landing: -1))
        // reply: only the carried capability to check.
        XCTAssertEqual(try decode([n(.reply), 3, 4], caps, memory).get(), .reply(word0: 3, word1: 4, carry: -1))
        XCTAssertEqual(decode([n(.reply), 3, 4, info(0, carry: 1)], caps, memory).failure, .missingRight)
        // The control calls need the control capability in the named slot.
        XCTAssertEqual(try decode([n(.createEndpoint), 3, 9], caps, memory).get(), .createEndpoint(slot: 9))
        XCTAssertEqual(decode([n(.createEndpoint), 0, 9], caps, memory).failure, .wrongType, "an endpoint is not control")
        XCTAssertEqual(decode([n(.kill), 6, 2], caps, memory).failure, .emptySlot)
        XCTAssertEqual(try decode([n(.kill), 3, 2], caps, memory).get(), .kill(task: 2))
        XCTAssertEqual(try decode([n(.wait), 3], caps, memory).get(), .wait(blocking: true))
        XCTAssertEqual(try decode([n(.tryWait), 3], caps, memory).get(), .wait(blocking: false))
        XCTAssertEqual(decode([n(.spawn), 3, kernel], caps, memory).failure, .badPointer, "the request must be the task's")
        XCTAssertEqual(try decode([n(.spawn), 3, readOnly], caps, memory).get(), .spawn(address: readOnly))
        // derive: rights bits beyond the three known are refused here; the rest in CapabilitySpace.
        XCTAssertEqual(decode([n(.derive), 0, 5, 8, 0], caps, memory).failure, .missingRight)
        XCTAssertEqual(try decode([n(.derive), 0, 5, 1, 77], caps, memory).get(), .derive(from: 0, to: 5, rights: .send, badge: 77))
        XCTAssertEqual(try decode([n(.delete), 5], caps, memory).get(), .delete(slot: 5))
        // Calls with nothing to check.
        XCTAssertEqual(try decode([n(.exit), 9], caps, memory).get(), .exit(status: 9))
        XCTAssertEqual(try decode([n(.clock)], caps, memory).get(), .clock)
    }

    /// The calls of notifications, timers and interrupts (decoded out of line, apart from the message calls).
    func testEventCallsAreChecked() {
        let m = M(megabytes: 4)
        let memory = UserMemory(space: AddressSpace(arch: m, root: Frame(PhysicalAddress(0x1000))), window: M.userWindow)
        var caps = CapabilitySpace()
        // 0: a notification, signal only, badge 3; 1: the same, wait only; 2: an endpoint;
        // 3: control; 4: an interrupt held with ack; 5: one held without it.
        XCTAssertNil(syscallError(try caps.install(.notification(2, .signal, badge: 3), in: me, at: 0)))
        XCTAssertNil(syscallError(try caps.install(.notification(2, .wait), in: me, at: 1)))
        XCTAssertNil(syscallError(try caps.install(.endpoint(4), in: me, at: 2)))
        XCTAssertNil(syscallError(try caps.install(Capability(object: .control, rights: .all, badge: 0), in: me, at: 3)))
        XCTAssertNil(syscallError(try caps.install(Capability(object: .interrupt(6), rights: .ack, badge: 0), in: me, at: 4)))
        XCTAssertNil(syscallError(try caps.install(Capability(object: .interrupt(7), rights: .send, badge: 0), in: me, at: 5)))
        let n = { (s: Syscall) in s.rawValue }

        XCTAssertEqual(try decode([n(.signal), 0], caps, memory).get(), .signal(notification: 2, badge: 3))
        XCTAssertEqual(decode([n(.signal), 1], caps, memory).failure, .missingRight, "wait only")
        XCTAssertEqual(decode([n(.signal), 2], caps, memory).failure, .wrongType, "an endpoint")
        XCTAssertEqual(try decode([n(.waitSignal), 1], caps, memory).get(), .waitSignal(notification: 2, blocking: true))
        XCTAssertEqual(try decode([n(.poll), 1], caps, memory).get(), .waitSignal(notification: 2, blocking: false))
        XCTAssertEqual(decode([n(.waitSignal), 0], caps, memory).failure, .missingRight, "signal only")
        XCTAssertEqual(try decode([n(.bind), 1], caps, memory).get(), .bind(notification: 2))
        XCTAssertEqual(try decode([n(.bind), UInt.max], caps, memory).get(), .bind(notification: -1), "-1 unbinds")
        XCTAssertEqual(decode([n(.bind), 0], caps, memory).failure, .missingRight, "binding needs wait")
        // setTimer: the deadline is one word on 64-bit, two (low, high) on 32-bit.
        XCTAssertEqual(
            try decode([n(.setTimer), 0, 0x1234, 0], caps, memory).get(), .setTimer(notification: 2, badge: 3, deadline: 0x1234))
        XCTAssertEqual(decode([n(.setTimer), 1, 5], caps, memory).failure, .missingRight, "a timer signals")
        XCTAssertEqual(try decode([n(.ack), 4], caps, memory).get(), .ack(interrupt: 6))
        XCTAssertEqual(decode([n(.ack), 5], caps, memory).failure, .missingRight, "held without ack")
        XCTAssertEqual(decode([n(.ack), 0], caps, memory).failure, .wrongType, "a notification is no interrupt")
        XCTAssertEqual(decode([n(.ack), 9], caps, memory).failure, .emptySlot)
        // createInterrupt: (control, to slot, line, notification slot held with signal).
        XCTAssertEqual(
            try decode([n(.createInterrupt), 3, 8, 33, 0], caps, memory).get(),
            .createInterrupt(slot: 8, line: 33, notification: 2, badge: 3))
        XCTAssertEqual(decode([n(.createInterrupt), 2, 8, 33, 0], caps, memory).failure, .wrongType, "needs the control capability")
        XCTAssertEqual(
            decode([n(.createInterrupt), 3, 8, 33, 1], caps, memory).failure, .missingRight, "the notification must be signalled")
        XCTAssertEqual(decode([n(.createInterrupt), 3, 8, UInt(UInt32.max) + 1, 0], caps, memory).failure, .badRequest, "no such line")
        XCTAssertEqual(try decode([n(.createNotification), 3, 9], caps, memory).get(), .createNotification(slot: 9))
    }

    func testRegionCallsAreChecked() throws {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        try space.map(Page(VirtualAddress(base)), to: frames.allocate()!, [.user, .writable], tables: &tables, frames: &frames)
        let memory = UserMemory(space: space, window: M.userWindow)
        var caps = CapabilitySpace()
        // 0: a region held with read; 1: with read and write; 2: a notification; 3: control.
        XCTAssertNil(syscallError(try caps.install(Capability(object: .region(5), rights: .read, badge: 0), in: me, at: 0)))
        XCTAssertNil(syscallError(try caps.install(Capability(object: .region(6), rights: [.read, .write], badge: 0), in: me, at: 1)))
        XCTAssertNil(syscallError(try caps.install(.notification(2), in: me, at: 2)))
        XCTAssertNil(syscallError(try caps.install(Capability(object: .control, rights: .all, badge: 0), in: me, at: 3)))
        let n = { (s: Syscall) in s.rawValue }
        let path = base + 0x10

        XCTAssertEqual(try decode([n(.map), 0, 0, 0], caps, memory).get(), .map(region: 5, address: 0, writable: false))
        XCTAssertEqual(decode([n(.map), 0, 0, 1], caps, memory).failure, .missingRight, "writable needs write")
        XCTAssertEqual(try decode([n(.map), 1, 0x1000, 1], caps, memory).get(), .map(region: 6, address: 0x1000, writable: true))
        XCTAssertEqual(decode([n(.map), 2, 0, 0], caps, memory).failure, .wrongType, "a notification is no region")
        XCTAssertEqual(try decode([n(.regionInfo), 0], caps, memory).get(), .regionInfo(region: 5))
        XCTAssertEqual(try decode([n(.portRead), 0, 5, 1], caps, memory).get(), .portRead(region: 5, offset: 5, width: 1))
        XCTAssertEqual(decode([n(.portRead), 0, 5, 3], caps, memory).failure, .badRequest, "widths are 1, 2 and 4")
        XCTAssertEqual(decode([n(.portWrite), 0, 0, 1, 65], caps, memory).failure, .missingRight, "writing needs write")
        XCTAssertEqual(
            try decode([n(.portWrite), 1, 0, 4, 65], caps, memory).get(), .portWrite(region: 6, offset: 0, width: 4, value: 65))
        // The makers need control, a path the caller can read, and a sane length and index.
        XCTAssertEqual(try decode([n(.createRegion), 3, 9, 0x4000], caps, memory).get(), .createRegion(slot: 9, bytes: 0x4000))
        XCTAssertEqual(decode([n(.createRegion), 0, 9, 0x4000], caps, memory).failure, .wrongType, "needs the control capability")
        XCTAssertEqual(
            try decode([n(.createDevice), 3, 9, path, 7, 1], caps, memory).get(), .createDevice(slot: 9, path: path, length: 7, index: 1))
        XCTAssertEqual(try decode([n(.deviceLine), 3, path, 7, 0], caps, memory).get(), .deviceLine(path: path, length: 7, index: 0))
        XCTAssertEqual(decode([n(.createDevice), 3, 9, path, 0, 0], caps, memory).failure, .tooLong, "an empty path")
        XCTAssertEqual(decode([n(.createDevice), 3, 9, path, 65, 0], caps, memory).failure, .tooLong)
        XCTAssertEqual(decode([n(.createDevice), 3, 9, base + 0x1000, 7, 0], caps, memory).failure, .badPointer, "not the caller's")
        XCTAssertEqual(decode([n(.deviceLine), 3, path, 7, 256], caps, memory).failure, .noDevice, "no device has 256 of them")
        XCTAssertEqual(decode([n(.deviceLine), 1, path, 7, 0], caps, memory).failure, .wrongType)
    }

    func testSpawnRequestsAreCheckedWhole() throws {
        func words(_ edit: (inout [UInt]) -> Void) -> [UInt] {
            var w = [UInt](repeating: 0, count: SpawnRequest.words)
            w[0] = 2; w[1] = 3; w[2] = 1 << 20; w[3] = 7; w[4] = 8; w[5] = 5; w[10] = 1
            w[11] = 1; w[12] = 0; w[13] = 1; w[14] = 42
            edit(&w)
            return w
        }
        let decode = { (w: [UInt]) in
            Result { () throws(SyscallError) in try SpawnRequest.decode({ w[$0] }, programs: 4, highest: 5) }
        }
        let good = try decode(words { _ in }).get()
        XCTAssertEqual(
            good, SpawnRequest(program: 2, priority: 3, memoryLimit: 1 << 20, arguments: (7, 8), nameLength: 5, capabilityCount: 1))
        let cap = SpawnRequest.capability({ words { _ in }[$0] }, 0)
        XCTAssertEqual(cap.from, 1); XCTAssertEqual(cap.to, 0); XCTAssertEqual(cap.rights, .send); XCTAssertEqual(cap.badge, 42)
        XCTAssertEqual(decode(words { $0[0] = 4 }).failure, .noSuchTask, "no such program")
        XCTAssertEqual(decode(words { $0[0] = UInt.max }).failure, .noSuchTask)
        XCTAssertEqual(decode(words { $0[1] = 0 }).failure, .badRequest, "priority 0 is the idle thread's")
        XCTAssertEqual(decode(words { $0[1] = 6 }).failure, .badRequest, "above the starter's own priority")
        XCTAssertNoThrow(try decode(words { $0[1] = 5 }).get(), "at the starter's own")
        XCTAssertEqual(decode(words { $0[5] = 0 }).failure, .badRequest, "no name")
        XCTAssertEqual(decode(words { $0[5] = 16 }).failure, .badRequest, "name too long")
        XCTAssertEqual(decode(words { $0[10] = 9 }).failure, .badRequest, "too many capabilities")
        XCTAssertEqual(decode(words { $0[10] = UInt(bitPattern: -1) }).failure, .badRequest, "a negative count")
        XCTAssertEqual(decode(words { $0[13] = 9 }).failure, .missingRight, "unknown rights bits")
    }
}
