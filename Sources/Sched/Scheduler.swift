// The scheduler's queueing logic: preemptive round-robin within priorities,
// driven by the timer tick, with yield, sleep for N ticks, and block/wake (the
// primitive IPC will use). Arch-independent and pure: it decides which thread
// runs; the backend saves and restores registers. Threads live in a fixed
// table (ThreadRecord.swift: state, priority and queue link are fields of each
// record) and queues are intrusive, so nothing here allocates: the switch path
// can run in an interrupt handler.

typealias ThreadID = Int

enum ThreadState: Equatable {
    case unused
    case ready
    case running
    case sleeping(until: UInt64)
    case blocked
    case dead
}

struct Scheduler {
    static let priorities = 8
    /// Thread 0 is the idle thread: it runs when nothing else is ready, and never queues.
    static let idle: ThreadID = 0

    /// The records this scheduler queues (state, priority, runLink).
    let threads: ThreadTable
    private var heads = InlineArray<8, Int8>(repeating: -1)
    private var tails = InlineArray<8, Int8>(repeating: -1)
    /// Bit p set: the ready queue of priority p is not empty.
    private var readyMask: UInt8 = 0
    /// Sleepers, soonest first.
    private var sleepers: Int8 = -1
    private(set) var current: ThreadID = Scheduler.idle
    private(set) var ticks: UInt64 = 0
    private(set) var switches: UInt64 = 0
    /// The idle thread (the boot flow) is waiting for something and wants to
    /// look on every tick: then each tick preempts whoever runs, however high its
    /// priority, and the idle thread runs first. So a task that never blocks
    /// cannot keep the boot flow from its work.
    private(set) var idlePolls = false
    private var idleDue = false
    /// Ticks a thread runs before an equal-priority thread gets the CPU.
    let quantum: UInt64
    private var sliceLeft: UInt64

    init(quantum: UInt64 = 5, threads: ThreadTable = .allocate()) {
        self.threads = threads
        self.quantum = max(quantum, 1)
        sliceLeft = self.quantum
        threads[Scheduler.idle].state = .running
    }

    @inline(__always) func state(of t: ThreadID) -> ThreadState { threads[t].state }
    func priority(of t: ThreadID) -> Int { Int(threads[t].priority) }

    /// A new ready thread at `priority` in a fresh slot, or nil if the table is full.
    mutating func add(priority p: Int) -> ThreadID? {
        guard let t = threads.firstFree() else { return nil }
        threads.reset(t)
        admit(t, priority: p)
        return t
    }

    /// Fresh slot `t` (ThreadTable.reset) becomes a ready thread at `priority`
    /// (0 lowest ... priorities - 1 highest; others are clamped).
    mutating func admit(_ t: ThreadID, priority p: Int) {
        threads[t].priority = UInt8(min(max(p, 0), Scheduler.priorities - 1))
        makeReady(t)
    }

    /// One timer tick: wake due sleepers and charge the running thread. True if
    /// the caller should reschedule (a quantum ran out, or a higher priority is ready).
    mutating func tick() -> Bool {
        ticks += 1
        while sleepers >= 0, case .sleeping(let until) = threads[Int(sleepers)].state, until <= ticks {
            let t = Int(sleepers)
            sleepers = threads[t].runLink
            makeReady(t)
        }
        if current == Scheduler.idle { return readyMask != 0 }
        if sliceLeft > 0 { sliceLeft -= 1 }
        if idlePolls { idleDue = true; return true }
        let top = highestReady
        return (sliceLeft == 0 && top >= Int(threads[current].priority)) || top > Int(threads[current].priority)
    }

    /// Choose the next thread, putting the current one back if it can still run.
    /// Returns the thread to run (possibly the same one).
    mutating func reschedule() -> ThreadID {
        let previous = current
        if idleDue && previous != Scheduler.idle {
            // The idle thread's turn to look: the preempted thread goes back in line.
            idleDue = false
            if threads[previous].state == .running { makeReady(previous) }
            switches += 1
            threads[Scheduler.idle].state = .running
            current = Scheduler.idle
            sliceLeft = quantum
            return Scheduler.idle
        }
        idleDue = false
        if previous != Scheduler.idle && threads[previous].state == .running {
            // Keep the CPU if nothing more urgent waits, and no equal waits once the slice is used up.
            let top = highestReady, mine = Int(threads[previous].priority)
            if top < mine || (top == mine && sliceLeft > 0) {
                if top < mine { sliceLeft = quantum }
                return previous
            }
            makeReady(previous)
        }
        let next = dequeueHighest() ?? Scheduler.idle
        if next != previous { switches += 1 }
        if next != Scheduler.idle { threads[next].state = .running } else { threads[Scheduler.idle].state = .running }
        current = next
        sliceLeft = quantum
        return next
    }

