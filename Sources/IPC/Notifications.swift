// Notifications: one word of bits per object, for events that carry no message
// (an interrupt, a timer, "the ring has data"): seL4's notification objects,
// Hubris's notification bits. The rules (docs/drivers.md argues them):
// - `signal` ORs the badge of the capability it goes through into the word. A
//   thread waiting on the notification gets the word and wakes, and the word
//   is cleared. Signals that come before the waiter runs merge: bits are ORed,
//   never counted, so ten signals with one badge are one wake with one bit.
// - `wait` returns the word and clears it when a bit is set; otherwise it
//   blocks until a signal comes. One thread waits at a time: a second waiter,
//   or a wait on a notification bound to another thread, is refused (`busy`).
// - `poll` returns the word (0 when no bit is set) and clears it; it never blocks.
// - A thread may be bound to one notification, and a notification to one
//   thread. A receive by that thread on any endpoint then also ends when the
//   notification is signalled, with the word and a flag that says it is a
//   notification, so a server serves messages and events in one loop. A word
//   already set when the receive starts is returned at once, before senders.
// - The notification closes when the last capability with the wait right is
//   gone (nobody can wait any more): a signal then fails with `endpointClosed`,
//   so a driver learns its client has gone. Its number is free again when no
//   capability names it at all.
// - A waiter is not woken because nobody could signal any more: an event source
//   may simply be quiet for a long time, and the waiter cannot tell the two
//   apart either. A task that must not wait for ever asks for a timer signal.
// - A thread that dies stops waiting and is unbound.
// Pure and allocation-free, like Endpoints: the host tests drive every rule.

/// One notification object.
struct NotificationRecord {
    /// The bits signalled and not yet taken.
    var word: UInt = 0
    /// The thread blocked in wait on it (-1: none).
    var waiter: Int8 = -1
    /// The thread bound to it (-1: none).
    var bound: Int8 = -1
    var live = false
    var closed = false
}

enum SignalOutcome: Equatable {
    /// Nobody was waiting: the bits wait in the word.
    case stored
    /// `thread` was waiting and gets `bits` now; `throughReceive`: it was in a
    /// receive as the notification's bound thread (the caller takes it out of
    /// its endpoint's queue and wakes it with a notification result).
    case woke(ThreadID, bits: UInt, throughReceive: Bool)
    case closed
    case badNotification
}

enum WaitOutcome: Equatable {
    case got(bits: UInt)
    case blocked
    /// Nothing set and the call was a poll-like try: nothing changed.
    case wouldBlock
    /// Another thread waits on it, or it is bound to another thread.
    case busy
    case badNotification
}

struct Notifications {
    static let capacity = 16
    private var records = InlineArray<16, NotificationRecord>(repeating: NotificationRecord())
    /// The thread records (their `wait` and `boundNotification`).
    let threads: ThreadTable

    init(threads: ThreadTable = .allocate()) { self.threads = threads }

    /// A new notification's number, or nil if all are in use.
    mutating func create() -> Int? {
        for n in 0..<Notifications.capacity where !records[n].live {
            records[n] = NotificationRecord(live: true)
            return n
        }
        return nil
    }

    @inline(__always) func exists(_ n: Int) -> Bool { n >= 0 && n < Notifications.capacity && records[n].live }
    func isClosed(_ n: Int) -> Bool { exists(n) && records[n].closed }
    /// The bits set and not yet taken (0 for no such notification).
    func word(_ n: Int) -> UInt { exists(n) ? records[n].word : 0 }
    /// The thread bound to `n`, if any.
    func boundThread(_ n: Int) -> ThreadID? { exists(n) && records[n].bound >= 0 ? Int(records[n].bound) : nil }

    /// OR `badge` into `n`; wake its waiter (or its bound thread in a receive) with the word.
    mutating func signal(_ n: Int, badge: UInt) -> SignalOutcome {
        guard exists(n) else { return .badNotification }
        if records[n].closed { return .closed }
        let bits = records[n].word | badge
        if records[n].waiter >= 0 {
            let w = Int(records[n].waiter)
            records[n].waiter = -1
            records[n].word = 0
            threads[w].wait = .none
            return .woke(w, bits: bits, throughReceive: false)
        }
        if records[n].bound >= 0, case .receiving = threads[Int(records[n].bound)].wait {
            records[n].word = 0
            return .woke(Int(records[n].bound), bits: bits, throughReceive: true)
        }
        records[n].word = bits
        return .stored
    }

    /// `t` takes `n`'s word, or (with `blocking`) waits for a signal.
    mutating func wait(_ t: ThreadID, on n: Int, blocking: Bool) -> WaitOutcome {
        guard exists(n) else { return .badNotification }
        let r = records[n]
        if (r.waiter >= 0 && Int(r.waiter) != t) || (r.bound >= 0 && Int(r.bound) != t) { return .busy }
        if r.word != 0 {
            records[n].word = 0
            return .got(bits: r.word)
        }
        if !blocking { return .wouldBlock }
        records[n].waiter = Int8(t)
        threads[t].wait = .waitingForSignal(notification: n)
        return .blocked
    }

    /// The bits of the notification bound to `t`, taken (0: none set, or none bound).
    mutating func takeBound(_ t: ThreadID) -> UInt {
        let n = Int(threads[t].boundNotification)
        guard exists(n), records[n].word != 0 else { return 0 }
        let bits = records[n].word
        records[n].word = 0
        return bits
    }

    /// Bind `t` to `n` (replacing its earlier binding), or unbind it (`n` < 0).
    mutating func bind(_ t: ThreadID, to n: Int) throws(SyscallError) {
        if n < 0 { return unbind(t) }
        guard exists(n) else { throw .wrongType }
        if records[n].bound >= 0 && Int(records[n].bound) != t { throw .busy }
        if records[n].waiter >= 0 && Int(records[n].waiter) != t { throw .busy }
        unbind(t)
        records[n].bound = Int8(t)
        threads[t].boundNotification = Int8(n)
    }

    mutating func unbind(_ t: ThreadID) {
        let n = Int(threads[t].boundNotification)
        threads[t].boundNotification = -1
        if exists(n) && Int(records[n].bound) == t { records[n].bound = -1 }
    }

    /// The last wait capability of `n` went: later signals fail.
    mutating func close(_ n: Int) {
        guard exists(n) else { return }
        records[n].closed = true
        records[n].word = 0
    }

    /// No capability names `n` any more: its number may be handed out again.
    mutating func free(_ n: Int) {
        guard exists(n) else { return }
        if records[n].bound >= 0 { threads[Int(records[n].bound)].boundNotification = -1 }
        records[n] = NotificationRecord()
    }

    /// `t` is gone: it waits on nothing and is bound to nothing.
    mutating func threadDied(_ t: ThreadID) {
        if case .waitingForSignal(let n) = threads[t].wait, exists(n), Int(records[n].waiter) == t {
            records[n].waiter = -1
            threads[t].wait = .none
        }
        unbind(t)
    }
}
