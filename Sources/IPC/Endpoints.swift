// Synchronous IPC's state machine (L4/seL4 style rendezvous), without the
// message contents: who meets whom, who blocks, who wakes, who owes a reply.
// An endpoint queues either blocked senders or blocked receivers, never both.
//
// The rules (docs/tasks.md argues them):
// - A send or call with no receiver waiting blocks until one comes (a
//   rendezvous); the non-blocking forms fail with `wouldBlock` instead, and
//   leave nothing queued.
// - A receive with no sender waiting blocks, or fails with `wouldBlock`.
// - A thread that owes a reply (it received a call) may not receive again
//   until it replies: the receive is refused with `replyOwed` and nothing
//   changes (replyWait replies first, so a server loop is unaffected). A
//   second receive used to drop the first caller's reply obligation, and that
//   caller waited until the server died.
// - A caller whose server dies, before or after its call was received, wakes
//   with `partnerDied`.
// - An endpoint closes when no receive capability to it is left (Capabilities.swift):
//   the senders queued on it wake with `endpointClosed`, and every later send
//   fails with it. Its number is freed when no capability names it at all.
// Pure and allocation-free, so the host tests drive every path and the kernel
// runs it inside trap handlers. The kernel (Kernel/IPC.swift) moves the words
// and buffers and tells the scheduler.

enum IPCWait: Equatable {
    case none
    case sending(endpoint: Int, call: Bool)
    case receiving(endpoint: Int)
    /// Sent a call, which `server` received; waiting for its reply.
    case awaitingReply(server: ThreadID)
    /// Blocked in wait on a notification (Notifications.swift).
    case waitingForSignal(notification: Int)
}

enum SendOutcome: Equatable {
    /// A receiver was waiting: it gets the message now and wakes. A caller then
    /// blocks for the reply; a plain sender goes on.
    case delivered(to: ThreadID)
    /// Nobody was receiving: the sender blocks in the endpoint's queue.
    case blocked
    /// Nobody was receiving and the send was non-blocking: nothing changed.
    case wouldBlock
    case badEndpoint
    /// No receive capability is left: nobody can ever receive.
    case closed
}

enum ReceiveOutcome: Equatable {
    /// A sender was waiting: its message is delivered now. `senderWakes` is
    /// false for a caller, which now waits for the reply instead.
    case got(from: ThreadID, senderWakes: Bool)
    case blocked
    /// No sender was waiting and the receive was non-blocking: nothing changed.
    case wouldBlock
    /// The receiver still owes a reply to a call it received: refused.
    case replyOwed
    case badEndpoint
}

enum ReplyOutcome: Equatable {
    case replied(to: ThreadID)
    /// No call is owed a reply (none received, or its caller died).
    case noCaller
}

struct Endpoints {
    static let capacity = 16
    private var live: UInt32 = 0
    private var closedSet: UInt32 = 0
    private var heads = InlineArray<16, Int8>(repeating: -1)
    private var tails = InlineArray<16, Int8>(repeating: -1)
    /// The records this state machine queues (wait, queueLink, owes).
    let threads: ThreadTable

    init(threads: ThreadTable = .allocate()) { self.threads = threads }

    /// A new endpoint's number, or nil if all are in use.
    mutating func create() -> Int? {
        for e in 0..<Endpoints.capacity where live & (1 << UInt32(e)) == 0 {
            live |= 1 << UInt32(e)
            closedSet &= ~(1 << UInt32(e))
            return e
        }
        return nil
    }

    /// Endpoint `e` will never have a receiver again: returns the queued
    /// threads (a bit each), now unqueued; they must be woken with `endpointClosed`.
    mutating func close(_ e: Int) -> UInt64 {
        guard exists(e) else { return 0 }
        closedSet |= 1 << UInt32(e)
        var queued: UInt64 = 0
        while let t = front(e) {
            pop(e)
            threads[t].wait = .none
            queued |= 1 << UInt64(t)
        }
        return queued
    }

    /// No capability names `e` any more: its number may be handed out again.
    mutating func free(_ e: Int) {
        guard exists(e) else { return }
        live &= ~(1 << UInt32(e))
        closedSet &= ~(1 << UInt32(e))
        heads[e] = -1; tails[e] = -1
    }

    @inline(__always) func isClosed(_ e: Int) -> Bool { exists(e) && closedSet & (1 << UInt32(e)) != 0 }

    /// The receiver a send on `e` would meet now, if one waits.
    @inline(__always) func waitingReceiver(_ e: Int) -> ThreadID? {
        guard exists(e), let r = front(e), case .receiving = threads[r].wait else { return nil }
        return r
    }

    /// The sender a receive on `e` would meet now, if one waits.
    @inline(__always) func waitingSender(_ e: Int) -> ThreadID? {
        guard exists(e), let s = front(e), case .sending = threads[s].wait else { return nil }
        return s
    }

