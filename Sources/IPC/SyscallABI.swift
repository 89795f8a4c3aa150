// The system-call interface, shared word for word by the kernel and the user
// runtime (User/Runtime compiles this file too). A call passes six words, r0
// the number and r1-r5 the arguments, in registers. i386 uses eax, ebx, ecx,
// edx, esi, edi with `int 0x80`; aarch64 uses x0-x5 with `svc #0`. It returns
// r0 = a status (0 or a negative SyscallError) and r1-r4 = result words.

// Capabilities are named by slot (0..<16, the task's own table). Calls that
// move a message take a message-info word (MessageInfo) in place of a bare
// length: bits 0-15 the length or capacity, bits 16-23 the slot of a
// capability to carry plus one (0: none), bits 24-31 the empty slot where a
// capability sent to this task may land plus one (0: none).
// docs/syscalls.md is generated from this file (make syscall-doc).

enum Syscall: UInt {
    /// (pointer, length): write bytes to the kernel console, tagged with the
    /// task's name. r1 = bytes written.
    case debugWrite = 1
    /// (): give the CPU to the next ready task of the same priority.
    case yield = 2
    /// (status): end the task; the task that started it learns the status.
    case exit = 3
    /// (increment): grow the task's heap by whole pages, or with a negative
    /// increment (whole pages) give the top back. r1 = the old break.
    case sbrk = 4
    /// (slot, word0, word1, buffer, info): blocking send on an endpoint held with send.
    case send = 5
    /// (slot, buffer, info): blocking receive on an endpoint held with receive.
    /// r1 = the sender's badge, r2 = word0, r3 = word1, r4 = bytes copied
    /// into the buffer, plus 1 << 16 if a capability landed.
    case receive = 6
    /// (slot, word0, word1, buffer, info): send, then wait for the reply.
    /// r1 = 0, r2/r3 = the reply's words, r4 = 1 << 16 if a capability landed.
    case call = 7
    /// (word0, word1, info): answer the call received last (info: a capability to carry).
    case reply = 8
    /// (slot, word0, word1, buffer, info): reply to the call received last (if
    /// any; info's carry slot goes with the reply), then receive.
    case replyWait = 9
    /// (): r1/r2 = the CPU's cycle counter (low, high), r3 = its frequency in kHz (0 if unknown).
    case clock = 10
    /// (slot, word0, word1, buffer, info): send only if a receiver is waiting;
    /// else `wouldBlock` and nothing is queued.
    case trySend = 11
    /// (slot, buffer, info): receive only if a sender is waiting; else
    /// `wouldBlock`. Results as for receive.
    case tryReceive = 12
    /// (from slot, to slot, rights, badge): copy a capability into an empty slot
    /// with fewer rights (bits: 1 send, 2 receive, 4 grant); badge 0 keeps the
    /// source's, another badge needs an unbadged source.
    case derive = 13
    /// (slot): empty a slot of the task's own table.
    case delete = 14
    /// (control slot, to slot): a new endpoint, with every right, into an empty slot.
    case createEndpoint = 15
    /// (control slot, request pointer): start a task from a SpawnRequest. r1 = its task id.
    /// noResources: no thread or stack slot; outOfMemory: no frames; overLimit: its load
    /// exceeds its memory limit; badRequest: the loader refuses the image.
    case spawn = 16
    /// (control slot, task id): stop a task this task started.
    case kill = 17
    /// (control slot): wait until a task this task started ends. r1 = its task
    /// id, r2 = how (TaskEnd), r3 = the exit status or the fault's vector.
    case wait = 18
    /// (control slot): as wait, but `wouldBlock` if none has ended.
    case tryWait = 19
    /// (slot): OR the capability's badge into a notification held with signal;
    /// its waiter (or bound thread in a receive) wakes with the bits.
    case signal = 20
    /// (slot): take a notification's bits (held with wait), blocking until one
    /// is set. r1 = the bits. busy: another thread waits on it or is bound to it.
    case waitSignal = 21
    /// (slot): as waitSignal without blocking. r1 = the bits, 0 if none was set.
    case poll = 22
    /// (slot, or -1): bind the caller to a notification held with wait (or
    /// unbind it), so that its receives also end on a signal: r4 then has
    /// MessageInfo.notified set and r1 = the bits.
    case bind = 23
    /// (control slot, to slot): a new notification, with every right, into an empty slot.
    case createNotification = 24
    /// (slot, deadline, deadline's high word on 32-bit): signal the notification
    /// held with signal in `slot` at the first timer tick at or after `deadline`,
    /// in the clock's units. One timer per task: a new one replaces it; 0 cancels it.
    case setTimer = 25
    /// (slot): acknowledge the interrupt held with ack in `slot`: its line, masked
    /// since it fired, is delivered again. Nothing changes if it has not fired.
    case ack = 26
    /// (control slot, to slot, line, notification slot): a new interrupt object
    /// for the controller's `line` into an empty slot; when the line fires it
    /// signals the notification through the capability in `notification slot`
    /// (held with signal; its badge is the bit). busy: the line has an object;
    /// badRequest: the controller cannot give that line to a task.
    case createInterrupt = 27
    /// (control slot, to slot, bytes): a new shared-memory region of `bytes`
    /// (whole pages), its frames one run (for DMA) and zeroed, into an empty slot.
    /// outOfMemory: no run of free frames that long.
    case createRegion = 28
    /// (control slot, to slot, path address, path length, index): a region for
    /// the `index`-th register range of the device at `path` (a device-tree
    /// path, or "@stdout" for the console's; i386's legacy devices: docs/drivers.md),
    /// into an empty slot: its registers, or its I/O ports on i386. noDevice: no
    /// such device or range; kernelOwned: the kernel's own device, or RAM; busy:
    /// another region has those registers.
    case createDevice = 29
    /// (control slot, path address, path length, index): r1 = the interrupt
    /// controller's line for the `index`-th interrupt of the device at `path`
    /// (for createInterrupt). noDevice: none, or not one this kernel's controller takes.
    case deviceLine = 30
    /// (slot, address, writable): map the region held with read (and write, if
    /// `writable`) into the caller at `address`, or where the kernel chooses if
    /// 0, in the map window (docs/drivers.md). r1 = the address. Device registers
    /// are mapped uncached and never executable. busy: something is mapped there.
    case map = 31
    /// (slot): r1 = the region's physical address (r2 its high word on 32-bit),
    /// or its first port; r3 = its size in bytes, or ports.
    case regionInfo = 32
    /// (slot, offset, width): r1 = the `width`-byte (1, 2 or 4) value read from
    /// the port `offset` into the port region held with read.
    case portRead = 33
    /// (slot, offset, width, value): write `value` to the port `offset` into the
    /// port region held with write.
    case portWrite = 34
    /// (device slot, notification slot): the caller becomes the console's
    /// driver. It holds the console UART's device (or port) region with write;
    /// from now on the kernel's lines and the tasks' go to the log ring, and the
    /// notification (held with signal: its badge is the bit) is signalled when
    /// bytes arrive. busy: another task drives it; badRequest: not the console's registers.
    case attachConsole = 35
    /// (buffer, capacity): the console driver takes up to `capacity` (at most
    /// 256) bytes of the log ring, oldest first. r1 = how many (0: none waits).
    /// badRequest: the caller is not the console's driver.
    case consoleRead = 36
    /// (control slot, what, index, buffer): what the kernel knows of the system,
    /// for a shell's ps and mem; the control capability held with tasks. what 0
    /// (a task, by id): r1 = InspectedTask.state | its wait << 8, r2 = its
    /// priority | (its starter's id + 1) << 8, r3 = frames held, r4 =
    /// capabilities held; its name in the 16-byte buffer. noSuchTask: no task
    /// has that id. what 1 (a program, by index): r1 = its size in bytes; its
    /// name in the buffer. what 2: r1 = free frames, r2 = all frames, r3 = heap
    /// bytes in use, r4 = the heap's bytes. what 3: r1 = the heap's page tables,
    /// r2 = frames the strategy holds back; its name in the buffer.
    case inspect = 37
}

