import XCTest
@testable import KernelCore

/// Every refusal of the system-call checks, and what a good call decodes to.
final class SyscallDecodeTests: XCTestCase {
    typealias M = EmulatedMachine<I386PageTable>
    let base: UInt = 0xC000_0000

    func decode(_ words: [UInt], _ ipc: Endpoints, _ memory: UserMemory<M>) -> Result<SyscallRequest, SyscallError> {
        SyscallRequest.decode({ $0 < words.count ? words[$0] : 0 }, endpoints: ipc, memory: memory)
    }

    func testEveryArgumentIsChecked() throws {
        let m = M(megabytes: 8)
        var frames = m.frameAllocator()
        let space = AddressSpace(arch: m, frames: &frames)!
        var tables = DirectFromFrames()
        _ = space.map(Page(VirtualAddress(base)), to: frames.allocate()!, [.user, .writable], tables: &tables, frames: &frames)
        _ = space.map(Page(VirtualAddress(base + 0x1000)), to: frames.allocate()!, [.user], tables: &tables, frames: &frames)
        _ = space.map(Page(VirtualAddress(0x0010_0000)), to: frames.allocate()!, .kernelData, tables: &tables, frames: &frames)
        let memory = UserMemory(space: space, window: M.userWindow)
        var ipc = Endpoints()
        let e = UInt(ipc.create()!)
        let writable = base, readOnly = base + 0x1000, kernel: UInt = 0x0010_0000
        let n = { (s: Syscall) in s.rawValue }

        XCTAssertEqual(decode([999], ipc, memory).failure, .badSyscall)
        XCTAssertEqual(decode([0], ipc, memory).failure, .badSyscall)
        // debugWrite: a length limit, and the bytes must be the task's.
        XCTAssertEqual(try decode([n(.debugWrite), readOnly, 5], ipc, memory).get(), .debugWrite(address: readOnly, length: 5))
        XCTAssertEqual(decode([n(.debugWrite), writable, 257], ipc, memory).failure, .tooLong)
        XCTAssertEqual(decode([n(.debugWrite), writable, UInt.max], ipc, memory).failure, .tooLong, "a negative length")
        XCTAssertEqual(decode([n(.debugWrite), kernel, 16], ipc, memory).failure, .badPointer, "kernel memory")
        XCTAssertEqual(decode([n(.debugWrite), base + 0x1FF8, 16], ipc, memory).failure, .badPointer, "runs into an unmapped page")
        // send and call: the endpoint, the length, a readable buffer.
        XCTAssertEqual(try decode([n(.call), e, 1, 2, readOnly, 64], ipc, memory).get(),
                       .send(endpoint: Int(e), word0: 1, word1: 2, buffer: readOnly, length: 64, call: true, blocking: true))
        XCTAssertEqual(decode([n(.send), e + 1, 1, 2, 0, 0], ipc, memory).failure, .badEndpoint, "never created")
        XCTAssertEqual(decode([n(.send), UInt.max, 1, 2, 0, 0], ipc, memory).failure, .badEndpoint, "negative")
        XCTAssertEqual(decode([n(.send), e, 1, 2, writable, 65], ipc, memory).failure, .tooLong)
        XCTAssertEqual(decode([n(.send), e, 1, 2, kernel, 8], ipc, memory).failure, .badPointer)
        XCTAssertEqual(try decode([n(.send), e, 1, 2, 0, 0], ipc, memory).get(),
                       .send(endpoint: Int(e), word0: 1, word1: 2, buffer: 0, length: 0, call: false, blocking: true), "no buffer at all")
        // receive and replyWait: a writable buffer, its capacity clamped to the message limit.
        XCTAssertEqual(try decode([n(.receive), e, writable, 1 << 40], ipc, memory).get(),
                       .receive(endpoint: Int(e), buffer: writable, capacity: 64, blocking: true))
        XCTAssertEqual(decode([n(.receive), e, readOnly, 8], ipc, memory).failure, .badPointer, "read-only for the task")
        XCTAssertEqual(decode([n(.receive), e, base + 0xFF0, 64], ipc, memory).failure, .badPointer, "spills into read-only")
        XCTAssertEqual(decode([n(.replyWait), e + 3, 0, 0, writable, 8], ipc, memory).failure, .badEndpoint)
        XCTAssertEqual(decode([n(.replyWait), e, 7, 8, kernel, 8], ipc, memory).failure, .badPointer)
        XCTAssertEqual(try decode([n(.replyWait), e, 7, 8, writable, 8], ipc, memory).get(),
                       .replyWait(endpoint: Int(e), word0: 7, word1: 8, buffer: writable, capacity: 8))
        // Calls with nothing to check.
        XCTAssertEqual(try decode([n(.reply), 3, 4], ipc, memory).get(), .reply(word0: 3, word1: 4))
        XCTAssertEqual(try decode([n(.exit), 9], ipc, memory).get(), .exit(status: 9))
        XCTAssertEqual(try decode([n(.clock)], ipc, memory).get(), .clock)
    }
}
