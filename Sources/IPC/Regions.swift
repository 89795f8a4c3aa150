// Regions: the kernel object behind every piece of memory or device a task is
// given beyond its own (seL4's frames and device untypeds, Microkit's
// memory_region, Zircon's VMOs, physical VMOs included). One kind of object,
// three spaces:
// - memory: frames the kernel took for the region (one run, so that a device
//   can be given its physical address for DMA). Mapped into every task that
//   holds a capability and asks, so tasks share it.
// - device: a device's registers (its `reg` range). Never RAM, never freed:
//   the frames are borrowed from the hardware.
// - ports: an i386 I/O-port range, used through the port system call.
// The rules (docs/drivers.md argues them):
// - Rights: read (map it, or read its ports) and write (map it writable, or
//   write its ports): the same two bits as send and receive; grant passes it on.
// - Two device or port regions never overlap: a second one for the same
//   registers is refused (busy), so no two objects drive one device. (The
//   manifest gives one object's capabilities to several tasks when it means to.)
// - A mapping counts as a hold on the region. Its frames go back only when the
//   last capability is gone and the last task that mapped it has been torn
//   down: a sharer that dies mid-use takes nothing from the others.
// - A freed memory region is left `draining` until the kernel has given its
//   frames back (`nextDraining`, `drained`): the pure rules own no frames.
// Pure and allocation-free: the host tests drive every rule.

enum RegionSpace: UInt8, Equatable {
    case memory, device, ports
}

struct RegionRecord: Equatable {
    enum State: UInt8 { case unused, live, draining }
    var state = State.unused
    var space = RegionSpace.memory
    /// The first byte's physical address (memory, device) or the first port.
    var base: UInt64 = 0
    /// Bytes (memory, device: whole pages) or ports.
    var size: UInt64 = 0
    /// Address spaces that map it now.
    var mappings = 0
    /// Its last capability has gone: freed when its last mapping goes.
    var orphaned = false
}

struct Regions {
    static let capacity = 16
    private var records = InlineArray<16, RegionRecord>(repeating: RegionRecord())

    @inline(__always) func exists(_ r: Int) -> Bool { r >= 0 && r < Regions.capacity && records[r].state == .live }
    func record(_ r: Int) -> RegionRecord? { exists(r) ? records[r] : nil }

    /// A new region of `space` covering [base, base + size). Device and port
    /// regions that overlap a live or draining one of their space are refused
    /// (busy); a full table is noResources. The caller has taken a memory
    /// region's frames; on a refusal they are still the caller's.
    mutating func create(_ space: RegionSpace, base: UInt64, size: UInt64) throws(SyscallError) -> Int {
        guard size > 0, base <= UInt64.max - size else { throw .badRequest }
        var free: Int? = nil
        for r in 0..<Regions.capacity {
            let o = records[r]
            if o.state == .unused {
                if free == nil { free = r }
                continue
            }
            if space != .memory && o.space == space && base < o.base + o.size && o.base < base + size { throw .busy }
        }
        guard let r = free else { throw .noResources }
        records[r] = RegionRecord(state: .live, space: space, base: base, size: size)
        return r
    }

    /// A task's address space now maps region `r`.
    mutating func mapped(_ r: Int) { records[r].mappings += 1 }

    /// A task that mapped `r` has been torn down.
    mutating func unmapped(_ r: Int) {
        guard r >= 0 && r < Regions.capacity && records[r].state == .live && records[r].mappings > 0 else { return }
        records[r].mappings -= 1
        if records[r].orphaned && records[r].mappings == 0 { release(r) }
    }

    /// The last capability to `r` went (its holders died or deleted it).
    mutating func capabilitiesGone(_ r: Int) {
        guard exists(r) else { return }
        records[r].orphaned = true
        if records[r].mappings == 0 { release(r) }
    }

    /// A memory region whose frames the kernel must give back: its number and record.
    func nextDraining() -> (region: Int, record: RegionRecord)? {
        for r in 0..<Regions.capacity where records[r].state == .draining { return (r, records[r]) }
        return nil
    }

    /// The kernel gave back `r`'s frames: its number may be used again.
    mutating func drained(_ r: Int) { if records[r].state == .draining { records[r] = RegionRecord() } }

    /// Memory regions live or draining, and the bytes they hold (for reports and the leak checks).
    func memoryHeld() -> (regions: Int, bytes: UInt64) {
        var n = 0, bytes: UInt64 = 0
        for r in 0..<Regions.capacity where records[r].state != .unused && records[r].space == .memory {
            n += 1; bytes += records[r].size
        }
        return (n, bytes)
    }

    private mutating func release(_ r: Int) {
        // A device's or ports' range is nobody's to give back: the number is free at once.
        if records[r].space == .memory { records[r].state = .draining } else { records[r] = RegionRecord() }
    }
}
