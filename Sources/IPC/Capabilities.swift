// Capabilities: the only names a task has for kernel objects. Each task owns
// a table of `CapabilitySpace.slots` slots; a system call names a slot, and
// the kernel acts only if the slot holds the right kind of object with the
// right rights. There are no global endpoint numbers a task could guess.
//
// The rules (docs/capabilities.md argues them):
// - A capability is (object, rights, badge). Rights on an endpoint: send,
//   receive, grant (pass the capability on in a message); on a notification
//   signal and wait (the same two bits as send and receive), on an interrupt
//   ack (receive's bit), on a region read and write (send's and receive's), and grant.
// - Derive: a copy into an empty slot of the same table with a subset of the
//   rights. An unbadged capability may be given a badge once; a badged one
//   keeps its badge (a client cannot mint another client's badge).
// - Delete: empties a slot. Any task may delete its own capabilities.
// - Transfer (in a message): a copy, only from a capability held with grant,
//   only into the empty slot the receiver named.
// - The control capability: init's from the kernel, and a task's only as a
//   copy its starter gave it at spawn. Rights: tasks (send's bit: spawn, and
//   kill, wait for and inspect what the holder itself started), objects
//   (receive's: make endpoints, notifications, regions, devices, interrupts)
//   and grant (give a copy on at spawn). Derived only into a subset of its
//   rights and only from one held with grant; never transferred in a message.
// - Per object (whatever its kind: one lifecycle for every kind) the
//   space counts the capabilities naming it and those with receive (wait).
//   When the last of those goes (its holder died or deleted it) the object
//   closes for good; when the last capability goes, its number may be reused.
//   So a number is never reused while a capability still names it.
// Pure and allocation-free once made: host tests drive every rule. The
// accessors are always inlined: a non-mutating call from a mutating method of
// a struct that holds this one passes a copy of it.

enum KernelObject: Equatable {
    case empty
    case endpoint(Int)
    /// A word of bits: signal sets them, wait takes them (Notifications.swift).
    case notification(Int)
    /// One hardware interrupt line, delivered to a notification (InterruptObjects.swift).
    case interrupt(Int)
    /// Shared memory, a device's registers or an I/O-port range (Regions.swift).
    case region(Int)
    /// The authority to spawn, kill and wait for tasks and to make objects.
    case control
}

struct Capability: Equatable {
    var object: KernelObject
    var rights: Rights
    var badge: UInt
    static let empty = Capability(object: .empty, rights: [], badge: 0)

    static func endpoint(_ e: Int, _ rights: Rights = .all, badge: UInt = 0) -> Capability {
        Capability(object: .endpoint(e), rights: rights, badge: badge)
    }

    static func notification(_ n: Int, _ rights: Rights = .all, badge: UInt = 0) -> Capability {
        Capability(object: .notification(n), rights: rights, badge: badge)
    }
}

struct CapabilitySpace {
    static let slots = 16
    /// The records whose `caps` this space rules.
    let threads: ThreadTable
    /// Per object (endpoints, notifications, interrupts, then regions): the
    /// capabilities naming it, and those of them with receive (wait, ack, write).
    private var references = InlineArray<64, Int16>(repeating: 0)
    private var receivers = InlineArray<64, Int16>(repeating: 0)

    /// Where `object`'s counts are kept; nil for a kind that has none (control, empty).
    @inline(__always) private static func counted(_ object: KernelObject) -> Int? {
        switch object {
        case .endpoint(let e): e
        case .notification(let n): Endpoints.capacity + n
        case .interrupt(let i): Endpoints.capacity + Notifications.capacity + i
        case .region(let r): Endpoints.capacity + Notifications.capacity + Interrupts.capacity + r
        case .empty, .control: nil
        }
    }

    /// The space of the records in `threads`, every slot of which starts empty.
    init(threads: ThreadTable = .allocate()) {
        self.threads = threads
    }

    /// The capability in `t`'s `slot`; throws badSlot out of range, emptySlot if none.
    @inline(__always) func lookup(_ t: ThreadID, _ slot: Int) throws(SyscallError) -> Capability {
        guard slot >= 0 && slot < CapabilitySpace.slots else { throw .badSlot }
        let c = threads[t].caps[slot]
        if c.object == .empty { throw .emptySlot }
        return c
    }

    /// The endpoint in `t`'s `slot` if the capability holds `rights`, with its badge.
    @inline(__always) func endpoint(_ t: ThreadID, _ slot: Int, needs rights: Rights) throws(SyscallError) -> (endpoint: Int, badge: UInt) {
        let c = try lookup(t, slot)
        guard case .endpoint(let e) = c.object else { throw .wrongType }
        guard c.rights.isSuperset(of: rights) else { throw .missingRight }
        return (e, c.badge)
    }

    /// Returns if `t` holds the control capability in `slot` with `rights`, else throws why not.
    @inline(__always) func checkControl(_ t: ThreadID, _ slot: Int, needs rights: Rights) throws(SyscallError) {
        let c = try lookup(t, slot)
        if c.object != .control { throw .wrongType }
        guard c.rights.isSuperset(of: rights) else { throw .missingRight }
    }

    /// Returns if `slot` of `t` is a slot (in range) and empty; throws badSlot or slotFull.
    @inline(__always) func checkEmpty(_ t: ThreadID, _ slot: Int) throws(SyscallError) {
        guard slot >= 0 && slot < CapabilitySpace.slots else { throw .badSlot }
        if threads[t].caps[slot].object != .empty { throw .slotFull }
    }

