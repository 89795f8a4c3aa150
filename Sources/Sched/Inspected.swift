// A thread record as inspect reports it (the system call a shell's ps uses):
// its state and, when it is blocked, what it waits for. Pure, host-tested.

extension InspectedTask {
    /// What inspect says of the thread in `r`; nil for a slot no task holds
    /// (never used, or ended and collected).
    static func of(_ r: ThreadRecord) -> (state: State, wait: Wait)? {
        switch r.state {
        case .unused: return nil
        case .dead: return r.end == nil ? nil : (.ended, .none)
        case .ready: return (.ready, .none)
        case .running: return (.running, .none)
        case .sleeping: return (.sleeping, .none)
        case .blocked:
            switch r.wait {
            case .sending: return (.blocked, .send)
            case .receiving: return (.blocked, .receive)
            case .awaitingReply: return (.blocked, .reply)
            case .waitingForSignal: return (.blocked, .signal)
            case .none: return (.blocked, r.waitingForChild ? .child : .other)
            }
        }
    }
}
