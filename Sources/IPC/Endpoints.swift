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
    private var wait = InlineArray<64, IPCWait>(repeating: .none)
    private var link = InlineArray<64, Int8>(repeating: -1)
    /// The caller each thread owes a reply to, or -1.
    private var owed = InlineArray<64, Int8>(repeating: -1)

    init() {}

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
            wait[t] = .none
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
        guard exists(e), let r = front(e), case .receiving = wait[r] else { return nil }
        return r
    }

    /// The sender a receive on `e` would meet now, if one waits.
    @inline(__always) func waitingSender(_ e: Int) -> ThreadID? {
        guard exists(e), let s = front(e), case .sending = wait[s] else { return nil }
        return s
    }

    @inline(__always) func exists(_ e: Int) -> Bool { e >= 0 && e < Endpoints.capacity && live & (1 << UInt32(e)) != 0 }
    @inline(__always) func waiting(_ t: ThreadID) -> IPCWait { wait[t] }
    @inline(__always) func owesReply(_ t: ThreadID) -> ThreadID? { owed[t] >= 0 ? Int(owed[t]) : nil }

    /// `t` sends on `e` (a call if `call`); without `blocking`, only if a receiver waits.
    mutating func send(_ t: ThreadID, on e: Int, call: Bool, blocking: Bool = true) -> SendOutcome {
        guard exists(e) else { return .badEndpoint }
        if closedSet & (1 << UInt32(e)) != 0 { return .closed }
        if let r = front(e), case .receiving = wait[r] {
            pop(e)
            wait[r] = .none
            if call { wait[t] = .awaitingReply(server: r); owed[r] = Int8(t) }
            return .delivered(to: r)
        }
        if !blocking { return .wouldBlock }
        wait[t] = .sending(endpoint: e, call: call)
        push(t, e)
        return .blocked
    }

    /// `t` receives on `e`; without `blocking`, only if a sender waits.
    mutating func receive(_ t: ThreadID, on e: Int, blocking: Bool = true) -> ReceiveOutcome {
        guard exists(e) else { return .badEndpoint }
        if owed[t] >= 0 { return .replyOwed }
        if let s = front(e), case .sending(_, let call) = wait[s] {
            pop(e)
            if call {
                wait[s] = .awaitingReply(server: t)
                owed[t] = Int8(s)
                return .got(from: s, senderWakes: false)
            }
            wait[s] = .none
            return .got(from: s, senderWakes: true)
        }
        if !blocking { return .wouldBlock }
        wait[t] = .receiving(endpoint: e)
        push(t, e)
        return .blocked
    }

    /// `t` answers the call it owes a reply to.
    mutating func reply(_ t: ThreadID) -> ReplyOutcome {
        let c = owed[t]
        owed[t] = -1
        guard c >= 0, wait[Int(c)] == .awaitingReply(server: t) else { return .noCaller }
        wait[Int(c)] = .none
        return .replied(to: Int(c))
    }

    /// `t` is gone: take it out of every queue and debt. Returns the threads
    /// (a bit each) that were waiting for its reply; they must be woken with an error.
    mutating func threadDied(_ t: ThreadID) -> UInt64 {
        switch wait[t] {
        case .sending(let e, _), .receiving(let e): unlink(t, e)
        default: break
        }
        wait[t] = .none
        owed[t] = -1
        var stranded: UInt64 = 0
        for c in 0..<64 where wait[c] == .awaitingReply(server: t) {
            wait[c] = .none
            stranded |= 1 << UInt64(c)
        }
        return stranded
    }

    // MARK: per-endpoint FIFO of blocked threads
    // Always inlined: a call to a non-mutating method from a mutating one passes
    // a copy of `self` (676 bytes on i386, copied a byte an instruction).

    @inline(__always) private func front(_ e: Int) -> ThreadID? { heads[e] >= 0 ? Int(heads[e]) : nil }

    @inline(__always) private mutating func push(_ t: ThreadID, _ e: Int) {
        link[t] = -1
        if tails[e] >= 0 { link[Int(tails[e])] = Int8(t) } else { heads[e] = Int8(t) }
        tails[e] = Int8(t)
    }

    @inline(__always) private mutating func pop(_ e: Int) {
        let t = Int(heads[e])
        heads[e] = link[t]
        if heads[e] < 0 { tails[e] = -1 }
        link[t] = -1
    }

    private mutating func unlink(_ t: ThreadID, _ e: Int) {
        var prev: Int8 = -1, at = heads[e]
        while at >= 0 && Int(at) != t { prev = at; at = link[Int(at)] }
        if at < 0 { return }
        if prev >= 0 { link[Int(prev)] = link[t] } else { heads[e] = link[t] }
        if tails[e] == Int8(t) { tails[e] = prev }
        link[t] = -1
    }
}