    /// Returns if a capability carried in a message can land in `t`'s `slot`;
    /// throws noSlotNamed when `slot` is negative (the receiver accepts none), else as checkEmpty.
    @inline(__always) func checkLanding(_ t: ThreadID, _ slot: Int) throws(SyscallError) {
        guard slot >= 0 else { throw .noSlotNamed }
        try checkEmpty(t, slot)
    }

    /// Put `c` into `t`'s empty `slot` (the kernel's own way in: init's control
    /// capability, a new endpoint).
    mutating func install(_ c: Capability, in t: ThreadID, at slot: Int) throws(SyscallError) {
        try checkEmpty(t, slot)
        place(c, t, slot)
    }

    /// `t` copies its `from` slot into its empty `to` slot with `rights` (a
    /// subset) and `badge` (0 keeps the source's; another value only on an
    /// unbadged source). The control capability only from one held with grant.
    mutating func derive(_ t: ThreadID, from: Int, to: Int, rights: Rights, badge: UInt) throws(SyscallError) {
        try derive(t, from: from, into: t, at: to, rights: rights, badge: badge)
    }

    /// The same, into another thread's table (init giving a task it starts its
    /// capabilities).
    mutating func derive(_ t: ThreadID, from: Int, into u: ThreadID, at to: Int, rights: Rights, badge: UInt) throws(SyscallError) {
        try checkDerive(t, from: from, rights: rights, badge: badge)
        try checkEmpty(u, to)
        let source = threads[t].caps[from]
        place(Capability(object: source.object, rights: rights, badge: badge != 0 ? badge : source.badge), u, to)
    }

    /// The notification in `t`'s `slot` if the capability holds `rights`, with its badge.
    @inline(__always) func notification(_ t: ThreadID, _ slot: Int, needs rights: Rights) throws(SyscallError) -> (
        notification: Int, badge: UInt
    ) {
        let c = try lookup(t, slot)
        guard case .notification(let n) = c.object else { throw .wrongType }
        guard c.rights.isSuperset(of: rights) else { throw .missingRight }
        return (n, c.badge)
    }

    /// Returns if `t` may derive from its `from` slot a capability with `rights` and `badge`, else throws why not.
    func checkDerive(_ t: ThreadID, from: Int, rights: Rights, badge: UInt) throws(SyscallError) {
        let source = try lookup(t, from)
        if source.object == .control {
            // Control carries no badge; a copy needs grant, and may drop rights (grant too).
            guard source.rights.contains(.grant) else { throw .missingRight }
            if badge != 0 { throw .badRequest }
        } else if CapabilitySpace.counted(source.object) == nil {
            throw .wrongType
        }
        guard source.rights.isSuperset(of: rights) else { throw .missingRight }
        if badge != 0 && source.badge != 0 { throw .alreadyBadged }
    }

    /// Returns if `t` may pass the capability in `slot` on (an endpoint held with grant), else throws why not.
    @inline(__always) func checkTransfer(_ t: ThreadID, _ slot: Int) throws(SyscallError) {
        let c = try lookup(t, slot)
        guard CapabilitySpace.counted(c.object) != nil else { throw .wrongType }
        if !c.rights.contains(.grant) { throw .missingRight }
    }

    /// Copy `s`'s `slot` into `r`'s `landing` slot, rights and badge as they are.
    /// Both checked first; on an error nothing changed.
    mutating func transfer(from s: ThreadID, _ slot: Int, to r: ThreadID, _ landing: Int) throws(SyscallError) {
        try checkTransfer(s, slot)
        try checkLanding(r, landing)
        place(threads[s].caps[slot], r, landing)
    }

    /// What deleting one capability did to the object it named.
    struct Released: Equatable {
        /// The object's last receive (wait) capability went: it is closed.
        var closed: KernelObject?
        /// The object's last capability went: its number is free.
        var freed: KernelObject?
        static let nothing = Released(closed: nil, freed: nil)
    }

    /// Empty `t`'s `slot`.
    mutating func delete(_ t: ThreadID, _ slot: Int) throws(SyscallError) -> Released {
        _ = try lookup(t, slot)
        return clear(t, slot)
    }

    /// Empty every slot of `t` (it died), calling `released` for each endpoint that closed or freed.
    mutating func clearAll(_ t: ThreadID, _ released: (Released) -> Void) {
        for s in 0..<CapabilitySpace.slots where threads[t].caps[s].object != .empty {
            let r = clear(t, s)
            if r != .nothing { released(r) }
        }
    }

    /// Capabilities naming `object`, and those with receive (wait).
    func counts(_ object: KernelObject) -> (references: Int, receivers: Int) {
        guard let i = CapabilitySpace.counted(object) else { return (0, 0) }
        return (Int(references[i]), Int(receivers[i]))
    }

    private mutating func place(_ c: Capability, _ t: ThreadID, _ slot: Int) {
        threads[t].caps[slot] = c
        if let i = CapabilitySpace.counted(c.object) {
            references[i] += 1
            if c.rights.contains(.receive) { receivers[i] += 1 }
        }
    }

    private mutating func clear(_ t: ThreadID, _ slot: Int) -> Released {
        let c = threads[t].caps[slot]
        threads[t].caps[slot] = .empty
        guard let i = CapabilitySpace.counted(c.object) else { return .nothing }
        var r = Released.nothing
        references[i] -= 1
        if c.rights.contains(.receive) {
            receivers[i] -= 1
            if receivers[i] == 0 { r.closed = c.object }
        }
        if references[i] == 0 { r.freed = c.object }
        return r
    }
}