/// inspect's `what`.
enum InspectTarget: UInt {
    case task = 0
    case program = 1
    case memory = 2
    case tables = 3
    /// The bytes of inspect's buffer (names are NUL-padded).
    static let bufferBytes = 16
}

/// A task as inspect reports it: its state and, when blocked, what it waits for.
enum InspectedTask {
    enum State: UInt {
        case ready = 1
        case running = 2
        case sleeping = 3
        case blocked = 4
        case ended = 5
    }
    enum Wait: UInt {
        case none = 0
        case send = 1
        case receive = 2
        case reply = 3
        case signal = 4
        case child = 5
        /// Blocked for something else (a console write waiting for room).
        case other = 6
    }
}

enum SyscallError: Int, Error {
    case badSyscall = -1
    case badPointer = -2
    /// A spawn request out of range: program, priority, name or capability count.
    case badRequest = -3
    case tooLong = -4
    case noCaller = -5
    case outOfMemory = -6
    /// The task owing the reply died, before or after it received the call.
    case partnerDied = -7
    /// sbrk past the task's memory limit (set by what started it).
    case overLimit = -8
    /// A receive while the task still owes a reply to a call it received.
    case replyOwed = -9
    /// A non-blocking send, receive or wait found nothing waiting.
    case wouldBlock = -10
    /// A slot number outside the table.
    case badSlot = -11
    /// The slot named holds no capability.
    case emptySlot = -12
    /// The capability lacks a right the call needs (send, receive, grant).
    case missingRight = -13
    /// The slot holds another kind of object than the call needs.
    case wrongType = -14
    /// The slot a capability should land in is taken.
    case slotFull = -15
    /// A capability was carried to a task that named no slot for it.
    case noSlotNamed = -16
    /// The endpoint's last receive capability is gone: nobody will ever receive.
    case endpointClosed = -17
    /// A badge on a capability that already has one.
    case alreadyBadged = -18
    /// kill or a spawn request named a task or program that is not there.
    case noSuchTask = -19
    /// The kernel's tables (threads, endpoints, notifications) are full.
    case noResources = -20
    /// Another thread waits on the notification, or it is bound to another thread.
    case busy = -21
    /// No device at that path, or it has no such register range or interrupt.
    case noDevice = -22
    /// The device is one the kernel keeps (its timer, its interrupt controller), or the range is RAM.
    case kernelOwned = -23
}

