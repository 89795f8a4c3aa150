// A first-come, first-served queue of waiting threads, each at most once
// (the console's writers waiting for room in the log ring). Fixed size, no
// allocation: a ring of thread ids, one slot per thread the table can hold.

struct WaitQueue {
    private var ids = InlineArray<64, Int8>(repeating: -1)
    private var first = 0
    private(set) var count = 0

    /// Add `t` at the back, unless it is already queued.
    mutating func push(_ t: ThreadID) {
        if contains(t) || count == ThreadTable.capacity { return }
        ids[(first + count) % ThreadTable.capacity] = Int8(t)
        count += 1
    }

    /// The thread at the front, if any.
    var front: ThreadID? { count == 0 ? nil : Int(ids[first]) }

    /// Take the front thread off.
    mutating func pop() -> ThreadID? {
        guard let t = front else { return nil }
        first = (first + 1) % ThreadTable.capacity
        count -= 1
        return t
    }

    func contains(_ t: ThreadID) -> Bool {
        for i in 0..<count where Int(ids[(first + i) % ThreadTable.capacity]) == t { return true }
        return false
    }

    /// Take `t` out wherever it stands (it died), keeping the others' order.
    mutating func remove(_ t: ThreadID) {
        var kept = 0
        for i in 0..<count {
            let u = ids[(first + i) % ThreadTable.capacity]
            if Int(u) != t { ids[(first + kept) % ThreadTable.capacity] = u; kept += 1 }
        }
        count = kept
    }
}
