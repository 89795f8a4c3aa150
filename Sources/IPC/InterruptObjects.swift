// Interrupts delivered to tasks: the rules of an interrupt object, one per
// hardware line a task drives (seL4's IRQ handler capability, Hubris's
// interrupts bound in app.toml, Zircon's interrupt objects). The kernel's
// interrupt controller code (Arch/<arch>) masks and unmasks the lines; these
// rules decide when. The rules (docs/drivers.md argues them):
// - A line belongs to at most one object: a second object for the same line
//   is refused, so no two tasks drive one device's interrupt.
// - An object is bound to a notification and a badge. When its line fires the
//   kernel masks the line and signals the notification with the badge. The
//   line stays masked until the holder acknowledges (`ack`): an interrupt not
//   acknowledged is never delivered twice, and a line that stays asserted (a
//   storm) costs one signal, not a stream of them.
// - An arrival on a line with no object, or whose object is not bound yet, is
//   masked and counted: nobody is there to acknowledge it.
// - `ack` on an object whose line has not fired since the last `ack` changes
//   nothing: it cannot unmask a line twice.
// - When the last capability to the object goes, the line is masked for good
//   and given up, so a later object may take it.
// Pure and allocation-free: the host tests drive every rule.

struct InterruptRecord: Equatable {
    var live = false
    /// The hardware line: the controller's number for it (i386 IRQ, GIC INTID, PLIC source).
    var line: UInt32 = 0
    /// The notification it signals, and the badge it signals with (-1: not bound).
    var notification: Int8 = -1
    var badge: UInt = 0
    /// Fired and masked, waiting for its holder's ack.
    var pending = false
    /// Arrivals while pending that found the line already masked (should be none: a count for reports).
    var unexpected = 0
}

enum InterruptArrival: Equatable {
    /// Mask the line and signal `notification` with `badge`; the line stays masked until ack.
    case signal(object: Int, notification: Int, badge: UInt)
    /// The line is delivered and not acknowledged yet: keep it masked, deliver nothing.
    case alreadyPending
    /// No bound object owns the line: mask it, deliver nothing.
    case unowned
}

struct Interrupts {
    static let capacity = 16
    private var records = InlineArray<16, InterruptRecord>(repeating: InterruptRecord())
    /// Arrivals on lines nobody could acknowledge.
    private(set) var unowned = 0

    @inline(__always) func exists(_ i: Int) -> Bool { i >= 0 && i < Interrupts.capacity && records[i].live }
    func record(_ i: Int) -> InterruptRecord? { exists(i) ? records[i] : nil }

    /// The object that owns `line`, if any.
    func owner(of line: UInt32) -> Int? {
        for i in 0..<Interrupts.capacity where records[i].live && records[i].line == line { return i }
        return nil
    }

    /// A new object for `line`: refused with `busy` if another object has it, `noResources` if the table is full.
    mutating func create(line: UInt32) throws(SyscallError) -> Int {
        if owner(of: line) != nil { throw .busy }
        for i in 0..<Interrupts.capacity where !records[i].live {
            records[i] = InterruptRecord(live: true, line: line)
            return i
        }
        throw .noResources
    }

    /// Signal notification `n` with `badge` when the line of `i` fires.
    mutating func bind(_ i: Int, notification n: Int, badge: UInt) {
        guard exists(i) else { return }
        records[i].notification = Int8(n)
        records[i].badge = badge
    }

    /// `line` fired; the kernel has masked it, and does what the outcome says.
    mutating func arrived(line: UInt32) -> InterruptArrival {
        guard let i = owner(of: line), records[i].notification >= 0 else {
            unowned += 1
            return .unowned
        }
        if records[i].pending {
            records[i].unexpected += 1
            return .alreadyPending
        }
        records[i].pending = true
        return .signal(object: i, notification: Int(records[i].notification), badge: records[i].badge)
    }

    /// The holder of `i` has handled its device: the line to unmask, or nil if
    /// it has not fired since the last ack (then nothing changes).
    mutating func ack(_ i: Int) -> UInt32? {
        guard exists(i), records[i].pending else { return nil }
        records[i].pending = false
        return records[i].line
    }

    /// No capability names `i` any more: its line (to mask for good) is given up.
    mutating func free(_ i: Int) -> UInt32? {
        guard exists(i) else { return nil }
        let line = records[i].line
        records[i] = InterruptRecord()
        return line
    }

    /// Notification `n` is gone: objects bound to it signal nothing until bound again.
    mutating func notificationFreed(_ n: Int) {
        for i in 0..<Interrupts.capacity where records[i].live && Int(records[i].notification) == n {
            records[i].notification = -1
        }
    }
}