    @inline(__always) func exists(_ e: Int) -> Bool { e >= 0 && e < Endpoints.capacity && live & (1 << UInt32(e)) != 0 }
    @inline(__always) func waiting(_ t: ThreadID) -> IPCWait { threads[t].wait }
    @inline(__always) func owesReply(_ t: ThreadID) -> ThreadID? { threads[t].owes >= 0 ? Int(threads[t].owes) : nil }

    /// `t` sends on `e` (a call if `call`); without `blocking`, only if a receiver waits.
    mutating func send(_ t: ThreadID, on e: Int, call: Bool, blocking: Bool = true) -> SendOutcome {
        guard exists(e) else { return .badEndpoint }
        if closedSet & (1 << UInt32(e)) != 0 { return .closed }
        if let r = front(e), case .receiving = threads[r].wait {
            pop(e)
            threads[r].wait = .none
            if call { threads[t].wait = .awaitingReply(server: r); threads[r].owes = Int8(t) }
            return .delivered(to: r)
        }
        if !blocking { return .wouldBlock }
        threads[t].wait = .sending(endpoint: e, call: call)
        push(t, e)
        return .blocked
    }

    /// `t` receives on `e`; without `blocking`, only if a sender waits.
    mutating func receive(_ t: ThreadID, on e: Int, blocking: Bool = true) -> ReceiveOutcome {
        guard exists(e) else { return .badEndpoint }
        if threads[t].owes >= 0 { return .replyOwed }
        if let s = front(e), case .sending(_, let call) = threads[s].wait {
            pop(e)
            if call {
                threads[s].wait = .awaitingReply(server: t)
                threads[t].owes = Int8(s)
                return .got(from: s, senderWakes: false)
            }
            threads[s].wait = .none
            return .got(from: s, senderWakes: true)
        }
        if !blocking { return .wouldBlock }
        threads[t].wait = .receiving(endpoint: e)
        push(t, e)
        return .blocked
    }

    /// `t`, blocked in a receive, leaves its endpoint's queue without a message
    /// (its bound notification was signalled).
    mutating func cancelReceive(_ t: ThreadID) {
        guard case .receiving(let e) = threads[t].wait else { return }
        unlink(t, e)
        threads[t].wait = .none
    }

    /// The sender at the front of `e`'s queue leaves it without a message
    /// delivered (IPCCore turns it away); its send fails.
    mutating func turnAwayFront(_ e: Int) {
        guard let s = waitingSender(e) else { return }
        pop(e)
        threads[s].wait = .none
    }

    /// `t` answers the call it owes a reply to.
    mutating func reply(_ t: ThreadID) -> ReplyOutcome {
        let c = threads[t].owes
        threads[t].owes = -1
        guard c >= 0, threads[Int(c)].wait == .awaitingReply(server: t) else { return .noCaller }
        threads[Int(c)].wait = .none
        return .replied(to: Int(c))
    }

    /// `t` is gone: take it out of every queue and debt. Returns the threads
    /// (a bit each) that were waiting for its reply; they must be woken with an error.
    mutating func threadDied(_ t: ThreadID) -> UInt64 {
        switch threads[t].wait {
        case .sending(let e, _), .receiving(let e): unlink(t, e)
        default: break
        }
        threads[t].wait = .none
        threads[t].owes = -1
        var stranded: UInt64 = 0
        for c in 0..<ThreadTable.capacity where threads[c].wait == .awaitingReply(server: t) {
            threads[c].wait = .none
            stranded |= 1 << UInt64(c)
        }
        return stranded
    }

    // MARK: per-endpoint FIFO of blocked threads
    // Always inlined: a call to a non-mutating method from a mutating one passes
    // a copy of `self` (676 bytes on i386, copied a byte an instruction).

    @inline(__always) private func front(_ e: Int) -> ThreadID? { heads[e] >= 0 ? Int(heads[e]) : nil }

    @inline(__always) private mutating func push(_ t: ThreadID, _ e: Int) {
        threads[t].queueLink = -1
        if tails[e] >= 0 { threads[Int(tails[e])].queueLink = Int8(t) } else { heads[e] = Int8(t) }
        tails[e] = Int8(t)
    }

    @inline(__always) private mutating func pop(_ e: Int) {
        let t = Int(heads[e])
        heads[e] = threads[t].queueLink
        if heads[e] < 0 { tails[e] = -1 }
        threads[t].queueLink = -1
    }

    private mutating func unlink(_ t: ThreadID, _ e: Int) {
        var prev: Int8 = -1, at = heads[e]
        while at >= 0 && Int(at) != t { prev = at; at = threads[Int(at)].queueLink }
        if at < 0 { return }
        if prev >= 0 { threads[Int(prev)].queueLink = threads[t].queueLink } else { heads[e] = threads[t].queueLink }
        if tails[e] == Int8(t) { tails[e] = prev }
        threads[t].queueLink = -1
    }
}
