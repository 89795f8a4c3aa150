// A system call's six words turned into a checked request. Everything a task
// controls is checked here, before the kernel acts on any of it: the number,
// lengths against their limits, that endpoints exist, and that each buffer
// lies in the task's memory with the access the kernel will make (read what it
// copies in, write what it copies out). A refused call changes nothing. Pure
// and generic, so the host tests drive every refusal.

enum SyscallRequest: Equatable {
    case debugWrite(address: UInt, length: Int)
    case yield
    case exit(status: UInt)
    case sbrk(increment: UInt)
    case send(endpoint: Int, word0: UInt, word1: UInt, buffer: UInt, length: Int, call: Bool, blocking: Bool)
    /// `capacity` is already clamped to the message limit.
    case receive(endpoint: Int, buffer: UInt, capacity: Int, blocking: Bool)
    case reply(word0: UInt, word1: UInt)
    case replyWait(endpoint: Int, word0: UInt, word1: UInt, buffer: UInt, capacity: Int)
    case clock
}

enum SyscallLimits {
    /// Bytes one debugWrite may print.
    static let debugWriteBytes = 256
}

extension SyscallRequest {
    /// Decode the words `word(0)` ... `word(5)` of a call from the task whose memory is `memory`.
    static func decode<A: Architecture>(_ word: (Int) -> UInt, endpoints: Endpoints,
                                        memory: UserMemory<A>) -> Result<SyscallRequest, SyscallError> {
        withUnsafePointer(to: endpoints) { decode(word, endpoints: $0, memory: memory) }
    }

    /// The same, reading the endpoint table where it lies (the kernel's path: a
    /// copy of the table by value cost hundreds of instructions a call).
    static func decode<A: Architecture>(_ word: (Int) -> UInt, endpoints: UnsafePointer<Endpoints>,
                                        memory: UserMemory<A>) -> Result<SyscallRequest, SyscallError> {
        guard let call = Syscall(rawValue: word(0)) else { return .failure(.badSyscall) }
        let a1 = word(1), a2 = word(2), a3 = word(3), a4 = word(4), a5 = word(5)
        switch call {
        case .debugWrite:
            let n = Int(bitPattern: a2)
            guard n >= 0 && n <= SyscallLimits.debugWriteBytes else { return .failure(.tooLong) }
            guard memory.check(a1, n, .read) else { return .failure(.badPointer) }
            return .success(.debugWrite(address: a1, length: n))
        case .yield: return .success(.yield)
        case .exit: return .success(.exit(status: a1))
        case .sbrk: return .success(.sbrk(increment: a1))
        case .clock: return .success(.clock)
        case .reply: return .success(.reply(word0: a1, word1: a2))
        case .send, .call, .trySend:
            let e = Int(bitPattern: a1), n = Int(bitPattern: a5)
            guard endpoints.pointee.exists(e) else { return .failure(.badEndpoint) }
            guard n >= 0 && n <= MessageLimits.bufferBytes else { return .failure(.tooLong) }
            guard memory.check(a4, n, .read) else { return .failure(.badPointer) }
            return .success(.send(endpoint: e, word0: a2, word1: a3, buffer: a4, length: n, call: call == .call,
                                  blocking: call != .trySend))
        case .receive, .tryReceive:
            let e = Int(bitPattern: a1), cap = Int(min(a3, UInt(MessageLimits.bufferBytes)))
            guard endpoints.pointee.exists(e) else { return .failure(.badEndpoint) }
            guard memory.check(a2, cap, .write) else { return .failure(.badPointer) }
            return .success(.receive(endpoint: e, buffer: a2, capacity: cap, blocking: call == .receive))
        case .replyWait:
            let e = Int(bitPattern: a1), cap = Int(min(a5, UInt(MessageLimits.bufferBytes)))
            guard endpoints.pointee.exists(e) else { return .failure(.badEndpoint) }
            guard memory.check(a4, cap, .write) else { return .failure(.badPointer) }
            return .success(.replyWait(endpoint: e, word0: a2, word1: a3, buffer: a4, capacity: cap))
        }
    }
}
