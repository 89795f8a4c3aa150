// Who started whom, and how each task's end reaches its parent. The rules:
// - A task's end goes to the task that started it: at once if the parent is
//   blocked in wait, else it is kept in the child's record until the parent
//   collects it (oldest first). A slot whose end is uncollected is not reused
//   (ThreadTable.isFree), so an end is never dropped and never confused with a
//   later thread's.
// - When a parent ends, nothing of it survives in its children: their parent
//   links are cut (their ends will go to nobody) and the ends it had not
//   collected are dropped, which frees those slots. Its own wait is over.
//   A later thread in the parent's slot therefore never receives an end meant
//   for the task that held the slot before.
// Pure and allocation-free, host-tested rule by rule; Kernel/System.swift
// writes the results into the threads' contexts.

struct Lineage {
    let threads: ThreadTable
    /// The next end's place in the collection order.
    private var nextOrder: UInt64 = 0

    init(threads: ThreadTable) { self.threads = threads }

    /// An end handed to a parent now: its wait returns (child, how, value).
    struct Delivery: Equatable {
        var parent: ThreadID
        var child: ThreadID
        var how: UInt8
        var value: UInt
    }

    /// `child` was started by `parent` (its slot fresh).
    func started(_ child: ThreadID, by parent: ThreadID) {
        threads[child].parent = Int8(parent)
    }

    /// `t` ended `how` with `value`. Returns the delivery to make if its parent
    /// waits now; otherwise the end is kept for the parent's wait (or dropped,
    /// with no parent). Cuts `t`'s children loose and drops their ends.
    mutating func ended(_ t: ThreadID, how: UInt8, value: UInt) -> Delivery? {
        threads[t].waitingForChild = false
        for c in 0..<ThreadTable.capacity where Int(threads[c].parent) == t {
            threads[c].parent = -1
            threads[c].end = nil
        }
        let p = Int(threads[t].parent)
        guard p >= 0 else { return nil }
        if threads[p].waitingForChild {
            threads[p].waitingForChild = false
            threads[t].parent = -1
            return Delivery(parent: p, child: t, how: how, value: value)
        }
        threads[t].end = TaskEndRecord(how: how, value: value, order: nextOrder)
        nextOrder &+= 1
        return nil
    }

    /// The oldest end kept for `parent`, now collected (its slot may be reused).
    func collect(for parent: ThreadID) -> (child: ThreadID, how: UInt8, value: UInt)? {
        var oldest = -1
        for c in 0..<ThreadTable.capacity where Int(threads[c].parent) == parent {
            guard let e = threads[c].end else { continue }
            if oldest < 0 || e.order < threads[oldest].end!.order { oldest = c }
        }
        guard oldest >= 0, let e = threads[oldest].end else { return nil }
        threads[oldest].end = nil
        threads[oldest].parent = -1
        return (oldest, e.how, e.value)
    }

    /// `parent` blocks in wait: the next end of a child of its goes to it.
    func willWait(_ parent: ThreadID) { threads[parent].waitingForChild = true }

    /// True if `parent` started `t` and `t` has not ended.
    func isLiveChild(_ t: ThreadID, of parent: ThreadID) -> Bool {
        t >= 0 && t < ThreadTable.capacity && Int(threads[t].parent) == parent && threads[t].end == nil
            && threads[t].state != .dead && threads[t].state != .unused
    }
}