    /// Turn the idle thread's polling on or off (see `idlePolls`).
    mutating func setIdlePolling(_ on: Bool) {
        idlePolls = on
        if !on { idleDue = false }
    }

    /// True when some thread other than the idle one is ready.
    var anyReady: Bool { readyMask != 0 }

    /// The running thread gives up the rest of its slice.
    mutating func yield() -> ThreadID {
        sliceLeft = 0
        return reschedule()
    }

    /// The running thread sleeps for `n` ticks (at least one).
    mutating func sleep(ticks n: UInt64) -> ThreadID {
        let t = current
        if t != Scheduler.idle {
            let until = ticks + max(n, 1)
            threads[t].state = .sleeping(until: until)
            insertSleeper(t, until)
        }
        return reschedule()
    }

    /// The running thread blocks until someone calls `wake` on it.
    mutating func block() -> ThreadID {
        if current != Scheduler.idle { threads[current].state = .blocked }
        return reschedule()
    }

    /// Make a blocked (or sleeping) thread ready. False if it was neither.
    @discardableResult
    mutating func wake(_ t: ThreadID) -> Bool {
        switch threads[t].state {
        case .blocked:
            makeReady(t)
            return true
        case .sleeping:
            removeSleeper(t)
            makeReady(t)
            return true
        default:
            return false
        }
    }

    /// The running thread ends; its slot can be reused.
    mutating func exit() -> ThreadID {
        if current != Scheduler.idle { threads[current].state = .dead }
        return reschedule()
    }

    /// Kill any thread (a fault in it): it never runs again.
    mutating func kill(_ t: ThreadID) {
        guard t != Scheduler.idle else { return }
        switch threads[t].state {
        case .ready: unlinkReady(t)
        case .sleeping: removeSleeper(t)
        default: break
        }
        threads[t].state = .dead
    }

    // MARK: queues

    private var highestReady: Int { readyMask == 0 ? -1 : 7 - readyMask.leadingZeroBitCount }

    private mutating func makeReady(_ t: ThreadID) {
        threads[t].state = .ready
        let p = Int(threads[t].priority)
        threads[t].runLink = -1
        if tails[p] >= 0 { threads[Int(tails[p])].runLink = Int8(t) } else { heads[p] = Int8(t) }
        tails[p] = Int8(t)
        readyMask |= 1 << UInt8(p)
    }

    private mutating func dequeueHighest() -> ThreadID? {
        let p = highestReady
        if p < 0 { return nil }
        let t = Int(heads[p])
        heads[p] = threads[t].runLink
        if heads[p] < 0 { tails[p] = -1; readyMask &= ~(1 << UInt8(p)) }
        threads[t].runLink = -1
        return t
    }

    private mutating func unlinkReady(_ t: ThreadID) {
        let p = Int(threads[t].priority)
        var prev: Int8 = -1, at = heads[p]
        while at >= 0 && Int(at) != t { prev = at; at = threads[Int(at)].runLink }
        if at < 0 { return }
        if prev >= 0 { threads[Int(prev)].runLink = threads[t].runLink } else { heads[p] = threads[t].runLink }
        if tails[p] == Int8(t) { tails[p] = prev }
        if heads[p] < 0 { readyMask &= ~(1 << UInt8(p)) }
        threads[t].runLink = -1
    }

    private mutating func insertSleeper(_ t: ThreadID, _ until: UInt64) {
        var prev: Int8 = -1, at = sleepers
        while at >= 0, case .sleeping(let u) = threads[Int(at)].state, u <= until { prev = at; at = threads[Int(at)].runLink }
        threads[t].runLink = at
        if prev >= 0 { threads[Int(prev)].runLink = Int8(t) } else { sleepers = Int8(t) }
    }

    private mutating func removeSleeper(_ t: ThreadID) {
        var prev: Int8 = -1, at = sleepers
        while at >= 0 && Int(at) != t { prev = at; at = threads[Int(at)].runLink }
        if at < 0 { return }
        if prev >= 0 { threads[Int(prev)].runLink = threads[t].runLink } else { sleepers = threads[t].runLink }
        threads[t].runLink = -1
    }
}
