// The boot memory map: what the firmware said about physical memory, turned
// into sorted, disjoint, page-aligned regions. Nothing here allocates; the
// storage is fixed, so it works before any heap exists.

enum RegionKind: UInt8 {
    // Higher raw value wins where regions overlap: usable memory loses to anything.
    case usable = 0
    case acpiReclaimable = 1
    case acpiNonVolatile = 2
    case reserved = 3
    case defective = 4
    case bootInfo = 5
    case kernelImage = 6
    /// The part of the kernel image that holds code: mapped read-only and executable.
    case kernelCode = 7
    /// A page of the image left unmapped below a stack, so that running off the
    /// stack's end faults instead of writing over what lies below.
    case guardPage = 8
}

struct MemoryRegion: Equatable {
    var start: UInt64
    var end: UInt64
    var kind: RegionKind
    var bytes: UInt64 { end - start }
}

/// Why a raw entry was refused. Parsing goes on without it.
enum MemoryMapError: Error, Equatable {
    /// No room: a usable entry past `usableLimit` is dropped (its RAM is not
    /// used); a reservation past `capacity` sets `lostReservation`.
    case full
    /// A usable entry that wraps past 2^64 (reservations are clipped instead).
    case wrapsAround
}

struct MemoryMap {
    /// Regions held. `normalize` has room for every cut (2 per region), so it
    /// never traps; normalizing n entries can give up to 2n - 1 pieces, and
    /// pieces past the capacity set `overflowed` (reported, never dropped
    /// silently).
    static let capacity = 160
    /// Entries of any kind `add` and `reserve` accept.
    static let entryLimit = capacity
    /// Usable entries accepted: the rest of the capacity is kept for
    /// reservations, so that no amount of usable ranges can crowd out a
    /// reservation (the kernel's own image among them).
    static let usableLimit = capacity - 32
    private(set) var regions = InlineArray<160, MemoryRegion>(repeating: MemoryRegion(start: 0, end: 0, kind: .reserved))
    private(set) var count = 0
    private(set) var usableCount = 0
    /// Set when `normalize` had more pieces than `capacity`: the map is incomplete.
    private(set) var overflowed = false
    /// Set when a reservation found no room: memory it covers might be handed
    /// out as free, so the map must be refused, never used.
    private(set) var lostReservation = false

    subscript(i: Int) -> MemoryRegion { regions[i] }

    /// Record one region as the boot loader gave it. Empty regions are ignored.
    /// A reservation (any kind but usable) that runs past 2^64 is kept up to
    /// the top of the address space: a reservation always wins. Throws when the
    /// entry is not kept: a reservation that finds no room also sets `lostReservation`.
    mutating func add(start: UInt64, length: UInt64, kind: RegionKind) throws(MemoryMapError) {
        if length == 0 { return }
        var end = start &+ length
        if start > UInt64.max - length {
            if kind == .usable { throw .wrapsAround }
            end = UInt64.max
        }
        if kind == .usable && usableCount >= MemoryMap.usableLimit { throw .full }
        if count >= MemoryMap.entryLimit {
            if kind != .usable { lostReservation = true }
            throw .full
        }
        regions[count] = MemoryRegion(start: start, end: end, kind: kind)
        count += 1
        if kind == .usable { usableCount += 1 }
    }

    /// Sort, resolve overlaps (the stronger kind wins), merge neighbours of the
    /// same kind, then shrink usable regions to whole pages and drop usable memory
    /// at or above `limit`. Merging comes first, so that usable entries that meet
    /// or overlap at an unaligned address keep the pages they cover together.
    /// Afterwards regions are disjoint and ascending. Returns the usable bytes
    /// dropped for lying at or above `limit`, so that the caller can say so:
    /// memory is reported, never silently lost.
    @discardableResult
    mutating func normalize(pageSize: UInt64, limit: UInt64) -> UInt64 {
        // Every region edge cuts the line into elementary pieces; each piece
        // takes the strongest kind covering it.
        var cuts = InlineArray<320, UInt64>(repeating: 0)
        var n = 0
        for i in 0..<count {
            cuts[n] = regions[i].start; cuts[n + 1] = regions[i].end; n += 2
        }
        insertionSort(&cuts, n)
        var out = InlineArray<160, MemoryRegion>(repeating: MemoryRegion(start: 0, end: 0, kind: .reserved))
        var m = 0
        var i = 0
        while i + 1 < n {
            let a = cuts[i], b = cuts[i + 1]
            i += 1
            if a == b { continue }
            var kind: RegionKind? = nil
            for r in 0..<count where regions[r].start <= a && b <= regions[r].end {
                if kind == nil || regions[r].kind.rawValue > kind!.rawValue { kind = regions[r].kind }
            }
            guard let k = kind else { continue }
            if m > 0 && out[m - 1].kind == k && out[m - 1].end == a {
                out[m - 1].end = b
            } else if m < MemoryMap.capacity {
                out[m] = MemoryRegion(start: a, end: b, kind: k); m += 1
            } else {
                overflowed = true
            }
        }
        // Usable memory in whole pages, below the limit.
        var dropped: UInt64 = 0
        var kept = 0
        for j in 0..<m {
            var r = out[j]
            if r.kind == .usable {
                if r.start > UInt64.max - (pageSize - 1) { continue }  // the last page of the address space
                r.start = alignUp(r.start, pageSize)
                r.end = alignDown(r.end, pageSize)
                if r.end <= r.start { continue }  // no whole page (checked first: found by the fuzzer)
                if r.end > limit {
                    dropped &+= r.end - max(r.start, limit)
                    r.end = limit
                }
                if r.end <= r.start { continue }
            }
            out[kept] = r; kept += 1
        }
        regions = out
        count = kept
        usableCount = 0
        for j in 0..<kept where out[j].kind == .usable { usableCount += 1 }
        return dropped
    }

    /// Mark [start, end) as taken by `kind`; call `normalize` afterwards. A
    /// reservation is never refused: one that finds no room sets
    /// `lostReservation`, and a map with a lost reservation must not be used.
    mutating func reserve(start: UInt64, end: UInt64, kind: RegionKind) {
        reserve(start: start, length: end > start ? end - start : 0, kind: kind)
    }

    /// Mark `length` bytes from `start` as taken by `kind`, clipped at the top
    /// of the address space if they run past it (a firmware's reservation).
    mutating func reserve(start: UInt64, length: UInt64, kind: RegionKind) {
        precondition(kind != .usable, "a reservation is of a kind other than usable")
        try? add(start: start, length: length, kind: kind)  // full: recorded in lostReservation
    }

    var usableBytes: UInt64 {
        var total: UInt64 = 0
        for i in 0..<count where regions[i].kind == .usable { total += regions[i].bytes }
        return total
    }

    /// One past the highest usable byte, or 0 if there is no usable memory.
    var usableTop: UInt64 {
        var top: UInt64 = 0
        for i in 0..<count where regions[i].kind == .usable { top = max(top, regions[i].end) }
        return top
    }
}

private func insertionSort(_ a: inout InlineArray<320, UInt64>, _ n: Int) {
    if n < 2 { return }
    for i in 1..<n {
        let v = a[i]
        var j = i - 1
        while j >= 0 && a[j] > v { a[j + 1] = a[j]; j -= 1 }
        a[j + 1] = v
    }
}
