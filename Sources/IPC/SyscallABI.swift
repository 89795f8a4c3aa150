// The system-call interface, shared word for word by the kernel and the user
// runtime (User/Runtime compiles this file too). A call passes six words, r0
// the number and r1-r5 the arguments, in registers. i386 uses eax, ebx, ecx,
// edx, esi, edi with `int 0x80`; aarch64 uses x0-x5 with `svc #0`. It returns
// r0 = a status (0 or a negative SyscallError) and r1-r4 = result words.

enum Syscall: UInt {
    /// (pointer, length): write bytes to the kernel console. r1 = bytes written.
    case debugWrite = 1
    case yield = 2
    /// (status): end the task.
    case exit = 3
    /// (increment): grow the task's heap. r1 = the old break.
    case sbrk = 4
    /// (endpoint, word0, word1, buffer, length): blocking send.
    case send = 5
    /// (endpoint, buffer, capacity): blocking receive. r1 = sender's badge,
    /// r2 = word0, r3 = word1, r4 = bytes copied into the buffer.
    case receive = 6
    /// (endpoint, word0, word1, buffer, length): send, then wait for the reply.
    /// r1 = replier's badge, r2/r3 = the reply's words.
    case call = 7
    /// (word0, word1): answer the last call received.
    case reply = 8
    /// (endpoint, word0, word1, buffer, capacity): reply, then receive.
    case replyWait = 9
    /// (): r1/r2 = the CPU's cycle counter (low, high), r3 = its frequency in kHz (0 if unknown).
    case clock = 10
    /// (endpoint, word0, word1, buffer, length): send only if a receiver is
    /// waiting; else `wouldBlock` and nothing is queued.
    case trySend = 11
    /// (endpoint, buffer, capacity): receive only if a sender is waiting; else
    /// `wouldBlock`. Results as for receive.
    case tryReceive = 12
}

enum SyscallError: Int, Error {
    case badSyscall = -1
    case badPointer = -2
    case badEndpoint = -3
    case tooLong = -4
    case noCaller = -5
    case outOfMemory = -6
    case partnerDied = -7
    /// sbrk past the task's memory limit (set by what started it).
    case overLimit = -8
    /// A receive while the task still owes a reply to a call it received.
    case replyOwed = -9
    /// A non-blocking send or receive found no partner waiting.
    case wouldBlock = -10
}

enum MessageLimits {
    /// Bytes the kernel copies with one message.
    static let bufferBytes = 64
}
