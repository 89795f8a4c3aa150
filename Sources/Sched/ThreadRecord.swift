// One record per thread, in one table (seL4's tcb_t, xv6's struct proc,
// Hubris's Task): everything the kernel keeps about a thread lives here, and
// a slot is made fresh for its next thread by one `reset`. The pure rules
// (Scheduler, Endpoints, IPCCore, CapabilitySpace, Lineage) keep only their
// queue heads and counters themselves and index this table for the rest;
// the kernel (Kernel/) reads and writes the same records. Nothing here
// allocates once the table is made, so the trap path can use it.

typealias ThreadBody = @convention(c) (UInt) -> Void

/// A message a thread has sent and not yet had delivered, and where it
/// wants the next one it receives.
struct StagedMessage {
    var word0: UInt = 0
    var word1: UInt = 0
    /// Bytes staged in `bytes` (at most MessageLimits.bufferBytes).
    var length = 0
    /// The badge of the capability the message was sent through.
    var badge: UInt = 0
    var bytes = InlineArray<64, UInt8>(repeating: 0)
    /// The receive buffer's user address and size.
    var receiveAt: UInt = 0
    var receiveCapacity = 0
}

/// A task's memory: its address space and its break. Zero root: a kernel
/// thread, on the kernel's root.
struct TaskMemory {
    var root: UInt64 = 0
    var brk: UInt = 0
    /// Where the heap began (the break at load); sbrk(-n) stops there.
    var heapBase: UInt = 0
    /// Frames the address space holds (root, tables, pages), and the most it may.
    var framesHeld = 0
    var frameLimit = 0
    /// The regions it maps (Regions.swift; -1: none), each counted once, and
    /// where the kernel may map the next one it places (at least the map window's start).
    static let regionSlots = 4
    var regions = InlineArray<4, Int8>(repeating: -1)
    var nextMap: UInt = 0
}

/// A thread's timer (Timers.swift): the notification to signal at `deadline`
/// (0: none), with `badge`, and the next pending timer (-1: none).
struct TimerRecord {
    var deadline: UInt64 = 0
    var notification: Int8 = -1
    var badge: UInt = 0
    var link: Int8 = -1
}

/// How a task ended, kept until its parent collects it with wait.
struct TaskEndRecord: Equatable {
    var how: UInt8
    var value: UInt
    /// Ends are collected oldest first.
    var order: UInt64
}

struct ThreadRecord {
    // The scheduler's (Scheduler.swift): its state, priority and the next
    // thread in its ready queue or the sleep list.
    var state: ThreadState = .unused
    var priority: UInt8 = 0
    var runLink: Int8 = -1
    // The rendezvous' (Endpoints.swift): what it waits for, the next thread in
    // its endpoint's queue, the caller it owes a reply (-1: none).
    var wait: IPCWait = .none
    var queueLink: Int8 = -1
    var owes: Int8 = -1
    // A capability in transit (IPCCore.swift): the slot its pending message
    // carries, and the empty slot where one sent to it may land (-1: none).
    var carry: Int8 = -1
    var landing: Int8 = -1
    /// The notification it is bound to (Notifications.swift; -1: none).
    var boundNotification: Int8 = -1
    var timer = TimerRecord()
    /// Its capabilities (Capabilities.swift).
    var caps = InlineArray<16, Capability>(repeating: .empty)
    var message = StagedMessage()
    /// A console write waiting for room in the log ring (Kernel/ConsoleLog.swift): its text's user address and length.
    var consoleWrite: (address: UInt, length: Int) = (0, 0)
    var memory = TaskMemory()
    // Lineage (Lineage.swift): the task that started it (-1: the kernel),
    // whether it is blocked in wait, and its end while uncollected.
    var parent: Int8 = -1
    var waitingForChild = false
    var end: TaskEndRecord? = nil
    // The kernel thread under it: the handle that resumes it, its stack slot
    // (-1: none) and the top of that stack, its body, argument and name.
    var context = SavedContext.none
    var stackSlot = -1
    var stackTop: UInt = 0
    var body: ThreadBody? = nil
    var argument: UInt = 0
    var nameLength: UInt8 = 0
    var name = InlineArray<15, UInt8>(repeating: 0)
    /// Timer ticks it has been charged.
    var cpuTicks: UInt64 = 0
    /// Where the backend keeps its switched-out context: fixed for the slot's
    /// life, kept by `reset`.
    let area: UnsafeMutableRawPointer?

    init(area: UnsafeMutableRawPointer?) { self.area = area }
}

/// The table of every thread's record. A value that names shared storage:
/// every copy (the scheduler's, the endpoints', the kernel's) is the same table.
struct ThreadTable {
    /// Threads the kernel can hold, idle included. At most 64: the wake sets
    /// are UInt64 masks and the queue links Int8.
    static let capacity = 64
    static let nameBytes = 15
    let records: UnsafeMutablePointer<ThreadRecord>

    /// A table in `storage` (capacity records), each slot fresh, slot t's
    /// backend area from `area(t)`.
    init(storage: UnsafeMutablePointer<ThreadRecord>, area: (ThreadID) -> UnsafeMutableRawPointer? = { _ in nil }) {
        records = storage
        for t in 0..<ThreadTable.capacity { (storage + t).initialize(to: ThreadRecord(area: area(t))) }
    }

    /// A table in storage of its own (the host tests' way; the kernel places its table).
    static func allocate() -> ThreadTable {
        ThreadTable(storage: UnsafeMutablePointer<ThreadRecord>.allocate(capacity: ThreadTable.capacity))
    }

    /// Thread `t`'s record, read and written in place (never copied whole).
    @inline(__always) subscript(t: ThreadID) -> ThreadRecord {
        unsafeAddress { UnsafePointer(records + t) }
        nonmutating unsafeMutableAddress { records + t }
    }

    /// True if slot `t` may be given to a new thread: never used, or dead with
    /// nothing of it still owed to anyone (an end its parent has not collected).
    @inline(__always) func isFree(_ t: ThreadID) -> Bool {
        self[t].state == .unused || (self[t].state == .dead && self[t].end == nil)
    }

    /// The first free slot after the idle thread's, if any.
    func firstFree() -> ThreadID? {
        for t in 1..<ThreadTable.capacity where isFree(t) { return t }
        return nil
    }

    /// Make slot `t` fresh for a new thread: every field as a new record has
    /// it, but the backend's area. The caller has given back what the old
    /// thread held (its address space, its stack) and checked `isFree`.
    func reset(_ t: ThreadID) {
        records[t] = ThreadRecord(area: records[t].area)
    }

    /// Thread `t`'s staged message bytes, for `body` to copy in or out.
    @inline(__always) func withStage<R>(_ t: ThreadID, _ body: (UnsafeMutableRawPointer) -> R) -> R {
        withUnsafeMutablePointer(to: &records[t].message.bytes) { body(UnsafeMutableRawPointer($0)) }
    }

    /// Thread `t`'s name, in place: the records never move, so the bytes stay valid.
    func name(_ t: ThreadID) -> UnsafeRawBufferPointer {
        withUnsafePointer(to: &records[t].name) {
            UnsafeRawBufferPointer(start: UnsafeRawPointer($0), count: Int(records[t].nameLength))
        }
    }

    /// Name thread `t` (at most nameBytes bytes are kept).
    func setName(_ t: ThreadID, _ name: UnsafeRawBufferPointer) {
        let n = min(name.count, ThreadTable.nameBytes)
        records[t].nameLength = UInt8(n)
        for i in 0..<n { records[t].name[i] = name[i] }
    }
}
