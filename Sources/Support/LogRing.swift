// The console's log ring: every byte the kernel and the tasks write once a
// console driver has taken the screen, in the order written, until the driver
// takes them (Kernel/ConsoleLog.swift). A task's line goes in whole or waits
// (its writer blocks: nothing is lost, and a flood of writers cannot spin);
// the kernel never waits, so its bytes may use the `kernelReserve` the tasks
// leave free, and what does not fit even there is counted, never half written
// silently (the kernel reports the count once there is room). Allocation-free:
// the storage is given; host-tested.

struct LogRing {
    /// Bytes a task's write must leave free, for the kernel's own lines.
    static let kernelReserve = 1024
    private var storage: UnsafeMutablePointer<UInt8>? = nil
    private(set) var capacity = 0
    /// Bytes ever written and ever taken: their difference is what waits.
    private(set) var written: UInt64 = 0
    private(set) var taken: UInt64 = 0
    /// The kernel's bytes that found no room, since the last report.
    private(set) var dropped: UInt64 = 0

    /// No storage yet: every append refused (a global starts so, before the kernel has frames).
    init() {}

    /// A ring over `capacity` bytes at `storage` (nil: none).
    init(storage: UnsafeMutablePointer<UInt8>?, capacity: Int) {
        self.storage = storage
        self.capacity = storage == nil ? 0 : capacity
    }

    var waiting: Int { Int(written - taken) }
    var free: Int { capacity - waiting }

    /// Whether a task's write of `bytes` fits now, leaving the kernel's reserve.
    func fitsTask(_ bytes: Int) -> Bool { bytes <= free - LogRing.kernelReserve }

    /// Append one byte, if there is room (a task's bytes are appended only after fitsTask).
    @inline(__always) mutating func append(_ b: UInt8) -> Bool {
        guard let s = storage, waiting < capacity else { return false }
        s[Int(written % UInt64(capacity))] = b
        written += 1
        return true
    }

    /// The kernel's byte: appended, or counted as dropped.
    mutating func appendKernel(_ b: UInt8) { if !append(b) { dropped += 1 } }

    /// Take up to `max` waiting bytes, oldest first, into `out`; how many.
    mutating func take(into out: UnsafeMutablePointer<UInt8>, max: Int) -> Int {
        let n = lend(into: out, max: max)
        commitLent()
        return n
    }

    /// Bytes lent to the driver and not yet known to be written: they stay in
    /// the ring (and keep their room) until the driver's next call says so.
    private(set) var lent = 0

    /// The driver's call: the bytes lent by its last call are written (they
    /// go), and up to `max` of the next ones are lent into `out`; how many.
    /// A driver that dies before its next call leaves its lent bytes in the
    /// ring, so they are written by whoever takes the screen: never lost (the
    /// part it had written already appears twice).
    mutating func lend(into out: UnsafeMutablePointer<UInt8>, max: Int) -> Int {
        commitLent()
        guard let s = storage else { return 0 }
        let n = min(max, waiting)
        for i in 0..<n { out[i] = s[Int((taken + UInt64(i)) % UInt64(capacity))] }
        lent = n
        return n
    }

    /// The driver is gone: the bytes it was lent are the next to take again.
    mutating func reclaimLent() { lent = 0 }

    private mutating func commitLent() {
        taken += UInt64(lent)
        lent = 0
    }

    /// The count of dropped kernel bytes, reset (for the report).
    mutating func takeDropped() -> UInt64 {
        defer { dropped = 0 }
        return dropped
    }
}