/// Rights on a capability (derive's and spawn's rights word). A notification
/// reads the first two bits as signal and wait.
struct Rights: OptionSet, Equatable {
    let rawValue: UInt8
    init(rawValue: UInt8) { self.rawValue = rawValue }
    static let send = Rights(rawValue: 1)
    static let receive = Rights(rawValue: 2)
    static let grant = Rights(rawValue: 4)
    static let signal = Rights.send
    static let wait = Rights.receive
    /// On an interrupt: acknowledge it (unmask its line).
    static let ack = Rights.receive
    /// On a region: map it (read its ports), and map it writable (write its ports).
    static let read = Rights.send
    static let write = Rights.receive
    /// On the control capability: start tasks, and kill, wait for and inspect those it started.
    static let tasks = Rights.send
    /// On the control capability: make endpoints, notifications, regions, devices and interrupts.
    static let objects = Rights.receive
    static let all: Rights = [.send, .receive, .grant]
    /// Rights from a system-call word: bits above the three known ones are refused.
    static func decode(_ word: UInt) -> Rights? { word <= 7 ? Rights(rawValue: UInt8(word)) : nil }
}

/// The message-info word of send, call, receive, reply and replyWait.
struct MessageInfo: Equatable {
    var length: Int
    /// Slot of a capability to carry, or -1.
    var carry: Int
    /// Empty slot where a capability sent to the caller may land, or -1.
    var landing: Int

    init(length: Int = 0, carry: Int = -1, landing: Int = -1) {
        self.length = length; self.carry = carry; self.landing = landing
    }
    init(word: UInt) {
        length = Int(word & 0xFFFF)
        carry = Int((word >> 16) & 0xFF) - 1
        landing = Int((word >> 24) & 0xFF) - 1
    }
    var word: UInt { UInt(length & 0xFFFF) | UInt((carry + 1) & 0xFF) << 16 | UInt((landing + 1) & 0xFF) << 24 }
    /// The flag in receive's r4 that says a capability landed.
    static let capabilityLanded: UInt = 1 << 16
    /// The flag in receive's r4 that says the receive ended on the caller's
    /// bound notification: r1 = its bits, and no message came.
    static let notified: UInt = 1 << 17
}

/// How a task ended, as wait reports it.
enum TaskEnd: UInt {
    /// It called exit; the value is its status.
    case exited = 0
    /// A CPU fault killed it; the value is the fault's vector (i386), exception class (aarch64) or scause (riscv64).
    case faulted = 1
    /// Its parent killed it.
    case killed = 2
}

/// What spawn reads from the caller's memory: `SpawnRequest.words` words.
/// 0 program (index in the kernel's program table), 1 priority, 2 memory
/// limit in bytes, 3/4 the task's two arguments, 5 name length, 6-9 the name
/// (up to 15 bytes, in the words' bytes), 10 capability count, then per
/// capability 4 words: the caller's slot, the child's slot, rights, badge.
struct SpawnRequest: Equatable {
    static let maxCapabilities = 8
    static let nameBytes = 15
    static let words = 11 + 4 * maxCapabilities
    var program: Int
    var priority: Int
    var memoryLimit: UInt
    var arguments: (UInt, UInt)
    var nameLength: Int
    var capabilityCount: Int

    static func == (a: SpawnRequest, b: SpawnRequest) -> Bool {
        a.program == b.program && a.priority == b.priority && a.memoryLimit == b.memoryLimit
            && a.arguments.0 == b.arguments.0 && a.arguments.1 == b.arguments.1
            && a.nameLength == b.nameLength && a.capabilityCount == b.capabilityCount
    }
}

enum MessageLimits {
    /// Bytes the kernel copies with one message.
    static let bufferBytes = 64
}
