// Timers for tasks: each thread may ask for one signal at a deadline, in the
// clock's units (what the `clock` system call returns: cycles, with its
// frequency where the CPU tells). At the first timer tick at or after the
// deadline the kernel signals the notification the thread named, with the
// badge of the capability it named it through, exactly as a `signal` would:
// a driver's timeout and a shell's `sleep` are a wait on a notification.
// The rules (docs/drivers.md argues them):
// - One timer per thread: setting it again replaces the deadline; deadline 0
//   cancels it. A deadline already past fires at the next expiry check (the
//   kernel makes one at once when a timer is set).
// - Timers fire in deadline order, equal deadlines in the order they were set.
// - A thread's timer goes with the thread; a timer whose notification is freed
//   (no capability names it any more) is cancelled, so a reused number is never
//   signalled for an old timer.
// The pending timers are one list through the thread records, kept sorted:
// a set is linear in the number pending (at most the thread table), an expiry
// takes the head. Pure and allocation-free: the host tests drive every rule.

/// A timer that is due: signal `notification` with `badge` (on behalf of `thread`).
struct DueTimer: Equatable {
    let thread: ThreadID
    let notification: Int
    let badge: UInt
}

struct Timers {
    /// The first pending timer (the earliest deadline), -1: none.
    private var head: Int8 = -1
    let threads: ThreadTable

    init(threads: ThreadTable = .allocate()) { self.threads = threads }

    /// `t`'s deadline, or nil if it has no timer.
    func deadline(of t: ThreadID) -> UInt64? { threads[t].timer.deadline == 0 ? nil : threads[t].timer.deadline }

    /// The earliest pending deadline, if any.
    var earliest: UInt64? { head < 0 ? nil : threads[Int(head)].timer.deadline }

    /// Ask for `notification` to be signalled with `badge` at `deadline` (0: cancel `t`'s timer).
    mutating func set(_ t: ThreadID, deadline: UInt64, notification: Int, badge: UInt) {
        cancel(t)
        if deadline == 0 { return }
        threads[t].timer = TimerRecord(deadline: deadline, notification: Int8(notification), badge: badge, link: -1)
        // After every timer with a deadline at or before this one: equal deadlines fire in the order set.
        var previous: Int8 = -1, at = head
        while at >= 0 && threads[Int(at)].timer.deadline <= deadline {
            previous = at
            at = threads[Int(at)].timer.link
        }
        threads[t].timer.link = at
        if previous >= 0 { threads[Int(previous)].timer.link = Int8(t) } else { head = Int8(t) }
    }

    /// `t` has no timer any more.
    mutating func cancel(_ t: ThreadID) {
        guard threads[t].timer.deadline != 0 else { return }
        var previous: Int8 = -1, at = head
        while at >= 0 && Int(at) != t {
            previous = at
            at = threads[Int(at)].timer.link
        }
        if at >= 0 {
            if previous >= 0 { threads[Int(previous)].timer.link = threads[t].timer.link } else { head = threads[t].timer.link }
        }
        threads[t].timer = TimerRecord()
    }

    /// The earliest timer whose deadline is at or before `now`, taken off the list; nil when none is due.
    mutating func expire(now: UInt64) -> DueTimer? {
        guard head >= 0 else { return nil }
        let t = Int(head)
        let r = threads[t].timer
        guard r.deadline <= now else { return nil }
        head = r.link
        threads[t].timer = TimerRecord()
        return DueTimer(thread: t, notification: Int(r.notification), badge: r.badge)
    }

    /// Notification `n` is gone: every timer that would signal it is cancelled.
    mutating func cancelAll(notification n: Int) {
        for t in 0..<ThreadTable.capacity where threads[t].timer.deadline != 0 && Int(threads[t].timer.notification) == n {
            cancel(t)
        }
    }
}
